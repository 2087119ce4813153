/**
 * deps: the include closure of each translation unit, for `nixmake deps`.
 * Runs the pipeline up to include analysis and stops; builds nothing.
 * Generators' outputs are read as the last build made them.
 */
import path from 'node:path';
import type { ClosureNote } from '../analyzers/includeClosure.js';
import { openMemo } from '../cache/openMemo.js';
import { expandSources } from '../config/expandSources.js';
import { analyzeProject } from './analyzeProject.js';
import { objectKey } from './BuildGraph.js';
import { loadConfig } from '../config/loadConfig.js';
import type { Diagnostic } from '../core/Diagnostic.js';
import type { EventSink } from './events.js';
import { ProjectFiles } from './ProjectFiles.js';
import { lastGeneratedFiles } from './lastGeneratedFiles.js';

export interface TuDeps {
  readonly tu: string;
  readonly target: string;
  readonly headers: readonly string[];
  readonly system: readonly string[];
  readonly notes: readonly ClosureNote[];
}

export async function deps(root: string, only: readonly string[], emit: EventSink): Promise<{ tus: TuDeps[]; warnings: Diagnostic[] } | undefined> {
  const config = loadConfig(root, (d) => emit({ event: 'diagnostic', diagnostic: d }));
  if (!config) return undefined;
  const sources = expandSources(config);
  if (!sources.ok) {
    sources.errors.forEach((d) => emit({ event: 'diagnostic', diagnostic: d }));
    return undefined;
  }
  const wanted = new Set(only.map((f) => path.relative(root, path.resolve(f))));
  const memo = openMemo(new ProjectFiles(root).memoFile, (d) => emit({ event: 'diagnostic', diagnostic: d }));
  try {
    const { hasher, analysis } = await analyzeProject(config, sources.value, memo, true, undefined, lastGeneratedFiles(config, memo));
    hasher.flush();
    const tus: TuDeps[] = [];
    for (const t of config.targets.values()) {
      for (const tu of sources.value.get(t.name) ?? []) {
        if (wanted.size > 0 && !wanted.has(tu)) continue;
        const c = analysis.closures.get(objectKey(t.name, tu));
        if (c) tus.push({ tu, target: t.name, headers: c.headers, system: c.system, notes: c.notes });
      }
    }
    return { tus, warnings: analysis.warnings };
  } finally {
    memo.close();
  }
}
