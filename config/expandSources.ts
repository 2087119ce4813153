/**
 * expandSources: each target's source globs → the sorted list of
 * translation units it compiles, as normalised project-relative paths.
 *
 * A positive pattern that matches no file is an error at its JSON path.
 * Header files matched by a glob are skipped (they are found by the include
 * analyzer); other non-C/C++ files are an error. It does not read file
 * contents.
 */
import fg from 'fast-glob';
import type { Diagnostic, Result } from '../engine/Diagnostic.js';
import { languageOf, isHeaderPath } from '../analyzers/language.js';
import { CONFIG_FILE } from './Config.js';
import type { Config } from './Config.js';

/** Folders nixmake itself writes, never sources. */
const ALWAYS_IGNORED = ['.nixmake/**', 'node_modules/**', '.git/**'];

export type SourceLists = ReadonlyMap<string, readonly string[]>;

export function expandSources(config: Config): Result<SourceLists> {
  const errors: Diagnostic[] = [];
  const out = new Map<string, string[]>();
  for (const t of config.targets.values()) {
    const negatives = t.sources.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    const found = new Set<string>();
    t.sources.forEach((pattern, i) => {
      if (pattern.startsWith('!')) return;
      const at = `targets.${t.name}.sources[${i}]`;
      if (pattern.startsWith('/') || pattern.split('/').includes('..')) {
        errors.push({ severity: 'error', message: `"${pattern}" must stay inside the project root`, location: { file: CONFIG_FILE }, jsonPath: at });
        return;
      }
      const files = fg.sync(pattern, {
        cwd: config.root,
        onlyFiles: true,
        dot: false,
        followSymbolicLinks: true,
        ignore: [...ALWAYS_IGNORED, ...negatives],
      });
      const sources = files.filter((f) => !isHeaderPath(f));
      if (sources.length === 0) {
        const why = files.length > 0 ? 'matches only header files' : 'matches no file';
        errors.push({ severity: 'error', message: `"${pattern}" ${why}`, location: { file: CONFIG_FILE }, jsonPath: at });
      }
      for (const f of sources) {
        if (languageOf(f) === undefined) {
          errors.push({ severity: 'error', message: `"${f}" (matched by "${pattern}") is not a C or C++ source`, location: { file: CONFIG_FILE }, jsonPath: at });
        } else {
          found.add(f);
        }
      }
    });
    out.set(t.name, [...found].sort());
  }
  if (errors.length > 0) return { ok: false, errors, warnings: [] };
  return { ok: true, value: out, warnings: [] };
}
