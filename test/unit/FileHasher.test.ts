import { describe, expect, it } from 'vitest';
import { FileHasher } from '../../cache/FileHasher.js';
import { UserError } from '../../core/Diagnostic.js';
import type { HashFs } from '../../cache/FileHasher.js';
import type { FileRecord } from '../../cache/Memo.js';

class FakeFs implements HashFs {
  files = new Map<string, { data: string; mtimeMs: number }>();
  reads = 0;
  clock = 100_000;
  stat(p: string) {
    const f = this.files.get(p);
    return f ? { mtimeMs: f.mtimeMs, ctimeMs: f.mtimeMs, size: f.data.length, ino: 1 } : undefined;
  }
  read(p: string) {
    this.reads++;
    return Buffer.from(this.files.get(p)?.data ?? '');
  }
  now() {
    return this.clock;
  }
}

class FakeMemo {
  saved = new Map<string, FileRecord>();
  loads = 0;
  asked: string[] = [];
  loadFiles() {
    this.loads++;
    return new Map(this.saved);
  }
  getFile(p: string) {
    this.asked.push(p);
    return this.saved.get(p);
  }
  saveFiles(records: ReadonlyMap<string, FileRecord | null>) {
    for (const [p, r] of records) {
      if (r) this.saved.set(p, r);
      else this.saved.delete(p);
    }
  }
}

describe('FileHasher (the stat cache)', () => {
  it('lazy: reads the records of the files it hashes, once each, and still skips unchanged files', () => {
    const fs = new FakeFs();
    const memo = new FakeMemo();
    for (const f of ['/a.c', '/b.h', '/c.h']) fs.files.set(f, { data: `/* ${f} */`, mtimeMs: 1000 });
    const eager = new FileHasher(memo, fs);
    const ha = eager.hash('/a.c');
    eager.hash('/b.h');
    eager.hash('/c.h');
    eager.flush();
    expect(memo.loads).toBe(1);
    const lazy = new FileHasher(memo, fs, { lazy: true });
    expect(memo.loads).toBe(1);
    expect(lazy.hash('/a.c')).toBe(ha);
    expect(lazy.hash('/a.c')).toBe(ha);
    expect(lazy.changedSinceMemo('/a.c')).toBe(false);
    expect(memo.asked).toEqual(['/a.c']);
    expect(fs.reads).toBe(3);
    // Gone since: its record is dropped on flush, as in the eager mode.
    fs.files.delete('/b.h');
    expect(lazy.hash('/b.h')).toBeUndefined();
    lazy.flush();
    expect(memo.saved.has('/b.h')).toBe(false);
    expect(memo.saved.has('/c.h')).toBe(true);
  });

  it('checked: a file found unchanged when the build looked, and otherwise now, stops the build (it changed while it ran)', () => {
    const fs = new FakeFs();
    const memo = new FakeMemo();
    fs.files.set('/a.c', { data: 'int a;', mtimeMs: 1000 });
    fs.files.set('/b.h', { data: 'int b;', mtimeMs: 1000 });
    const checked = new Map([
      ['/a.c', [1000, 1000, 6, 1] as const],
      ['/b.h', [1000, 1000, 6, 1] as const],
    ]);
    fs.files.set('/b.h', { data: 'int bb;', mtimeMs: 3000 });
    const h = new FileHasher(memo, fs, { checked: (p) => checked.get(p) });
    expect(h.hash('/a.c')).toBeDefined();
    expect(() => h.hash('/b.h')).toThrow(UserError);
    expect(() => h.hash('/b.h')).toThrow(/\/b\.h changed while nixmake was building.*run the build again/);
    // A file not found unchanged then (the edit itself) is hashed as it is now.
    fs.files.set('/c.h', { data: 'int c;', mtimeMs: 3000 });
    expect(h.hash('/c.h')).toBeDefined();
    fs.files.delete('/a.c');
    expect(() => new FileHasher(memo, fs, { checked: (p) => checked.get(p) }).hash('/a.c')).toThrow(UserError);
  });

  it('onNewContent: called once, at the first file whose content is not what the memo recorded (not for a touch)', () => {
    const fs = new FakeFs();
    const memo = new FakeMemo();
    for (const f of ['/a.c', '/b.h']) fs.files.set(f, { data: `/* ${f} */`, mtimeMs: 1000 });
    const first = new FileHasher(memo, fs);
    first.hash('/a.c');
    first.hash('/b.h');
    first.flush();
    let calls = 0;
    const onNewContent = (): void => void calls++;
    // Touched (new stat, same bytes), and unchanged: nothing new.
    fs.files.set('/a.c', { data: '/* /a.c */', mtimeMs: 3000 });
    const touched = new FileHasher(memo, fs, { onNewContent });
    touched.hash('/a.c');
    touched.hash('/b.h');
    expect(calls).toBe(0);
    // Edited, then a new file: one call.
    fs.files.set('/b.h', { data: 'edited', mtimeMs: 3000 });
    fs.files.set('/new.h', { data: 'new', mtimeMs: 3000 });
    const edited = new FileHasher(memo, fs, { onNewContent });
    edited.hash('/a.c');
    expect(calls).toBe(0);
    edited.hash('/b.h');
    expect(calls).toBe(1);
    edited.hash('/new.h');
    expect(calls).toBe(1);
    // A file the memo never saw counts as new.
    const fresh = new FileHasher(new FakeMemo(), fs, { onNewContent });
    fresh.hash('/a.c');
    expect(calls).toBe(2);
  });

  it('reads a file only when its stat changed', () => {
    const fs = new FakeFs();
    const memo = new FakeMemo();
    fs.files.set('/a.c', { data: 'int a;', mtimeMs: 1000 });
    const first = new FileHasher(memo, fs);
    const h = first.hash('/a.c');
    first.flush();
    expect(fs.reads).toBe(1);
    const second = new FileHasher(memo, fs);
    expect(second.hash('/a.c')).toBe(h);
    expect(fs.reads).toBe(1);
    fs.files.set('/a.c', { data: 'int b;', mtimeMs: 2000 });
    const third = new FileHasher(memo, fs);
    expect(third.hash('/a.c')).not.toBe(h);
    expect(fs.reads).toBe(2);
  });

  it('does not record a file modified within the last two seconds (racy)', () => {
    const fs = new FakeFs();
    const memo = new FakeMemo();
    fs.files.set('/a.c', { data: 'x', mtimeMs: fs.clock - 500 });
    const h = new FileHasher(memo, fs);
    h.hash('/a.c');
    h.flush();
    expect(memo.saved.size).toBe(0);
  });

  it('forgets a deleted file', () => {
    const fs = new FakeFs();
    const memo = new FakeMemo();
    fs.files.set('/a.c', { data: 'x', mtimeMs: 1 });
    const h = new FileHasher(memo, fs);
    h.hash('/a.c');
    h.flush();
    fs.files.delete('/a.c');
    const h2 = new FileHasher(memo, fs);
    expect(h2.hash('/a.c')).toBeUndefined();
    h2.flush();
    expect(memo.saved.size).toBe(0);
  });
});
