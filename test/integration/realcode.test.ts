/**
 * The include analyzer against the compiler on real third-party code: for
 * every TU of Lua 5.4 and zlib (Debian source packages, fetched at run time
 * into a cache outside the repository), the project headers `gcc -MM` lists
 * must all be in the analyzer's closure. Prints the over-approximation ratio.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nixmake, REPO } from '../helpers/project.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh copy of a Debian source package: patched, or the upstream `.orig` tarball. */
function fetchCopy(pkg: string, variant: 'debian' | 'orig'): string {
  const src = execFileSync('bash', [path.join(REPO, 'scripts/fetch-debian-source.sh'), pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nixmake-${pkg}-`));
  dirs.push(dir);
  if (variant === 'debian') {
    fs.cpSync(src, dir, { recursive: true });
  } else {
    const tarball = fs.readdirSync(path.dirname(src)).find((f) => /\.orig\.tar\.\w+$/.test(f));
    if (!tarball) throw new Error(`no .orig tarball next to ${src}`);
    execFileSync('tar', ['-xf', path.join(path.dirname(src), tarball), '-C', dir, '--strip-components=1']);
  }
  return dir;
}

/** Project headers of `gcc -MM`, project-relative. */
function gccHeaders(root: string, tu: string, flags: readonly string[]): string[] {
  const r = spawnSync('gcc', ['-MM', ...flags, tu], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc -MM ${tu} failed: ${r.stderr}`);
  const words = r.stdout.replace(/\\\n/g, ' ').split(':').slice(1).join(':').trim().split(/\s+/);
  return words
    .slice(1) // the TU itself
    .map((w) => path.relative(root, path.resolve(root, w)))
    .filter((w) => !w.startsWith('..'))
    .sort();
}

function verify(root: string, sourceGlob: string, flags: string[]): { tus: number; gcc: number; analyzer: number } {
  fs.writeFileSync(path.join(root, 'nixmake.json'), JSON.stringify({ cflags: flags, targets: { all: { type: 'static-library', sources: [sourceGlob] } } }));
  const r = nixmake(['deps', '--json', '-C', root]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { tu: string; headers: string[] });
  let gcc = 0;
  let analyzer = 0;
  for (const l of lines) {
    const want = gccHeaders(root, l.tu, flags);
    const missed = want.filter((h) => !l.headers.includes(h));
    expect({ tu: l.tu, missed }).toEqual({ tu: l.tu, missed: [] });
    gcc += want.length;
    analyzer += l.headers.length;
  }
  return { tus: lines.length, gcc, analyzer };
}

describe('include analysis on real code misses no header gcc reads', () => {
  // Debian's patch makes luaconf.h include a header its libtool build generates; upstream's does not.
  it('Lua 5.4, upstream tarball (its Makefile flags: -DLUA_COMPAT_5_3 -DLUA_USE_LINUX)', () => {
    const root = fetchCopy('lua5.4', 'orig');
    const r = verify(root, 'src/*.c', ['-O2', '-Wall', '-Wextra', '-DLUA_COMPAT_5_3', '-DLUA_USE_LINUX']);
    console.log(`lua5.4: ${r.tus} TUs, gcc -MM ${r.gcc} project headers, analyzer ${r.analyzer}, ratio ${(r.analyzer / r.gcc).toFixed(3)}`);
    expect(r.tus).toBeGreaterThanOrEqual(30);
  });

  it('zlib 1.2.13 (its configure flags: -D_LARGEFILE64_SOURCE=1 -DHAVE_HIDDEN)', () => {
    const root = fetchCopy('zlib', 'debian');
    const r = verify(root, '*.c', ['-O3', '-D_LARGEFILE64_SOURCE=1', '-DHAVE_HIDDEN']);
    console.log(`zlib: ${r.tus} TUs, gcc -MM ${r.gcc} project headers, analyzer ${r.analyzer}, ratio ${(r.analyzer / r.gcc).toFixed(3)}`);
    expect(r.tus).toBeGreaterThanOrEqual(15);
  });
});
