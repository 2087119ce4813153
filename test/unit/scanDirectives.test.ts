import { describe, expect, it } from 'vitest';
import { scanDirectives } from '../../analyzers/scanDirectives.js';

/** `line:name rest [cond]` for every directive. */
const show = (text: string): string[] =>
  scanDirectives(text).directives.map((d) => `${d.line}:${d.name}${d.rest ? ` ${d.rest}` : ''}${d.conditional ? ' [cond]' : ''}`);

describe('scanDirectives: conditional depth', () => {
  it('counts #if/#ifdef/#ifndef/#elif/#else groups, nested, and nothing after #endif', () => {
    const src = ['#include "a.h"', '#ifdef X', '#include "x.h"', '#if Y', '#include "y.h"', '#endif', '#elif Z', '#include "z.h"', '#else', '#include "w.h"', '#endif', '#include "b.h"'].join('\n');
    expect(show(src)).toEqual([
      '1:include "a.h"',
      '2:ifdef X',
      '3:include "x.h" [cond]',
      '4:if Y [cond]',
      '5:include "y.h" [cond]',
      '6:endif [cond]',
      '7:elif Z',
      '8:include "z.h" [cond]',
      '9:else',
      '10:include "w.h" [cond]',
      '11:endif',
      '12:include "b.h"',
    ]);
  });

  it('is not fooled by a conditional that splits a function (an ERROR node for tree-sitter)', () => {
    const src = '#if X\nint f(T a) {\n#include "plat_x.h"\n#else\nint g(U b) {\n#include "plat_y.h"\n#endif\n  return 0;\n}\n#include "after.h"\n';
    expect(show(src).filter((l) => l.includes('include'))).toEqual(['3:include "plat_x.h" [cond]', '6:include "plat_y.h" [cond]', '10:include "after.h"']);
  });

  it('survives unbalanced #endif and #else without going negative', () => {
    expect(show('#endif\n#else\n#include "a.h"\n#ifdef X\n#include "b.h"\n')).toEqual(['1:endif', '2:else', '3:include "a.h"', '4:ifdef X', '5:include "b.h" [cond]']);
  });

  it('tells which #ifndef NAME first branch a #define is in', () => {
    const ds = scanDirectives('#ifndef X_INC\n#define X_INC "d.h"\n#else\n#define OTHER "o.h"\n#endif\n#if !defined( Y )\n#define Y <y.h>\n#endif\n#include X_INC\n').directives;
    expect(ds.filter((d) => d.name === 'define').map((d) => [d.rest, d.conditional, d.unlessDefined])).toEqual([
      ['X_INC "d.h"', true, 'X_INC'],
      ['OTHER "o.h"', true, undefined],
      ['Y <y.h>', true, 'Y'],
    ]);
  });
});

describe('scanDirectives: the include guard', () => {
  it('does not count #ifndef X / #define X … #endif around the whole file, comments and #pragma aside', () => {
    const src = '/* licence */\n#pragma once\n#ifndef G_H\n#define G_H 1\n#include "always.h"\n#ifdef X\n#include "x.h"\n#endif\n#endif /* G_H */\n// end\n';
    const r = scanDirectives(src);
    expect(r.guardLine).toBe(3);
    expect(show(src).filter((l) => l.includes('include'))).toEqual(['5:include "always.h"', '7:include "x.h" [cond]']);
  });

  it('accepts #if !defined(X) and #if !defined X as a guard', () => {
    expect(scanDirectives('#if !defined(G_H)\n#define G_H\n#include "a.h"\n#endif\n').guardLine).toBe(1);
    expect(scanDirectives('#if !defined G_H\n#define G_H\n#include "a.h"\n#endif\n').guardLine).toBe(1);
  });

  it('is no guard when code comes before or after it, it has an #else, its #define names another macro, or it defines a header name', () => {
    const notGuard = [
      'int x;\n#ifndef G_H\n#define G_H\n#include "a.h"\n#endif\n',
      '#ifndef G_H\n#define G_H\n#include "a.h"\n#endif\nint x;\n',
      '#ifndef G_H\n#define G_H\n#include "a.h"\n#else\n#include "b.h"\n#endif\n',
      '#ifndef G_H\n#define OTHER\n#include "a.h"\n#endif\n',
      '#ifndef G_H\n#define G_H\n#endif\n#include "a.h"\n',
      '#ifndef X_INCLUDE\n#define X_INCLUDE "default.h"\n#endif\n',
      '#ifdef G_H\n#define G_H\n#include "a.h"\n#endif\n',
    ];
    for (const src of notGuard) expect(scanDirectives(src).guardLine, src).toBeUndefined();
    expect(show(notGuard[0] as string)[2]).toBe('4:include "a.h" [cond]');
  });
});

describe('scanDirectives: what the preprocessor sees as a directive', () => {
  it('joins continuation lines, in directives and before them', () => {
    expect(show('#if defined(A) \\\n  || defined(B)\n#include \\\n  "a.h"\n#endif\n')).toEqual(['1:if defined(A)   || defined(B)', '3:include "a.h" [cond]', '5:endif']);
    // A `#` on the line after a spliced code line is inside that line: no directive.
    expect(show('int x = 1; \\\n#include "no.h"\n')).toEqual([]);
    // A spliced #endif still closes its group.
    expect(show('#ifdef X\n#end\\\nif\n#include "a.h"\n')).toEqual(['1:ifdef X', '2:endif', '4:include "a.h"']);
  });

  it('skips comments, also ones spanning lines, ones holding a directive, and ones before the #', () => {
    const src = '/*\n#ifdef X\n*/\n#include "a.h" /* c */ // d\n/* a */ # /* b */ define Y 1\n// #endif\nint z; // \\\n#include "hidden.h"\n';
    expect(show(src)).toEqual(['4:include "a.h"', '5:define Y 1']);
  });

  it('keeps comment markers inside strings, character literals and header names as text', () => {
    expect(show('char *s = "/*";\n#include "a.h"\nchar c = \'"\';\n#include <b//c.h>\n#define S "x/*y"\n')).toEqual(['2:include "a.h"', '4:include <b//c.h>', '5:define S "x/*y"']);
  });

  it('ends an unterminated literal at the end of its line (#error don\'t …)', () => {
    expect(show("#error don't do /* this\n#ifdef X\n#include \"a.h\"\n#endif\n")).toEqual(["1:error don't do /* this", '2:ifdef X', '3:include "a.h" [cond]', '4:endif']);
  });

  it('skips C++ raw strings spanning lines, and digit separators are no literals', () => {
    const src = 'const char *r = R"x(\n#endif\n#include "in_string.h"\n)x";\nint n = 1\'000; /*\n#include "in_comment.h"\n*/\n#include "after.h"\n';
    expect(show(src)).toEqual(['8:include "after.h"']);
    expect(show('auto s = u8R"(a\n#x\n)";\n#define Q 1\n')).toEqual(['4:define Q 1']);
  });

  it('handles CRLF line ends, %: digraphs and a null directive', () => {
    expect(show('#ifdef X\r\n#include "a.h"\r\n#endif\r\n%:include <d.h>\r\n#\r\n')).toEqual(['1:ifdef X', '2:include "a.h" [cond]', '3:endif', '4:include <d.h>', '5:']);
  });

  it('gives the column of the # and reads a directive in assembly source', () => {
    const asm = '  #include "asm.h"\n.globl f\nf:\n#ifdef __x86_64__\n\tmov $1, %eax # comment\n#endif\n\tret\n';
    const ds = scanDirectives(asm).directives;
    expect(ds.map((d) => [d.line, d.column, d.name])).toEqual([[1, 3, 'include'], [4, 1, 'ifdef'], [6, 1, 'endif']]);
  });
});
