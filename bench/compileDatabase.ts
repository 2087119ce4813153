/**
 * compileDatabase: where a benchmark project's compile database comes
 * from. A synthetic project's is read from its build.ninja before every
 * build (`ninja -t compdb cc`), so it carries the flags of the moment; a
 * real project's (Lua, jq) is recorded once, at set-up, by running its own
 * build under bear (`recordWithBear`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { CompileEntry } from './floorNodes.js';

export type CompileDatabase =
  | { readonly kind: 'ninja'; readonly rules: readonly string[] }
  | { readonly kind: 'file'; readonly path: string };

export function readCompileDatabase(db: CompileDatabase, dir: string): CompileEntry[] {
  const text =
    db.kind === 'file'
      ? fs.readFileSync(db.path, 'utf8')
      : (() => {
          const r = spawnSync('ninja', ['-t', 'compdb', ...db.rules], { cwd: dir, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
          if (r.status !== 0) throw new Error(`ninja -t compdb failed in ${dir}: ${r.stderr}`);
          return r.stdout;
        })();
  const data = JSON.parse(text) as unknown;
  if (!Array.isArray(data)) throw new Error('a compile database must be a JSON array');
  return data as CompileEntry[];
}

/**
 * Runs `command` in `dir` under `bear --output out` and returns the
 * database; `clean` (if given) runs first, so every compile happens.
 */
export function recordWithBear(dir: string, command: readonly string[], out: string, clean?: readonly string[]): CompileDatabase {
  const run = (argv: readonly string[]): void => {
    const r = spawnSync(argv[0] as string, argv.slice(1), { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 512 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed in ${dir}:\n${(r.stderr ?? '').trimEnd().split('\n').slice(-10).join('\n')}`);
  };
  if (clean) run(clean);
  run(['bear', '--output', out, '--', ...command]);
  return { kind: 'file', path: out };
}
