/**
 * graph: `nixmake graph` — targets, the libraries they link and their
 * objects as a Graphviz digraph. `graphDot` is pure (config and expanded
 * sources in, dot text out); `graph` reads the config and globs. Nodes are
 * named by their keys (`obj:<target>:<tu>`, `link:<target>`); edges run
 * from what is linked to what links it. No include analysis, no Nix.
 */
import type { Config } from '../config/Config.js';
import type { SourceLists } from '../config/expandSources.js';
import type { Diagnostic } from '../core/Diagnostic.js';
import { linkKey, objectKey } from '../core/nodeKeys.js';
import { objectsOf } from '../config/compileFlags.js';
import { targetOrder } from './BuildGraph.js';
import { loadSelection } from './selectTargets.js';

/** A dot string literal: quotes and backslashes escaped, control characters as `\n` or dropped. */
export function dotString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/[\x00-\x1f\x7f-\x9f]/g, '')}"`;
}

export function graphDot(config: Config, sources: SourceLists): string {
  const lines = ['digraph nixmake {', '  rankdir=LR;', '  node [fontname="sans-serif", fontsize=10];'];
  for (const name of targetOrder(config)) {
    const t = config.targets.get(name);
    if (!t) continue;
    const libs = t.libs.length > 0 ? `\n${t.libs.map((l) => `-l${l}`).join(' ')}` : '';
    lines.push(`  ${dotString(linkKey(name))} [shape=box, style=bold, label=${dotString(`${name}\n${t.type}${libs}`)}];`);
    for (const { tu, variant } of objectsOf(config, t, sources.get(name) ?? [])) {
      const obj = objectKey(name, tu, variant);
      lines.push(`  ${dotString(obj)} [shape=ellipse, label=${dotString(variant === undefined ? tu : `${tu} (${variant})`)}];`);
      lines.push(`  ${dotString(obj)} -> ${dotString(linkKey(name))};`);
    }
    for (const dep of t.deps) lines.push(`  ${dotString(linkKey(dep))} -> ${dotString(linkKey(name))} [style=bold];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function graph(root: string, targets: readonly string[], diag: (d: Diagnostic) => void): string | undefined {
  const sel = loadSelection(root, targets, diag);
  if (!sel) return undefined;
  return graphDot(sel.config, sel.sources);
}
