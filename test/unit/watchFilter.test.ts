/**
 * watchFilter: what `nixmake watch` ignores and what starts a build.
 */
import { describe, expect, it } from 'vitest';
import { isIgnoredPath, triggersBuild } from '../../engine/watchFilter.js';

const named = new Set(['nixmake.json', 'build/compile_commands.json']);

describe('watchFilter', () => {
  it('ignores nixmake state, result links, VCS folders and editor temp files', () => {
    for (const p of [
      '.nixmake',
      '.nixmake/memo.sqlite',
      'result-hello',
      'result-hello/bin/hello',
      '.git/index',
      'sub/.git/HEAD',
      'src/.main.c.swp',
      'src/.main.c.swx',
      'src/main.c~',
      'src/4913',
      'src/.#main.c',
      'src/#main.c#',
      'src/main.c___jb_tmp___',
      'src/sedAb12Cd',
    ]) {
      expect(isIgnoredPath(p), p).toBe(true);
      expect(triggersBuild(p, named), p).toBe(false);
    }
    expect(isIgnoredPath('src/result-x.c')).toBe(false);
    expect(isIgnoredPath('src/main.c')).toBe(false);
  });

  it('builds for sources, headers, extensionless files, folders and the files the config names', () => {
    for (const p of ['src/main.c', 'a/b.cpp', 'x.cc', 'include/x.h', 'include/x.hpp', 'tbl.inc', 'x.def', 't.inl', 'include/vector', 'src/', 'nixmake.json', 'build/compile_commands.json']) {
      expect(triggersBuild(p, named), p).toBe(true);
    }
  });

  it('does not build for other files', () => {
    for (const p of ['README.md', 'out.txt', 'compile_commands.json', 'src/nixmake.json', '.clang-format', 'src/.hidden', 'notes.json', 'main.c.tmp1234']) {
      expect(triggersBuild(p, named), p).toBe(false);
    }
  });
});
