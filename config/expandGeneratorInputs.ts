/**
 * expandGeneratorInputs: each generator's `inputs` globs → the sorted
 * project files it reads, and the outputs of other generators it reads
 * (a pattern may name those too: they are not on disk). Globbed as
 * `sources` are (expandSources' `globFiles`: normalised names, symlink
 * loops cut, `.nixmake/` ignored); a positive pattern that matches nothing
 * is an error at its JSON path, and so is a generator that reads its own
 * outputs or a cycle between generators.
 *
 * It does not read file contents, and does not check that files lie
 * inside the project (SourceUploader refuses those when they are stored).
 */
import type { Diagnostic, Result } from '../core/Diagnostic.js';
import { CONFIG_FILE } from './Config.js';
import type { Config } from './Config.js';
import { globFiles } from './expandSources.js';
import { matchGlob } from './matchGlob.js';

export interface GeneratorInputs {
  /** Project files (on disk), project-relative, sorted. */
  readonly files: readonly string[];
  /** Outputs of other generators it reads: [output, generator name], sorted by output. */
  readonly generated: readonly (readonly [string, string])[];
}

/** `listedDirs`, when given, receives every folder the globs listed (a new file there could be a new input). */
export function expandGeneratorInputs(config: Config, listedDirs?: Set<string>): Result<Map<string, GeneratorInputs>> {
  const errors: Diagnostic[] = [];
  const error = (jsonPath: string, message: string): void => {
    errors.push({ severity: 'error', message, location: { file: CONFIG_FILE }, jsonPath });
  };
  const writer = new Map<string, string>();
  for (const g of config.generators.values()) for (const o of g.outputs) writer.set(o, g.name);
  const out = new Map<string, GeneratorInputs>();
  for (const g of config.generators.values()) {
    const negatives = g.inputs.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    const files = new Set<string>();
    const generated = new Map<string, string>();
    g.inputs.forEach((pattern, i) => {
      if (pattern.startsWith('!')) return;
      const at = `generators.${g.name}.inputs[${i}]`;
      const made = [...writer].filter(([o]) => matchGlob(o, pattern) && !negatives.some((n) => matchGlob(o, n)));
      for (const [o, by] of made) {
        if (by === g.name) error(at, `"${pattern}" matches "${o}", an output of this very generator`);
        else generated.set(o, by);
      }
      const { walk, files: found } = globFiles(config.root, pattern, negatives);
      if (listedDirs) for (const d of walk.listedDirs()) listedDirs.add(d);
      const onDisk = found.filter((f) => !writer.has(f));
      if (onDisk.length === 0 && made.length === 0) error(at, `"${pattern}" matches no file`);
      for (const f of onDisk) files.add(f);
    });
    out.set(g.name, { files: [...files].sort(), generated: [...generated].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) });
  }
  // A generator reading another's output runs after it: no cycles.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    state.set(name, 'visiting');
    for (const [, by] of out.get(name)?.generated ?? []) {
      if (state.get(by) === 'visiting') error(`generators.${name}.inputs`, `cycle between generators: ${[...trail.slice(trail.indexOf(by)), name, by].join(' -> ')}`);
      else if (!state.has(by)) visit(by, [...trail, name]);
    }
    state.set(name, 'done');
  };
  for (const name of out.keys()) if (!state.has(name)) visit(name, []);
  if (errors.length > 0) return { ok: false, errors, warnings: [] };
  return { ok: true, value: out, warnings: [] };
}
