/**
 * core/writeAtomically: the new content replaces the old, and a write that
 * fails throws and leaves no temporary file behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { writeAtomically } from '../../core/writeAtomically.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-atomic-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('replaces the content, and leaves only the file', () => {
  const file = path.join(dir, 'f.json');
  writeAtomically(file, 'one');
  writeAtomically(file, new Uint8Array([116, 119, 111]));
  expect(fs.readFileSync(file, 'utf8')).toBe('two');
  expect(fs.readdirSync(dir)).toEqual(['f.json']);
});

test('a write that cannot be renamed into place throws and removes its temporary file', () => {
  const file = path.join(dir, 'taken');
  fs.mkdirSync(path.join(file, 'inside'), { recursive: true });
  expect(() => writeAtomically(file, 'x')).toThrow();
  expect(fs.readdirSync(dir)).toEqual(['taken']);
});
