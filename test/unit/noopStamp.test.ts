/**
 * The no-op stamp's file (engine/noopStamp): what is written is read back,
 * whatever the file names hold, and a stamp that is cut short, of another
 * format or out of date is not taken.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { Fingerprint } from '../../cache/hashes.js';
import { closureTable, readBaseline, writeBaseline } from '../../engine/Baseline.js';
import { changesSinceStamp, makeNoopStamp, rootRecord, stampFile, stampKey, validNoopStamp, writeNoopStamp } from '../../engine/noopStamp.js';

let dir: string;
let state: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-stamp-'));
  state = path.join(dir, '.nixmake');
  fs.mkdirSync(state);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const names = ['a.c', 'new\nline.h', 'ünï cödé.h', 'sub/b.c', 'sub/deeper/c.h'];
const report = { tus: 2, files: 5, upToDate: 3 };

/** The stamp of a build that depended on `names`, sub/ and absent/ (`more`: other inputs). */
function stampOf(more: Partial<Parameters<typeof makeNoopStamp>[0]> = {}): ReturnType<typeof makeNoopStamp> {
  return makeNoopStamp(
    {
      root: dir,
      targets: ['app'],
      files: names.map((n) => path.join(dir, n)),
      dirs: [path.join(dir, 'sub'), path.join(dir, 'absent')],
      ownDirs: [],
      links: new Map(),
      report,
      startedMs: Date.now() + 60_000, // nothing counts as changed just before the build
      nonce: 'n1',
      ...more,
    },
    {},
  );
}

function stamped(): string {
  for (const n of names) {
    fs.mkdirSync(path.dirname(path.join(dir, n)), { recursive: true });
    fs.writeFileSync(path.join(dir, n), `/* ${n} stamp test */\n`);
  }
  const stamp = stampOf();
  expect(stamp).toBeDefined();
  writeNoopStamp(state, stamp!);
  return stampKey(dir, ['app'], {});
}

test('a stamp is read back with its report, odd names included', () => {
  const key = stamped();
  expect(validNoopStamp(state, key)).toEqual({ report });
  expect(validNoopStamp(state, stampKey(dir, ['other'], {}))).toBeUndefined();
});

test('a changed file, a file gone, or a folder that appears makes it stale', () => {
  const key = stamped();
  fs.appendFileSync(path.join(dir, 'new\nline.h'), 'x');
  expect(validNoopStamp(state, key)).toBeUndefined();
  stamped();
  fs.rmSync(path.join(dir, 'sub/deeper/c.h'));
  expect(validNoopStamp(state, key)).toBeUndefined();
  stamped();
  fs.mkdirSync(path.join(dir, 'absent'));
  expect(validNoopStamp(state, key)).toBeUndefined();
});

test('a stamp cut short, or a file of another format, is not taken (and does not throw)', () => {
  const key = stamped();
  const bytes = fs.readFileSync(stampFile(state));
  for (const cut of [0, 8, 20, bytes.length - 3]) {
    fs.writeFileSync(stampFile(state), bytes.subarray(0, cut));
    expect(validNoopStamp(state, key)).toBeUndefined();
  }
  fs.writeFileSync(stampFile(state), JSON.stringify({ version: 3, key }));
  expect(validNoopStamp(state, key)).toBeUndefined();
});

test('the baseline: unchanged files, digests, and store paths only while the GC roots folder is unchanged', () => {
  const key = stamped();
  writeBaseline(state, {
    nonce: 'n1',
    digests: { 'obj:app:a.c': 'd1' },
    nodes: { 'obj:app:a.c': ['f1', '/nix/store/x.drv', '/nix/store/x-out', 'dh', 'nh'] },
    context: 'ctx',
    settingsFiles: [path.join(dir, 'a.c')],
  });
  // The stamp above names no roots folder: sub/ stands for it.
  let b = readBaseline(dir, ['app'], state, path.join(dir, 'sub'), {});
  expect(b).toBeDefined();
  expect(names.some((n) => b!.changedRel(n))).toBe(false);
  expect(b!.changedAbs(path.join(dir, 'a.c'))).toBe(false);
  expect(b!.digestOf('obj:app:a.c')).toBe('d1');
  expect(b!.digestOf('obj:app:b.c')).toBeUndefined();
  expect(b!.kept('/nix/store/x-out')).toBe(true);
  expect(b!.kept('/nix/store/y-out')).toBe(false);
  expect(b!.objectFingerprint('obj:app:a.c', 'd1', 'ctx')).toBe('f1');
  expect(b!.objectFingerprint('obj:app:a.c', 'd2', 'ctx')).toBeUndefined();
  expect(b!.objectFingerprint('obj:app:a.c', 'd1', 'another toolchain')).toBeUndefined();
  expect(b!.upToDate('obj:app:a.c', 'f1' as Fingerprint)).toEqual({ drv: '/nix/store/x.drv', out: '/nix/store/x-out', drvHash: 'dh', narHash: 'nh' });
  expect(b!.upToDate('obj:app:a.c', 'f2' as Fingerprint)).toBeUndefined();
  // Pruning to a graph that keeps every node the stamped build kept would remove nothing; to one without a.c's, it would.
  expect(b!.prunedWithin(new Set(['obj:app:a.c', 'link:app']))).toBe(true);
  expect(b!.prunedWithin(new Set(['link:app']))).toBe(false);
  // A file rewritten with its old mtime and size: its ctime says it changed.
  const f = path.join(dir, 'ünï cödé.h');
  const st = fs.statSync(f);
  fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('stamp', 'STAMP'));
  fs.utimesSync(f, st.atime, st.mtime);
  // The "roots" folder changes: no store path is vouched for any more.
  fs.writeFileSync(path.join(dir, 'sub/new-root'), '');
  b = readBaseline(dir, ['app'], state, path.join(dir, 'sub'), {});
  expect(b!.changedRel('ünï cödé.h')).toBe(true);
  expect(b!.changedAbs(path.join(dir, 'ünï cödé.h'))).toBe(true);
  expect(b!.changedRel('a.c')).toBe(false);
  expect(b!.kept('/nix/store/x-out')).toBe(false);
  expect(b!.upToDate('obj:app:a.c', 'f1' as Fingerprint)).toBeUndefined();
  expect(b!.prunedWithin(new Set(['obj:app:a.c']))).toBe(false);
  // A settings file changes: no fingerprint is taken from the baseline.
  fs.appendFileSync(path.join(dir, 'a.c'), ' ');
  b = readBaseline(dir, ['app'], state, path.join(dir, 'sub'), {});
  expect(b!.objectFingerprint('obj:app:a.c', 'd1', 'ctx')).toBeUndefined();
  // Another stamp's baseline, or another selection: none.
  const empty = { digests: {}, nodes: {}, context: '', settingsFiles: [] };
  writeBaseline(state, { nonce: 'n2', ...empty });
  expect(readBaseline(dir, ['app'], state, path.join(dir, 'sub'), {})).toBeUndefined();
  writeBaseline(state, { nonce: 'n1', ...empty });
  expect(readBaseline(dir, ['other'], state, path.join(dir, 'sub'), {})).toBeUndefined();
  expect(key).toBe(stampKey(dir, ['app'], {}));
});

test('the next stamp takes the stats of files and folders found as recorded, and stats the rest', () => {
  stamped();
  fs.appendFileSync(path.join(dir, 'sub/b.c'), '// edited\n');
  const changes = changesSinceStamp(state, stampKey(dir, ['app'], {}));
  expect(changes).toBeDefined();
  const a = path.join(dir, 'a.c');
  const st = fs.statSync(a);
  expect(changes!.unchangedFile(a)).toEqual([st.mtimeMs, st.ctimeMs, st.size, st.ino]);
  expect(changes!.unchangedFile(path.join(dir, 'sub/b.c'))).toBeUndefined();
  expect(changes!.unchangedFile(path.join(dir, 'not recorded.c'))).toBeUndefined();
  expect(changes!.unchangedDir(path.join(dir, 'absent'))).toBe(-1);
  // a.c is rewritten during the build: the stamp keeps its stat from before, so the next build sees the change.
  fs.writeFileSync(a, '/* rewritten during the build, longer than before */\n');
  const next = stampOf({ nonce: 'n2', known: changes });
  expect(next).toBeDefined();
  writeNoopStamp(state, next!);
  const again = changesSinceStamp(state, stampKey(dir, ['app'], {}));
  expect([...again!.changed]).toEqual([a]);
});

test('what the fast path found after an edit is handed to the full path once, for the same stamp only', () => {
  const key = stampKey(dir, ['app'], {});
  stamped();
  fs.appendFileSync(path.join(dir, 'a.c'), '// edited\n');
  expect(validNoopStamp(state, key)).toBeUndefined();
  // Changed after the fast path looked: the handed-over result is what it found then.
  fs.appendFileSync(path.join(dir, 'sub/b.c'), '// edited later\n');
  expect(changesSinceStamp(state, stampKey(dir, ['other'], {}))).toBeUndefined();
  expect(validNoopStamp(state, key)).toBeUndefined();
  const handed = changesSinceStamp(state, key);
  expect([...handed!.changed].sort()).toEqual([path.join(dir, 'a.c'), path.join(dir, 'sub/b.c')]);
  stamped();
  fs.appendFileSync(path.join(dir, 'a.c'), '// edited\n');
  expect(validNoopStamp(state, key)).toBeUndefined();
  fs.appendFileSync(path.join(dir, 'sub/b.c'), '// edited later\n');
  expect([...changesSinceStamp(state, key)!.changed]).toEqual([path.join(dir, 'a.c')]);
  // Taken once: the next call stats again.
  expect([...changesSinceStamp(state, key)!.changed].sort()).toEqual([path.join(dir, 'a.c'), path.join(dir, 'sub/b.c')]);
});

test('the baseline keeps closures: one is vouched whole while none of its files or folders changed, and the next table extends this one', () => {
  stamped();
  const tu = 'a.c';
  const closure = { tu, headers: ['new\nline.h', 'sub/deeper/c.h'], system: [path.join(dir, 'ünï cödé.h')], notes: [], unresolvedComputed: false, probedDirs: [path.join(dir, 'sub')] };
  const other = { ...closure, tu: 'sub/b.c', headers: ['sub/deeper/c.h'] };
  const note = { kind: 'missing-conditional' as const, file: 'a.c', line: 1, column: 1, message: 'x.h: not found (inside a conditional; ignored)' };
  const noted = { ...closure, tu: 'a.c', notes: [note, note] };
  const unresolved = { ...closure, tu: 'a.c', unresolvedComputed: true };
  const closures = closureTable(
    new Map([
      ['obj:app:a.c', closure],
      ['obj:app:b.c', other],
      ['obj:app:x.c', noted],
      ['obj:app:u.c', unresolved],
    ]),
    new Map([
      ['obj:app:a.c', 'K'],
      ['obj:app:b.c', 'K'],
      ['obj:app:x.c', 'K'],
      ['obj:app:u.c', 'K'],
    ]),
    undefined,
  );
  // One with an unresolved computed include depends on every header: left to a walk.
  expect(Object.keys(closures.objects).sort()).toEqual(['obj:app:a.c', 'obj:app:b.c', 'obj:app:x.c']);
  expect(closures.systems).toHaveLength(1);
  expect(closures.notes).toEqual([note]);
  writeBaseline(state, { nonce: 'n1', digests: { 'obj:app:a.c': 'd1', 'obj:app:b.c': 'd2', 'obj:app:x.c': 'd3' }, nodes: {}, context: 'ctx', settingsFiles: [], closures });
  const roots = path.join(dir, 'roots');
  fs.mkdirSync(roots);
  let b = readBaseline(dir, ['app'], state, roots, {})!;
  const v = b.closureOf('obj:app:a.c', 'K');
  expect(v?.closure).toEqual(closure);
  expect(v?.digest).toBe('d1');
  expect(v?.files).toEqual([path.join(dir, 'a.c'), path.join(dir, 'new\nline.h'), path.join(dir, 'sub/deeper/c.h'), path.join(dir, 'ünï cödé.h')]);
  expect(b.closureOf('obj:app:a.c', 'other flags')).toBeUndefined();
  // Its notes come with it.
  expect(b.closureOf('obj:app:x.c', 'K')?.closure).toEqual(noted);
  // The next table keeps a vouched closure's entry and adds a new one's paths at the end.
  const fresh = { ...closure, tu: 'sub/b.c', headers: ['new\nline.h', 'brand/new.h'] };
  const next = closureTable(
    new Map([
      ['obj:app:a.c', v!.closure],
      ['obj:app:b.c', fresh],
      ['obj:app:x.c', b.closureOf('obj:app:x.c', 'K')!.closure],
    ]),
    new Map([
      ['obj:app:a.c', 'K'],
      ['obj:app:b.c', 'K'],
      ['obj:app:x.c', 'K'],
    ]),
    b,
  );
  expect(next.objects['obj:app:a.c']).toEqual(closures.objects['obj:app:a.c']);
  expect(next.objectNotes?.['obj:app:x.c']).toEqual([0, 0]);
  expect(next.notes).toEqual([note]);
  expect(next.paths.slice(0, closures.paths.length)).toEqual(closures.paths);
  expect(next.paths.at(-1)).toBe('brand/new.h');
  // A header changed, or a probed folder: not vouched (the memo's closure is checked as before).
  fs.appendFileSync(path.join(dir, 'sub/deeper/c.h'), '// edited\n');
  b = readBaseline(dir, ['app'], state, roots, {})!;
  expect(b.closureOf('obj:app:a.c', 'K')).toBeUndefined();
  stamped();
  writeBaseline(state, { nonce: 'n1', digests: { 'obj:app:a.c': 'd1' }, nodes: {}, context: 'ctx', settingsFiles: [], closures });
  expect(readBaseline(dir, ['app'], state, roots, {})!.closureOf('obj:app:a.c', 'K')).toBeDefined();
  fs.writeFileSync(path.join(dir, 'sub/shadow.h'), '');
  expect(readBaseline(dir, ['app'], state, roots, {})!.closureOf('obj:app:a.c', 'K')).toBeUndefined();
  // A table that does not fit (not written by nixmake) vouches for nothing, and does not throw.
  stamped();
  writeBaseline(state, { nonce: 'n1', digests: { 'obj:app:a.c': 'd1' }, nodes: {}, context: 'ctx', settingsFiles: [], closures: { ...closures, objects: { 'obj:app:a.c': [0, 999, 0, 5] } } });
  expect(readBaseline(dir, ['app'], state, roots, {})!.closureOf('obj:app:a.c', 'K')).toBeUndefined();
});

test('a baseline whose tables or entries are not as nixmake writes them vouches for nothing, and nothing throws', () => {
  const closures = { paths: ['a.c', 'h.h', '/sys/s.h'], keys: ['K'], systems: [[2]], objects: { 'obj:app:a.c': [0, 0, 0, 1, 1] } };
  const base = { nonce: 'n1', digests: { 'obj:app:a.c': 'd1' }, nodes: { 'obj:app:a.c': ['f1', '/nix/store/x.drv', '/nix/store/x', 'dh', 'nh'] as [string, string, string, string, string] }, context: 'ctx', settingsFiles: [] };
  const roots = path.join(dir, 'roots');
  fs.mkdirSync(roots);
  const entries: unknown[] = [null, 'x', [0, 0, 0, -1], [0, 0, 0, 1.5, 1], [0, 0.5, 0, 1, 1], [0, true, 0, 1, 1], [0, 0, 7, 1, 1], [0, 0, 0, 3, 1]];
  for (const e of entries) {
    stamped();
    writeBaseline(state, { ...base, closures: { ...closures, objects: { 'obj:app:a.c': e as number[] } } });
    const b = readBaseline(dir, ['app'], state, roots, {});
    expect(b).toBeDefined();
    expect(b!.closureOf('obj:app:a.c', 'K')).toBeUndefined();
    // The next baseline can still be made from it.
    expect(() => closureTable(new Map(), new Map(), b)).not.toThrow();
  }
  for (const t of [{ ...closures, systems: [[2], null] }, { ...closures, systems: [[9]] }, { ...closures, paths: [1, 2] }, { ...closures, objects: null }]) {
    stamped();
    writeBaseline(state, { ...base, closures: t as unknown as typeof closures });
    const b = readBaseline(dir, ['app'], state, roots, {});
    expect(b!.closureOf('obj:app:a.c', 'K')).toBeUndefined();
    expect(() => closureTable(new Map([['obj:app:b.c', { tu: 'b.c', headers: [], system: [], notes: [], unresolvedComputed: false, probedDirs: [] }]]), new Map([['obj:app:b.c', 'K']]), b)).not.toThrow();
  }
  // Node entries that are not five strings are not taken; digests or nodes that are not objects mean no baseline.
  stamped();
  writeBaseline(state, { ...base, nodes: { 'obj:app:a.c': 'abcde' as unknown as [string, string, string, string, string] } });
  const b = readBaseline(dir, ['app'], state, roots, {});
  expect(b!.objectFingerprint('obj:app:a.c', 'd1', 'ctx')).toBeUndefined();
  expect(b!.upToDate('obj:app:a.c', 'a' as Fingerprint)).toBeUndefined();
  stamped();
  writeBaseline(state, { ...base, nodes: null as unknown as typeof base.nodes });
  expect(readBaseline(dir, ['app'], state, roots, {})).toBeUndefined();
});

test('a stamp whose head is not as nixmake writes it is not taken, and does not throw', () => {
  const key = stamped();
  const bytes = fs.readFileSync(stampFile(state));
  const jsonLength = bytes.readUInt32LE(8);
  const head = JSON.parse(bytes.toString('utf8', 24, 24 + jsonLength)) as Record<string, unknown>;
  let tried = 0;
  for (const bad of [{ folders: null }, { folders: [[1, 2]] }, { dirs: [['x', 'y']] }, { links: 5 }, { report: null }, { key: 3 }]) {
    // The same length, so only the shape differs (JSON allows the trailing spaces).
    const json = Buffer.from(JSON.stringify({ ...head, ...bad }).padEnd(jsonLength, ' '));
    expect(json.length).toBe(jsonLength);
    tried++;
    const copy = Buffer.from(bytes);
    json.copy(copy, 24);
    fs.writeFileSync(stampFile(state), copy);
    expect(validNoopStamp(state, key)).toBeUndefined();
    expect(changesSinceStamp(state, key)).toBeUndefined();
  }
  expect(tried).toBe(6);
});

test('settings files and the roots folder are looked at again when the baseline is read: a change after the check counts', () => {
  const key = stampKey(dir, ['app'], {});
  stamped();
  const settings = path.join(dir, 'ünï cödé.h'); // stands for nixmake.json
  writeBaseline(state, { nonce: 'n1', digests: { 'obj:app:a.c': 'd1' }, nodes: { 'obj:app:a.c': ['f1', '/nix/store/x.drv', '/nix/store/x', 'dh', 'nh'] }, context: 'ctx', settingsFiles: [settings] });
  fs.appendFileSync(path.join(dir, 'a.c'), '// the edit\n');
  expect(validNoopStamp(state, key)).toBeUndefined(); // the fast path's check, handed over
  fs.appendFileSync(settings, '// changed after the check\n');
  fs.writeFileSync(path.join(dir, 'sub', 'new-root'), '');
  const b = readBaseline(dir, ['app'], state, path.join(dir, 'sub'), {})!;
  expect(b.objectFingerprint('obj:app:a.c', 'd1', 'ctx')).toBeUndefined();
  expect(b.changedAbs(settings)).toBe(true);
  expect(b.rootsKept).toBe(false);
  expect(b.checkedStat(settings)).toBeUndefined();
  expect(b.checkedStat(path.join(dir, 'sub/b.c'))).toBeDefined();
});

test('the root is recorded with its listing: a result link pointed after the record does not make the stamp stale, another name does', () => {
  fs.writeFileSync(path.join(dir, 'a.c'), 'int a;\n');
  const old = new Date(Date.now() - 10_000);
  fs.utimesSync(dir, old, old);
  const make = (startedMs: number) =>
    makeNoopStamp(
      { root: dir, targets: ['app'], files: [path.join(dir, 'a.c')], dirs: [dir], ownDirs: [], links: new Map(), report, startedMs, nonce: 'n1', rootBefore: rootRecord(dir, startedMs) },
      {},
    );
  const key = stampKey(dir, ['app'], {});
  writeNoopStamp(state, make(Date.now() + 60_000)!);
  expect(validNoopStamp(state, key)).toEqual({ report });
  // nixmake's own result link, pointed after the record: the root's mtime moves, its listing (without result links) does not.
  fs.symlinkSync('/nix/store/00000000000000000000000000000000-app', path.join(dir, 'result-app'));
  expect(fs.statSync(dir).mtimeMs).not.toBe(old.getTime());
  expect(validNoopStamp(state, key)).toEqual({ report });
  expect(changesSinceStamp(state, key)!.changedDirs.size).toBe(0);
  // Any other name counts: a file, or a symlink that is not a result link.
  fs.writeFileSync(path.join(dir, 'config.h'), '');
  expect(validNoopStamp(state, key)).toBeUndefined();
  fs.rmSync(path.join(dir, 'config.h'));
  expect(validNoopStamp(state, key)).toEqual({ report });
  fs.symlinkSync('a.c', path.join(dir, 'b.h'));
  expect(validNoopStamp(state, key)).toBeUndefined();
  fs.rmSync(path.join(dir, 'b.h'));
  // A root that changed just before the build (or during it) is recorded as changed: no listing is trusted then.
  writeNoopStamp(state, make(Date.now())!);
  expect(validNoopStamp(state, key)).toBeUndefined();
});
