import { describe, expect, it } from 'vitest';
import { driverOf, isPreprocessed, languageOf } from '../../analyzers/language.js';
import type { Config } from '../../config/Config.js';
import { compileFlags, standardOf } from '../../config/compileFlags.js';
import { parseConfig } from '../../config/parseConfig.js';

describe('languageOf', () => {
  it('decides by extension as gcc does, case included', () => {
    const langs = ['a.c', 'a.cc', 'a.cpp', 'a.cxx', 'a.C', 'a.S', 'a.sx', 'a.s', 'a.h', 'Makefile', 'a.asm'].map((f) => `${f}=${languageOf(f) ?? '-'}`);
    expect(langs).toEqual(['a.c=c', 'a.cc=c++', 'a.cpp=c++', 'a.cxx=c++', 'a.C=c++', 'a.S=asm-cpp', 'a.sx=asm-cpp', 'a.s=asm', 'a.h=-', 'Makefile=-', 'a.asm=-']);
    expect((['c', 'c++', 'asm', 'asm-cpp'] as const).map((l) => `${driverOf(l)}/${isPreprocessed(l)}`)).toEqual(['c/true', 'c++/true', 'c/false', 'c/true']);
  });
});

describe('compileFlags and -std=', () => {
  const r = parseConfig(JSON.stringify({
    cflags: ['-O2', '-std=gnu11', '-Werror'],
    cxxflags: ['-std=c++17'],
    targets: { app: { type: 'executable', sources: ['*.c'], cflags: ['--std=c++20'] } },
  }), '/p');
  if (!r.ok) throw new Error('config');
  const config: Config = r.value;
  const app = config.targets.get('app');
  if (!app) throw new Error('app');

  it('gives each TU only the standards of its own language', () => {
    expect(compileFlags(config, app, 'c', 'a.c')).toEqual(['-O2', '-std=gnu11', '-Werror']);
    expect(compileFlags(config, app, 'c++', 'a.cc')).toEqual(['-O2', '-Werror', '--std=c++20', '-std=c++17']);
    expect(compileFlags(config, app, 'asm-cpp', 'a.S')).toEqual(['-O2', '-std=gnu11', '-Werror']);
  });

  it('reads the language of a standard', () => {
    expect(['-std=c99', '-std=gnu++14', '-std=iso9899:1999', '--std=c++2a', '-O2', '-stdlib=libc++'].map(standardOf)).toEqual(['c', 'c++', 'c', 'c++', undefined, undefined]);
  });
});
