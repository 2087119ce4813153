/**
 * The pure part of bench/builderAlternatives.ts: the synthetic TU, the
 * in-memory folder NAR (against narOfPath of the same files on disk), the
 * layouts' inputs and the store-growth model.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEADERS_PER_TU, layoutInputs, narOfTree, parseOptions, patchObject, storeGrowth, summarize, syntheticTu, tuFiles } from '../../bench/builderAlternatives.js';
import { narOfPath } from '../../store/nar.js';

describe('syntheticTu', () => {
  it('has 31 headers of about 1 KB, 28 shared between TUs of one salt', () => {
    const a = syntheticTu(1, 's', 's-1');
    const b = syntheticTu(2, 's', 's-2');
    expect(HEADERS_PER_TU).toBe(31);
    expect(tuFiles(a)).toHaveLength(32);
    for (const f of [...a.shared, ...a.own]) expect(f.contents.length).toBeGreaterThan(900);
    for (const f of [...a.shared, ...a.own]) expect(f.contents.length).toBeLessThanOrEqual(1024);
    expect(a.shared.map((f) => f.contents.toString())).toEqual(b.shared.map((f) => f.contents.toString()));
    expect(a.own[0]?.rel).toBe('include/m1/a.h');
    expect(a.tu.contents.toString()).toContain('#include "m1/c.h"');
  });
});

describe('narOfTree', () => {
  it('equals narOfPath of the same files written to disk', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-bench-nar-'));
    try {
      const files = tuFiles(syntheticTu(3, 'x', 'y'));
      for (const f of files) {
        fs.mkdirSync(path.join(dir, path.dirname(f.rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, f.rel), f.contents);
      }
      expect(narOfTree(files).equals(narOfPath(dir))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('layoutInputs', () => {
  const t = syntheticTu(0, 's', 'o');
  it('A1: one file per input, A2: one folder, A3: the TU and one folder per header folder', () => {
    expect(layoutInputs('A1', t).map((i) => i.files)).toEqual(new Array(32).fill(1));
    expect(layoutInputs('A2', t).map((i) => [i.at, i.files])).toEqual([['.', 32]]);
    expect(layoutInputs('A3', t).map((i) => [i.at, i.files])).toEqual([
      ['src/m0.c', 1],
      ['include/core', 14],
      ['include/util', 14],
      ['include/m0', 3],
    ]);
  });
});

describe('storeGrowth', () => {
  it('counts distinct paths per layout', () => {
    expect(storeGrowth('A1', 10).cold.paths).toBe(10 + 28 + 30);
    expect(storeGrowth('A2', 10).cold.files).toBe(320);
    const a3 = storeGrowth('A3', 10);
    expect(a3.cold.paths).toBe(10 + 2 + 10);
    expect(a3.editShared).toMatchObject({ paths: 1, files: 14 });
    expect(storeGrowth('A2', 10).editShared).toMatchObject({ paths: 10, files: 320 });
  });
});

describe('patchObject', () => {
  it('rewrites every occurrence of the marker with the index', () => {
    const t = Buffer.from('..nixmake_obj_0000000..nixmake_obj_0000000_data..');
    expect(patchObject(t, 'nixmake_obj_0000000', 42).toString()).toBe('..nixmake_obj_0000042..nixmake_obj_0000042_data..');
  });
});

describe('summarize and parseOptions', () => {
  it('gives median and mean', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ n: 4, median: 2.5, mean: 2.5, min: 1, max: 4 });
  });
  it('defaults to K=100, J=2 and refuses unknown flags', () => {
    expect(parseOptions([])).toMatchObject({ k: 100, j: 2, kBig: 30, ns: [100, 1000] });
    expect(parseOptions(['--k', '10', '--j', '1'])).toMatchObject({ k: 10, j: 1, kBig: 10 });
    expect(() => parseOptions(['--x', '1'])).toThrow(/unknown option/);
  });
});
