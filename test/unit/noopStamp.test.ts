/**
 * The no-op stamp's file (engine/noopStamp): what is written is read back,
 * whatever the file names hold, and a stamp that is cut short, of another
 * format or out of date is not taken.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { makeNoopStamp, stampFile, stampKey, validNoopStamp, writeNoopStamp } from '../../engine/noopStamp.js';

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

function stamped(): string {
  for (const n of names) {
    fs.mkdirSync(path.dirname(path.join(dir, n)), { recursive: true });
    fs.writeFileSync(path.join(dir, n), `/* ${n} stamp test */\n`);
  }
  const key = stampKey(dir, ['app'], {});
  const stamp = makeNoopStamp(
    {
      root: dir,
      targets: ['app'],
      files: names.map((n) => path.join(dir, n)),
      dirs: [path.join(dir, 'sub'), path.join(dir, 'absent')],
      ownDirs: [],
      links: new Map(),
      report,
      startedMs: Date.now() + 60_000, // nothing counts as changed just before the build
    },
    {},
  );
  expect(stamp).toBeDefined();
  writeNoopStamp(state, stamp!);
  return key;
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
