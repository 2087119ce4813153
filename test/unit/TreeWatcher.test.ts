/**
 * TreeWatcher on a real folder: in-place writes, saves by rename (twice:
 * Node's own recursive watch loses the file after the first), files in new
 * folders, vanished folders, and ignored paths.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TreeWatcher } from '../../engine/TreeWatcher.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let root: string;
let seen: Set<string>;
let watcher: TreeWatcher;
let warnings: string[];

/** Runs `f`, waits for the events, returns the paths reported meanwhile. */
async function after(f: () => void): Promise<string[]> {
  seen.clear();
  f();
  await sleep(150);
  return [...seen].sort();
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-treewatch-'));
  for (const d of ['src', 'include/a', '.git/objects', '.nixmake']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.writeFileSync(path.join(root, 'src/main.c'), 'int main(void) { return 0; }\n');
  seen = new Set();
  warnings = [];
  watcher = new TreeWatcher(root, (rels) => rels.forEach((r) => seen.add(r)), (m) => warnings.push(m));
  watcher.start();
});

afterEach(() => {
  watcher.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const p = (rel: string): string => path.join(root, rel);

describe('TreeWatcher', () => {
  it('watches every folder but ignored ones', () => {
    expect(watcher.folders).toBe(4); // root, src, include, include/a
  });

  it('reports in-place writes', async () => {
    expect(await after(() => fs.writeFileSync(p('src/main.c'), 'x'))).toEqual(['src/main.c']);
  });

  it('reports every save by rename, and writes after them', async () => {
    const save = (text: string) => (): void => {
      fs.writeFileSync(p('src/main.c.tmp42'), text);
      fs.renameSync(p('src/main.c.tmp42'), p('src/main.c'));
    };
    expect(await after(save('1'))).toContain('src/main.c');
    expect(await after(save('2'))).toContain('src/main.c');
    expect(await after(() => fs.writeFileSync(p('src/main.c'), '3'))).toEqual(['src/main.c']);
  });

  it('reports files created in new folders, right after mkdir, and later writes to them', async () => {
    expect(
      await after(() => {
        fs.mkdirSync(p('gen/deep/er'), { recursive: true });
        fs.writeFileSync(p('gen/deep/er/x.h'), '1');
      }),
    ).toEqual(['gen/deep/er/x.h']);
    expect(watcher.folders).toBe(7);
    expect(await after(() => fs.writeFileSync(p('gen/deep/er/x.h'), '2'))).toEqual(['gen/deep/er/x.h']);
  });

  it('reports a folder moved in with its files, and one that vanished', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-treewatch-out-'));
    fs.mkdirSync(path.join(outside, 'lib/sub'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'lib/sub/y.c'), '1');
    expect(await after(() => fs.renameSync(path.join(outside, 'lib'), p('lib')))).toEqual(['lib/sub/y.c']);
    fs.rmSync(outside, { recursive: true, force: true });
    expect(await after(() => fs.renameSync(p('lib'), p('lib2')))).toEqual(['lib/', 'lib2/sub/y.c']);
    expect(await after(() => fs.writeFileSync(p('lib2/sub/y.c'), '2'))).toEqual(['lib2/sub/y.c']);
    expect(await after(() => fs.rmSync(p('lib2'), { recursive: true }))).toContain('lib2/');
    expect(watcher.folders).toBe(4);
  });

  it('does not report ignored paths', async () => {
    expect(
      await after(() => {
        fs.writeFileSync(p('.nixmake/memo.sqlite'), 'x');
        fs.writeFileSync(p('.git/objects/ab'), 'x');
        fs.symlinkSync('/nix/store', p('result-app'));
        fs.writeFileSync(p('src/.main.c.swp'), 'x');
        fs.writeFileSync(p('src/4913'), 'x');
        fs.mkdirSync(p('src/.git'));
        fs.writeFileSync(p('src/.git/x'), 'x');
      }),
    ).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('closes every watch', async () => {
    watcher.close();
    expect(watcher.folders).toBe(0);
    expect(await after(() => fs.writeFileSync(p('src/main.c'), 'x'))).toEqual([]);
  });
});
