/**
 * bin/loadBundle.js: a bundle run through V8's code cache behaves as
 * require() would, the cache is written once (and once more after the
 * first build), and a cache made from another build of the bundle is never
 * used, even one of the same length (the only thing V8 itself checks).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const { loadBundle } = require('../../bin/loadBundle.js') as {
  loadBundle(file: string): { exports: Record<string, unknown>; save(kind: string): void };
};

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-bundle-'));
  file = path.join(dir, 'b.cjs');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (body: string, mtime: number): void => {
  fs.writeFileSync(file, body);
  fs.utimesSync(file, mtime, mtime);
};

test('runs the bundle as CommonJS: exports, require, __dirname', () => {
  write(`const p = require('node:path'); exports.where = () => p.basename(__dirname); exports.self = __filename;`, 1_700_000_000);
  const { exports } = loadBundle(file);
  expect((exports['where'] as () => string)()).toBe(path.basename(dir));
  expect(exports['self']).toBe(file);
});

test('the cache is written after a run that had none, replaced once after a build, then left alone', () => {
  write(`exports.answer = () => 41 + 1;`, 1_700_000_000);
  const cache = `${file}.cache`;
  loadBundle(file).save('other');
  expect(fs.existsSync(cache)).toBe(true);
  const first = fs.statSync(cache).mtimeMs;
  fs.utimesSync(cache, 1_600_000_000, 1_600_000_000);
  loadBundle(file).save('other');
  expect(fs.statSync(cache).mtimeMs).toBe(1_600_000_000_000);
  loadBundle(file).save('build');
  expect(fs.statSync(cache).mtimeMs).not.toBe(1_600_000_000_000);
  fs.utimesSync(cache, 1_600_000_000, 1_600_000_000);
  const again = loadBundle(file);
  expect((again.exports['answer'] as () => number)()).toBe(42);
  again.save('build');
  expect(fs.statSync(cache).mtimeMs).toBe(1_600_000_000_000);
  expect(first).toBeGreaterThan(0);
});

test('a bundle rebuilt with the same length never runs the old code from the cache', () => {
  write(`exports.answer = () => 'old';`, 1_700_000_000);
  const before = loadBundle(file);
  expect((before.exports['answer'] as () => string)()).toBe('old');
  before.save('build');
  write(`exports.answer = () => 'new';`, 1_700_000_001);
  expect(fs.statSync(file).size).toBe(`exports.answer = () => 'old';`.length);
  expect((loadBundle(file).exports['answer'] as () => string)()).toBe('new');
});

test('a cache file that is garbage is ignored and replaced', () => {
  write(`exports.answer = () => 7;`, 1_700_000_000);
  fs.writeFileSync(`${file}.cache`, 'not a cache');
  const run = loadBundle(file);
  expect((run.exports['answer'] as () => number)()).toBe(7);
  run.save('other');
  expect(fs.readFileSync(`${file}.cache`).subarray(4, 22).toString()).toBe('nixmake-v8-cache 1');
});
