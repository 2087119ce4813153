/**
 * matchPerSource: each target's `perSource` globs → which entries apply to
 * which TU name (target → TU → entry indices, in entry order), for
 * `compileFlags`. Globbed as `sources` are (expandSources' names, symlink
 * loops cut), so an entry names a TU as the target's own list does.
 *
 * A positive pattern that matches no file is an error at its JSON path. It
 * does not check that a match is one of the target's TUs (a TU the target
 * does not compile is simply never asked about) and decides no flags.
 */
import type { Diagnostic } from '../core/Diagnostic.js';
import { CONFIG_FILE } from './Config.js';
import type { Config } from './Config.js';
import { globFiles } from './expandSources.js';

export function matchPerSource(config: Config): { matches: Map<string, Map<string, number[]>>; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const matches = new Map<string, Map<string, number[]>>();
  for (const t of config.targets.values()) {
    if (t.perSource.length === 0) continue;
    const byTu = new Map<string, number[]>();
    t.perSource.forEach((entry, i) => {
      const negatives = entry.sources.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
      const names = new Set<string>();
      entry.sources.forEach((pattern, j) => {
        if (pattern.startsWith('!')) return;
        const at = `targets.${t.name}.perSource[${i}].sources[${j}]`;
        if (pattern.startsWith('/') || pattern.split('/').includes('..')) {
          errors.push({ severity: 'error', message: `"${pattern}" must stay inside the project root`, location: { file: CONFIG_FILE }, jsonPath: at });
          return;
        }
        const { files } = globFiles(config.root, pattern, negatives);
        if (files.length === 0) errors.push({ severity: 'error', message: `"${pattern}" matches no file`, location: { file: CONFIG_FILE }, jsonPath: at });
        for (const f of files) names.add(f);
      });
      for (const n of names) byTu.set(n, [...(byTu.get(n) ?? []), i]);
    });
    matches.set(t.name, byTu);
  }
  return { matches, errors };
}
