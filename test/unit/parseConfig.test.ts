import { describe, expect, it } from 'vitest';
import { parseConfig, HOST_TOOLCHAIN } from '../../config/parseConfig.js';

const parse = (v: unknown) => parseConfig(JSON.stringify(v), '/p');
const errors = (v: unknown): string[] => {
  const r = parse(v);
  return r.ok ? [] : r.errors.map((e) => `${e.jsonPath}: ${e.message}`);
};

describe('parseConfig', () => {
  it('reads defaults, targets and their own settings', () => {
    const r = parse({
      includeDirs: ['include'],
      defines: ['A=1'],
      cflags: ['-O2'],
      libs: ['m'],
      targets: { lib: { type: 'static-library', sources: ['lib/*.c'] }, app: { type: 'executable', sources: ['src/*.c', '!src/x.c'], deps: ['lib'], cflags: ['-g'] } },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.defaults).toEqual({ includeDirs: ['include'], defines: ['A=1'], cflags: ['-O2'], cxxflags: [], ldflags: [], libs: ['m'] });
    expect(r.value.targets.get('app')).toMatchObject({ type: 'executable', deps: ['lib'], cflags: ['-g'], sources: ['src/*.c', '!src/x.c'] });
    expect(r.value.toolchain).toEqual(HOST_TOOLCHAIN);
  });

  it('names the JSON path of every error at once', () => {
    expect(
      errors({
        cflags: '-O2',
        extra: 1,
        targets: { 'bad name': { type: 'exe', sources: [1], deps: ['ghost'], libz: [] } },
      }),
    ).toEqual([
      'extra: unknown field "extra" (expected one of: includeDirs, defines, cflags, cxxflags, ldflags, libs, targets, toolchain, nix, compileCommands)',
      'cflags: expected an array of strings, got string "-O2"',
      'targets["bad name"]: target name "bad name" may use only letters, digits and _ . + - (it becomes a file name)',
      'targets["bad name"].libz: unknown field "libz" (expected one of: includeDirs, defines, cflags, cxxflags, ldflags, libs, type, sources, deps, soname)',
      'targets["bad name"].type: "exe" is not one of executable, static-library, shared-library',
      'targets["bad name"].sources[0]: expected a string, got number 1',
      'targets["bad name"].deps[0]: unknown target "ghost"',
    ]);
  });

  it('rejects linking against an executable and cycles', () => {
    expect(errors({ targets: { a: { type: 'executable', sources: ['a.c'] }, b: { type: 'executable', sources: ['b.c'], deps: ['a'] } } })).toEqual([
      'targets.b.deps[0]: "a" is an executable; only libraries can be linked against',
    ]);
    expect(errors({ targets: { a: { type: 'static-library', sources: ['a.c'], deps: ['a'] } } })).toEqual(['targets.a.deps[0]: cycle between targets: a -> a']);
  });

  it('checks defines and libs', () => {
    expect(errors({ defines: ['1BAD'], libs: ['-lm'], targets: { a: { type: 'executable', sources: ['a.c'] } } })).toEqual([
      'defines[0]: "1BAD" is not NAME or NAME=VALUE',
      'libs[0]: "-lm" should be a library name such as "m" (linked as -lm)',
    ]);
  });

  it('accepts a soname only on a shared library, as a file name', () => {
    const cfg = (t: Record<string, unknown>): string[] => {
      const r = parseConfig(JSON.stringify({ targets: { z: { sources: ['*.c'], ...t } } }), '/p');
      return r.ok ? [`ok ${r.value.targets.get('z')?.soname ?? '-'}`] : r.errors.map((e) => `${e.jsonPath}: ${e.message}`);
    };
    expect(cfg({ type: 'shared-library', soname: 'libz.so.1' })).toEqual(['ok libz.so.1']);
    expect(cfg({ type: 'static-library', soname: 'libz.so.1' })).toEqual(['targets.z.soname: only a shared-library has a soname']);
    expect(cfg({ type: 'shared-library', soname: '../x' })).toEqual(['targets.z.soname: "../x" should be a file name such as libz.so.1']);
  });
});
