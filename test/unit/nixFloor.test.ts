/**
 * The nix-floor comparator's pure parts: a compile database entry → the
 * derivation's builder and arguments, the count of derivations Nix says it
 * builds, and the ratios and "n/a" cells of the report.
 */
import { describe, expect, it } from 'vitest';
import { floorNodes } from '../../bench/floorNodes.js';
import type { FloorOptions } from '../../bench/floorNodes.js';
import { markdownTable, ratios } from '../../bench/report.js';
import type { BenchResult, Cell } from '../../bench/report.js';
import { stats } from '../../bench/stats.js';
import { derivationsToBuild } from '../../bench/tools/NixFloorTool.js';

const ROOT = '/p';
const FILES = new Set(['/p/src/a.c', '/p/include', '/p/include/over', '/p/config.h', '/p/src', '/p/src/lua.c']);
const opts: FloorOptions = {
  root: ROOT,
  salt: 's1',
  exists: (p) => FILES.has(p),
  resolveCompiler: (cc) => (cc === '/bench/cc-count.sh' || cc === 'gcc' ? '/usr/bin/gcc' : cc),
};

describe('floorNodes', () => {
  it('maps a ninja compile to the compiler and project paths under @SRC@, without output or depfile flags', () => {
    const [n] = floorNodes(
      [{ directory: '/p', file: 'src/a.c', command: '/bench/cc-count.sh -Iinclude/over -I include -O2 -std=c11 \'-DNAME="x y"\' -MD -MF build/a.o.d -c src/a.c -o build/a.o' }],
      opts,
    );
    expect(n).toEqual({
      cc: '/usr/bin/gcc',
      file: 'src/a.c',
      args: ['-c', '-I@SRC@/include/over', '-I', '@SRC@/include', '-O2', '-std=c11', '-DNAME="x y"', '@SRC@/src/a.c', '-DNIX_FLOOR_SALT=s1'],
    });
  });

  it('reads paths relative to the entry directory and keeps paths outside the project or missing as written', () => {
    const [n] = floorNodes(
      [{ directory: '/p/src', file: 'lua.c', arguments: ['gcc', '-std=gnu99', '-I/usr/include/x', '-Imissing', '-include', '../config.h', '-MT', 'lua.o', '-MMD', '-MP', '-c', '-olua.o', 'lua.c'] }],
      opts,
    );
    expect(n?.file).toBe('src/lua.c');
    expect(n?.args).toEqual(['-c', '-std=gnu99', '-I/usr/include/x', '-Imissing', '-include', '@SRC@/config.h', '@SRC@/src/lua.c', '-DNIX_FLOOR_SALT=s1']);
  });

  it('refuses an empty database, a link, and a compile run outside the project', () => {
    expect(() => floorNodes([], opts)).toThrow(/no entries/);
    expect(() => floorNodes([{ directory: '/p', arguments: ['gcc', '-o', 'app', 'a.o'] }], opts)).toThrow(/not a compile/);
    expect(() => floorNodes([{ directory: '/elsewhere', arguments: ['gcc', '-c', 'a.c'] }], opts)).toThrow(/outside the project/);
  });
});

describe('derivationsToBuild', () => {
  it('reads the count nix-store --realise announces', () => {
    expect(derivationsToBuild('these 300 derivations will be built:\n  /nix/store/…\nbuilding …')).toBe(300);
    expect(derivationsToBuild('this derivation will be built:\n  /nix/store/…')).toBe(1);
    expect(derivationsToBuild('')).toBe(0);
  });
});

describe('report with nix-floor', () => {
  const cell = (s: number): Cell => ({ seconds: [s], stats: stats([s]), compiles: [300], links: [0], wrong: 0 });
  const base: BenchResult = {
    command: 'npm run bench',
    date: '2026-11-29T00:00:00Z',
    machine: {},
    project: { name: 'synthetic flat N=300' },
    reps: 1,
    tools: ['nixmake', 'nix-floor', 'ninja', 'make'],
    scenarios: [
      { name: 'clean', description: '' },
      { name: 'noop', description: '' },
    ],
    cells: { clean: { nixmake: cell(20), 'nix-floor': cell(8), ninja: cell(4), make: cell(5) }, noop: { nixmake: cell(0.5), ninja: cell(0.01), make: cell(0.1) } },
    notApplicable: { noop: ['nix-floor'] },
  };

  it('gives nixmake ÷ nix-floor on the clean row and nothing where the floor does not apply', () => {
    const r = ratios(base);
    expect(r['clean']?.['nixmake ÷ nix-floor']).toBe(2.5);
    expect(r['clean']?.['nix-floor ÷ ninja']).toBe(2);
    expect(r['noop']?.['nixmake ÷ nix-floor']).toBeNull();
    expect(Object.keys(r['clean'] ?? {})).not.toContain('nixmake ÷ nix-monolithic');
  });

  it('prints the four tools side by side, n/a for the floor outside clean', () => {
    const md = markdownTable({ ...base, ratios: ratios(base) });
    expect(md).toContain('| scenario | nixmake s | nix-floor s | ninja s | make s | nixmake ÷ nix-floor | nixmake ÷ ninja | nixmake ÷ make | nix-floor ÷ ninja | compiles+links |');
    expect(md).toMatch(/\| clean \| 20\.0 .* \| 2\.50 \| 5\.00 \| 4\.00 \| 2\.00 \|/);
    expect(md).toMatch(/\| noop \| 0\.500 \(0\.500–0\.500\) \| n\/a \|/);
  });
});
