/**
 * compileFlags: a TU's compile flags from its target, its compile database
 * entry and the target's `perSource` entries that match it.
 */
import { describe, expect, it } from 'vitest';
import { compileFlags, objectsOf } from '../../config/compileFlags.js';
import type { Config, TargetConfig } from '../../config/Config.js';
import { parseConfig } from '../../config/parseConfig.js';

function configOf(v: unknown, matches: Record<string, number[]>, db: Record<string, string[]> = {}): { config: Config; t: TargetConfig } {
  const r = parseConfig(JSON.stringify(v), '/p');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const config: Config = { ...r.value, perSourceMatches: new Map([['t', new Map(Object.entries(matches))]]), tuFlags: new Map(Object.entries(db)) };
  return { config, t: config.targets.get('t') as TargetConfig };
}

describe('compileFlags', () => {
  const v = {
    includeDirs: ['inc'],
    cflags: ['-O2'],
    targets: {
      t: {
        type: 'shared-library',
        sources: ['*.c', '*.cc'],
        defines: ['T'],
        cxxflags: ['-std=c++17'],
        perSource: [
          { sources: ['etc.c', 'x.cc'], includeDirs: ['etc'], defines: ['ETC="/etc/app"'], cflags: ['-g'], cxxflags: ['-fno-rtti'] },
          { sources: ['v.c'], flags: ['-Os', '-Ivendor'] },
          { sources: ['v.c'], defines: ['LATE'] },
        ],
      },
    },
  };
  const { config, t } = configOf(v, { 'etc.c': [0], 'x.cc': [0], 'v.c': [1, 2] }, { 'db.c': ['-DDB'] });

  it('is the target\'s flags for a TU no entry matches', () => {
    expect(compileFlags(config, t, 'c', 'a.c')).toEqual(['-Iinc', '-DT', '-O2', '-fPIC']);
  });

  it('adds an entry\'s -I, -D, cflags and (C++) cxxflags after the target\'s, each in its place', () => {
    expect(compileFlags(config, t, 'c', 'etc.c')).toEqual(['-Iinc', '-Ietc', '-DT', '-DETC="/etc/app"', '-O2', '-g', '-fPIC']);
    expect(compileFlags(config, t, 'c++', 'x.cc')).toEqual(['-Iinc', '-Ietc', '-DT', '-DETC="/etc/app"', '-O2', '-g', '-std=c++17', '-fno-rtti', '-fPIC']);
  });

  it('takes an entry\'s flags whole, with later entries added, and the database\'s entry where no flags entry matches', () => {
    expect(compileFlags(config, t, 'c', 'v.c')).toEqual(['-Os', '-Ivendor', '-DLATE', '-fPIC']);
    expect(compileFlags(config, t, 'c', 'db.c')).toEqual(['-DDB', '-fPIC']);
  });

  it('gives a variant object the TU\'s flags plus its entry\'s, or its entry\'s whole flags; the TU\'s own object ignores variants', () => {
    const w = configOf(
      {
        targets: {
          t: {
            type: 'static-library',
            sources: ['*.c'],
            defines: ['T'],
            perSource: [
              { sources: ['j.c'], defines: ['BITS=8'] },
              { sources: ['j.c'], variant: '12', defines: ['BITS=12'] },
              { sources: ['j.c'], variant: 'whole', flags: ['-O0', '-DBITS=16'] },
            ],
          },
        },
      },
      { 'j.c': [0, 1, 2] },
    );
    expect(objectsOf(w.config, w.t, ['a.c', 'j.c'])).toEqual([
      { tu: 'a.c', variant: undefined },
      { tu: 'j.c', variant: undefined },
      { tu: 'j.c', variant: '12' },
      { tu: 'j.c', variant: 'whole' },
    ]);
    expect(compileFlags(w.config, w.t, 'c', 'j.c')).toEqual(['-DT', '-DBITS=8']);
    expect(compileFlags(w.config, w.t, 'c', 'j.c', '12')).toEqual(['-DT', '-DBITS=8', '-DBITS=12']);
    expect(compileFlags(w.config, w.t, 'c', 'j.c', 'whole')).toEqual(['-O0', '-DBITS=16']);
  });
});
