/**
 * Languages through the daemon: C, C++ (with a template in a header that
 * has no extension), assembly through the preprocessor (`.S`) and as is
 * (`.s`) in one target, linked with the C++ driver; `-std=` for each
 * language; the analyzer's C++ closure against `g++ -MM`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, nixmake, run, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);
const unique = `/* ${process.pid}-${Date.now()} */\n`;

const tree = {
  'nixmake.json': JSON.stringify({
    includeDirs: ['include'],
    cflags: ['-std=c11', '-Wall', '-Werror'],
    cxxflags: ['-std=c++17'],
    targets: {
      asmlib: { type: 'static-library', sources: ['asm/*.S', 'asm/*.s'] },
      app: { type: 'executable', sources: ['src/*.c', 'src/*.cc'], deps: ['asmlib'] },
    },
  }),
  // A template in a header without an extension, found through -I like <vector>.
  'include/util/Sum': `${unique}#pragma once\n#include <numeric>\n#include <vector>\ntemplate <class T> T sum(const std::vector<T> &v) { return std::accumulate(v.begin(), v.end(), T{}); }\n`,
  'include/asm_consts.h': '#define ANSWER 40\n',
  'asm/answer.S': `#include "asm_consts.h"\n  .text\n  .globl asm_answer\nasm_answer:\n#if defined(__x86_64__)\n  mov $ANSWER, %eax\n#else\n#error "x86_64 only"\n#endif\n  ret\n  .section .note.GNU-stack,"",@progbits\n`,
  // No preprocessor: the `#` lines are comments for the assembler, never includes.
  'asm/one.s': '# include "not_a_header.h"\n  .text\n  .globl asm_one\nasm_one:\n  mov $1, %eax\n  ret\n  .section .note.GNU-stack,"",@progbits\n',
  'src/sum.cc': '#include <util/Sum>\n#include <string>\nextern "C" int cxx_sum(void) { std::vector<int> v{1, 2, 3}; return sum(v) + (int)std::string("x").size() - 6; }\n',
  // C11 (_Static_assert with a message) compiles; the C++ TU gets -std=c++17 without -std=c11 (with -Werror, g++ refuses a C standard).
  'src/main.c': '#include <stdio.h>\n_Static_assert(sizeof(int) >= 4, "int");\nint asm_answer(void);\nint asm_one(void);\nint cxx_sum(void);\nint main(void) { printf("%d\\n", asm_answer() + asm_one() + cxx_sum()); return 0; }\n',
};

describe('languages', () => {
  it('a target of C, C++, .S and .s objects builds, links with g++ and runs; edits rebuild only their objects', () => {
    const dir = project(tree);
    const r = build(dir, '--explain');
    expect(r.events.filter((e) => e['event'] === 'diagnostic')).toEqual([]);
    expect(r.counts).toMatchObject({ objects_built: 4, links_built: 2, failed: 0 });
    const bin = path.join(dir, 'result-app/bin/app');
    expect(run(bin, []).stdout).toBe('42\n');
    // Linked by the C++ driver: libstdc++ is needed, and found.
    expect(run('readelf', ['-d', bin]).stdout).toContain('libstdc++.so');

    fs.writeFileSync(path.join(dir, 'include/asm_consts.h'), '#define ANSWER 50\n');
    const asmEdit = build(dir, '--explain');
    expect(asmEdit.events.filter((e) => e['event'] === 'node-planned').map((e) => `${e['label']}: ${e['reason']}`)).toEqual([
      'asm/answer.S: header-changed: include/asm_consts.h',
      'asmlib: dependency-changed',
      'app: dependency-changed',
    ]);
    expect(run(bin, []).stdout).toBe('52\n');

    fs.writeFileSync(path.join(dir, 'include/util/Sum'), `${unique}#pragma once\n#include <numeric>\n#include <vector>\ntemplate <class T> T sum(const std::vector<T> &v) { return std::accumulate(v.begin(), v.end(), T{}) * 2; }\n`);
    const cxxEdit = build(dir, '--explain');
    expect(cxxEdit.events.filter((e) => e['event'] === 'node-planned').map((e) => `${e['label']}: ${e['reason']}`)).toEqual([
      'src/sum.cc: header-changed: include/util/Sum',
      'app: dependency-changed',
    ]);
    expect(run(bin, []).stdout).toBe('58\n');
  });

  it('the C++ closure equals g++ -MM for project headers and lists the extensionless system headers; .s has none', () => {
    const dir = project(tree);
    const lines = nixmake(['deps', '--json', '-C', dir]).stdout.trim().split('\n').map((l) => JSON.parse(l) as { tu: string; headers: string[]; system: string[] });
    const byTu = new Map(lines.map((l) => [l.tu, l]));
    const mm = run('g++', ['-std=c++17', '-Iinclude', '-MM', 'src/sum.cc'], dir);
    expect(mm.code).toBe(0);
    const gccHeaders = mm.stdout.replace(/\\\n/g, ' ').split(/\s+/).slice(2).filter(Boolean).sort();
    expect(byTu.get('src/sum.cc')?.headers).toEqual(gccHeaders);
    expect(gccHeaders).toEqual(['include/util/Sum']);
    expect(byTu.get('src/sum.cc')?.system.some((s) => /\/include\/c\+\+\/\d+\/vector$/.test(s))).toBe(true);
    expect(byTu.get('asm/answer.S')?.headers).toEqual(['include/asm_consts.h']);
    expect(byTu.get('asm/one.s')).toMatchObject({ headers: [], system: [] });
  });
});
