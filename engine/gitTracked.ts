/**
 * gitTracked: the files git tracks under a project root, for `nixmake
 * export`, which copies the inputs git does not track (a configure step's
 * `config.h`) into the export: a flake, and a checkout elsewhere, see only
 * tracked files.
 *
 * It runs `git ls-files` and nothing else; it does not decide what to copy.
 */
import { spawnSync } from 'node:child_process';

export type GitTracked = { readonly ok: true; readonly files: ReadonlySet<string> } | { readonly ok: false; readonly why: string };

/** Paths relative to `root` (NUL-separated output, so any file name survives). */
export function gitTracked(root: string): GitTracked {
  const r = spawnSync('git', ['-C', root, 'ls-files', '-z', '--cached'], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) return { ok: false, why: `cannot run git (${r.error.message})` };
  if (r.status !== 0) {
    const said = r.stderr.toString('utf8').trim().split('\n')[0] ?? '';
    return { ok: false, why: said === '' ? `git ls-files exited with ${r.status ?? 'a signal'}` : said };
  }
  return { ok: true, files: new Set(r.stdout.toString('utf8').split('\0').filter((f) => f !== '')) };
}
