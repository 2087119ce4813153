/**
 * selectTargets: the config narrowed to the targets a command names, and
 * what they link and run (deps, generators' tools); `loadSelection` adds
 * the reading of nixmake.json and the source globs, for the commands that
 * need no more (`graph`, `compdb`). It does not analyse or build.
 */
import type { Config } from '../config/Config.js';
import type { SourceLists } from '../config/expandSources.js';
import { expandSources } from '../config/expandSources.js';
import { loadConfig } from '../config/loadConfig.js';
import type { Diagnostic } from '../core/Diagnostic.js';

/** The config narrowed to the requested targets and everything they link against. */
export function selectTargets(config: Config, names: readonly string[]): { config: Config; errors: Diagnostic[] } {
  if (names.length === 0) return { config, errors: [] };
  const errors: Diagnostic[] = [];
  const want = new Set<string>();
  const add = (n: string): void => {
    if (want.has(n)) return;
    want.add(n);
    for (const d of config.targets.get(n)?.deps ?? []) add(d);
  };
  // Every generator is built; the programs they run with it.
  for (const g of config.generators.values()) for (const t of g.tools) add(t);
  for (const n of names) {
    if (config.targets.has(n)) add(n);
    else errors.push({ severity: 'error', message: `unknown target "${n}" (targets: ${[...config.targets.keys()].join(', ')})` });
  }
  return { config: { ...config, targets: new Map([...config.targets].filter(([name]) => want.has(name))) }, errors };
}

/** nixmake.json, narrowed to `targets`, and its sources; undefined (each error said) when one of them fails. */
export function loadSelection(root: string, targets: readonly string[], diag: (d: Diagnostic) => void): { config: Config; sources: SourceLists } | undefined {
  const config = loadConfig(root, diag);
  if (!config) return undefined;
  const selected = selectTargets(config, targets);
  const sources = expandSources(selected.config);
  if (selected.errors.length > 0 || !sources.ok) {
    [...selected.errors, ...(sources.ok ? [] : sources.errors)].forEach(diag);
    return undefined;
  }
  return { config: selected.config, sources: sources.value };
}
