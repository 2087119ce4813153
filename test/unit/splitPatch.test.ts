/**
 * splitPatch: a unified diff split by file, each file's hunks applied alone.
 * Random edits of random files are diffed by GNU diff (plain and with a
 * git-style header) and applied back: the result is diff's new file, as
 * GNU patch gives it. Also: offsets, the last line's newline, and what is
 * refused (a file created or deleted, a hunk that does not apply, a
 * truncated patch).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyHunks, splitPatch } from '../../engine/splitPatch.js';

function diff(oldText: string, newText: string, name: string, context = 3): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-splitpatch-'));
  try {
    fs.mkdirSync(path.dirname(path.join(dir, 'a', name)), { recursive: true });
    fs.mkdirSync(path.dirname(path.join(dir, 'b', name)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a', name), oldText);
    fs.writeFileSync(path.join(dir, 'b', name), newText);
    return spawnSync('diff', [`-U${context}`, `a/${name}`, `b/${name}`], { cwd: dir, encoding: 'utf8' }).stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function edit(text: string, rnd: () => number): string {
  const lines = text.split('\n');
  for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
    const at = Math.floor(rnd() * lines.length);
    const r = rnd();
    if (r < 0.4) lines.splice(at, 1);
    else if (r < 0.7) lines.splice(at, 0, `inserted ${k} ${Math.floor(rnd() * 1000)}`);
    else lines[at] = `changed ${k}`;
  }
  return lines.join('\n');
}

describe('splitPatch', () => {
  it('applies what GNU diff writes, for random edits, in a multi-file patch', () => {
    const rnd = random(7);
    for (let round = 0; round < 60; round++) {
      const files = ['src/a.c', 'include/b.h'].map((name) => {
        const n = 1 + Math.floor(rnd() * 30);
        const old = Array.from({ length: n }, (_, i) => `line ${i % 5}`).join('\n') + (rnd() < 0.8 ? '\n' : '');
        let next = edit(old, rnd);
        if (next === old) next = `${old}x\n`;
        return { name, old, next, patch: diff(old, next, name, round % 4) };
      });
      const split = splitPatch(files.map((f) => f.patch).join(''));
      expect(split.ok).toBe(true);
      if (!split.ok) continue;
      expect(split.files.map((f) => f.newName)).toEqual(files.map((f) => `b/${f.name}`));
      split.files.forEach((fp, k) => {
        const f = files[k] as (typeof files)[number];
        const applied = applyHunks(f.old, fp.hunks);
        expect(applied, `${f.patch}`).toEqual({ ok: true, text: f.next });
      });
    }
  });

  it('reads git diffs, finds a hunk moved by an earlier edit of the file, and keeps the last line without newline', () => {
    const patch = [
      'diff --git a/src/x.c b/src/x.c',
      'index 1111111..2222222 100644',
      '--- a/src/x.c',
      '+++ b/src/x.c',
      '@@ -2,3 +2,3 @@ int f(void)',
      ' b',
      '-c',
      '+C',
      ' d',
      '@@ -9,2 +9,2 @@',
      ' i',
      '-j',
      '\\ No newline at end of file',
      '+J',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    const split = splitPatch(patch);
    expect(split.ok && split.files.map((f) => ({ old: f.oldName, git: f.git, hunks: f.hunks.length }))).toEqual([{ old: 'a/src/x.c', git: true, hunks: 2 }]);
    if (!split.ok) return;
    const hunks = split.files[0]?.hunks ?? [];
    // Two lines more at the top than the patch was made against: both hunks apply 2 lines further down.
    expect(applyHunks('0\n0\na\nb\nc\nd\ne\nf\ng\nh\ni\nj', hunks)).toEqual({ ok: true, text: '0\n0\na\nb\nC\nd\ne\nf\ng\nh\ni\nJ' });
    const bad = applyHunks('a\nb\nX\nd\n', hunks);
    expect(bad.ok ? '' : bad.message).toBe('hunk at line 5 does not apply: its context and removed lines are not in the file near line 2');
  });

  it('refuses files created or deleted, binary diffs, and truncated hunks, naming the line', () => {
    expect(splitPatch('--- /dev/null\n+++ b/new.c\n@@ -0,0 +1 @@\n+x\n')).toMatchObject({ ok: false, line: 1 });
    expect(splitPatch('diff --git a/x.c b/x.c\ndeleted file mode 100644\n')).toMatchObject({ ok: false, line: 2 });
    expect(splitPatch('diff --git a/x.png b/x.png\nBinary files a/x.png and b/x.png differ\n')).toMatchObject({ ok: false, message: 'a binary diff is not supported' });
    expect(splitPatch('--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n a\n-b\n')).toMatchObject({ ok: false, message: 'hunk at line 3 is shorter than its @@ line says (the patch is truncated)' });
    expect(splitPatch('just text\n')).toMatchObject({ ok: false, message: 'no unified diff in it (--- and +++ lines, then @@ hunks)' });
  });
});
