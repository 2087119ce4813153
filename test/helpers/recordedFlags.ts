/**
 * Checks that a written nixmake.json compiles every object (each TU of each
 * target, and its variants) with the flags of one of that TU's recorded
 * compiles, as `init` promises: up to the -I/-D/other grouping
 * (`canonicalFlags`) and the `-fPIC` nixmake gives a shared library's TUs
 * itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { languageOf } from '../../analyzers/language.js';
import { compileFlags, objectsOf } from '../../config/compileFlags.js';
import { expandSources } from '../../config/expandSources.js';
import { loadConfig } from '../../config/loadConfig.js';
import { classifyCommands } from '../../init/classifyCommands.js';
import type { CompileStep } from '../../init/classifyCommands.js';
import { shellSplit } from '../../init/fromCompileCommands.js';
import { canonicalFlags } from '../../init/factorFlags.js';
import { mapFlags } from '../../init/mapFlags.js';

/** Answers how many objects were checked. */
export function expectRecordedFlags(dir: string, compiles: readonly CompileStep[]): number {
  const rel = (p: string): string | undefined => (p.startsWith(`${dir}/`) ? p.slice(dir.length + 1) : p === dir ? '.' : undefined);
  const recorded = new Map<string, string[][]>();
  for (const c of compiles) {
    const tu = rel(path.resolve(c.cwd, c.source));
    if (tu !== undefined) recorded.set(tu, [...(recorded.get(tu) ?? []), mapFlags(c, rel)]);
  }
  const loaded = loadConfig(dir, (d) => {
    throw new Error(d.message);
  });
  if (!loaded) throw new Error('no nixmake.json');
  const sources = expandSources(loaded);
  if (!sources.ok) throw new Error(JSON.stringify(sources.errors));
  let checked = 0;
  for (const t of loaded.targets.values()) {
    const norm = (f: readonly string[]): string => canonicalFlags(t.type === 'shared-library' ? f.filter((x) => x !== '-fPIC') : f);
    for (const { tu, variant } of objectsOf(loaded, t, sources.value.get(t.name) ?? [])) {
      const mine = norm(compileFlags(loaded, t, languageOf(tu) ?? 'c', tu, variant));
      expect((recorded.get(tu) ?? []).map(norm), `${t.name}: ${tu}${variant === undefined ? '' : `#${variant}`}`).toContain(mine);
      checked++;
    }
  }
  return checked;
}

/** The compiles a compile database lists. */
export function compileDbCompiles(file: string): CompileStep[] {
  const db = JSON.parse(fs.readFileSync(file, 'utf8')) as { directory: string; command?: string; arguments?: string[] }[];
  return classifyCommands(db.map((e, i) => ({ rid: String(i), pid: i + 1, ppid: 0, executable: '', argv: e.arguments ?? shellSplit(e.command ?? ''), cwd: e.directory, status: 0, order: i }))).compiles;
}
