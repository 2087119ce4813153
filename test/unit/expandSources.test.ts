/**
 * expandSources: one TU per real file, whatever the globs, `./` and
 * symlinks; symlink loops end; sources outside the root are refused unless
 * their folder is in `externalDirs`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expandSources, MAX_PATHS_TO_A_FOLDER } from '../../config/expandSources.js';
import { parseConfig } from '../../config/parseConfig.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>, links: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-expand-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  for (const [rel, target] of Object.entries(links)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.symlinkSync(target, path.join(dir, rel));
  }
  return dir;
}

function expand(root: string, sources: string[], extra: Record<string, unknown> = {}) {
  const c = parseConfig(JSON.stringify({ ...extra, targets: { app: { type: 'executable', sources } } }), root);
  if (!c.ok) throw new Error(c.errors.map((e) => e.message).join('\n'));
  const r = expandSources(c.value);
  return r.ok ? { tus: r.value.get('app'), errors: [] } : { tus: undefined, errors: r.errors.map((e) => `${e.jsonPath}: ${e.message}`) };
}

describe('expandSources: one TU per file', () => {
  it('merges ./src/x.c with a glob that matches src/x.c', () => {
    const root = tree({ 'src/x.c': '', 'src/y.c': '' });
    expect(expand(root, ['./src/x.c', 'src/*.c', 'src//x.c'])).toEqual({ tus: ['src/x.c', 'src/y.c'], errors: [] });
  });

  it('keeps the first name in sorted order for a symlink to a source', () => {
    const root = tree({ 'src/x.c': '' }, { 'src/alias.c': 'x.c', 'src/zz.c': 'x.c' });
    expect(expand(root, ['src/*.c'])).toEqual({ tus: ['src/alias.c'], errors: [] });
    // A name only counts if the config matched it.
    expect(expand(root, ['src/x.c', 'src/zz.c'])).toEqual({ tus: ['src/x.c'], errors: [] });
  });

  it('merges a file reached through a symlinked folder', () => {
    const root = tree({ 'src/x.c': '', 'src/y.c': '' }, { 'alias': 'src' });
    expect(expand(root, ['**/*.c'])).toEqual({ tus: ['alias/x.c', 'alias/y.c'], errors: [] });
    expect(expand(root, ['src/*.c', 'alias/y.c'])).toEqual({ tus: ['alias/y.c', 'src/x.c'], errors: [] });
  });

  it('ends a symlink loop under **, with one TU per file', () => {
    const root = tree({ 'src/x.c': '', 'src/sub/y.c': '' }, { 'src/sub/up': '..', 'src/sub/up2': '..', 'src/sub/self': '.', 'loop': 'loop' });
    const t0 = performance.now();
    expect(expand(root, ['**/*.c'])).toEqual({ tus: ['src/sub/y.c', 'src/x.c'], errors: [] });
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('refuses a glob whose symlinks lead into one folder by too many paths', () => {
    // Two links per level to the next level: 2^n paths to the last folder, no loop.
    const links: Record<string, string> = {};
    const levels = 8;
    for (let i = 0; i < levels; i++) {
      links[`d${i}/a`] = `../d${i + 1}`;
      links[`d${i}/b`] = `../d${i + 1}`;
    }
    const root = tree({ [`d${levels}/x.c`]: '' }, links);
    expect(2 ** levels).toBeGreaterThan(MAX_PATHS_TO_A_FOLDER);
    const r = expand(root, ['d0/**/*.c']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^targets\.app\.sources\[0\]: "d0\/\*\*\/\*\.c": symlinks lead into the folder .*\/d\d by more than 64 paths/);
  });
});

describe('expandSources: sources outside the project root', () => {
  it('refuses a link to a file outside the root, naming the link and its target', () => {
    const outside = tree({ 'secret.c': '' });
    const root = tree({ 'src/main.c': '' }, { 'src/ext.c': path.join(outside, 'secret.c') });
    const real = fs.realpathSync(path.join(outside, 'secret.c'));
    expect(expand(root, ['src/*.c']).errors).toEqual([
      `targets.app.sources[0]: "src/ext.c" is a link to ${real}, outside the project root; list its folder in "externalDirs" to build it`,
    ]);
  });

  it('refuses a file reached through a symlinked folder outside the root', () => {
    const outside = tree({ 'lib/a.c': '' });
    const root = tree({ 'src/main.c': '' }, { vendor: path.join(outside, 'lib') });
    expect(expand(root, ['src/*.c', 'vendor/*.c']).errors).toEqual([
      `targets.app.sources[1]: "vendor/a.c" is a link to ${fs.realpathSync(path.join(outside, 'lib/a.c'))}, outside the project root; list its folder in "externalDirs" to build it`,
    ]);
  });

  it('accepts it when externalDirs lists its folder (or a folder above it)', () => {
    const outside = tree({ 'lib/a.c': '' });
    const root = tree({ 'src/main.c': '' }, { 'src/ext.c': path.join(outside, 'lib/a.c') });
    expect(expand(root, ['src/*.c'], { externalDirs: [path.join(outside, 'lib')] })).toEqual({ tus: ['src/ext.c', 'src/main.c'], errors: [] });
    expect(expand(root, ['src/*.c'], { externalDirs: [outside] }).errors).toEqual([]);
    expect(expand(root, ['src/*.c'], { externalDirs: [path.join(outside, 'other')] }).errors).toHaveLength(1);
  });
});
