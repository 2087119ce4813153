import { describe, expect, it } from 'vitest';
import { scanIncludes } from '../../analyzers/scanIncludes.js';

const names = (text: string): string[] => scanIncludes(text, 'c').includes.map((d) => `${d.directive}:${d.form}:${d.name}:${d.line}:${d.conditional ? 'cond' : 'plain'}`);

describe('scanIncludes', () => {
  it('finds quote, angle, include_next, import and computed includes with positions', () => {
    const src = '#include "a.h"\n# include <b/c.h>\n#include_next <d.h>\n#import "e.h"\n#define H "f.h"\n#include H\n';
    expect(names(src)).toEqual([
      'include:quote:a.h:1:plain',
      'include:angle:b/c.h:2:plain',
      'include_next:angle:d.h:3:plain',
      'import:quote:e.h:4:plain',
      'include:computed:H:6:plain',
    ]);
    expect(scanIncludes(src, 'c').headerMacros).toEqual([{ name: 'H', value: '"f.h"', conditional: false, isDefault: false }]);
  });

  it('marks includes under #if/#ifdef/#elif/#else as conditional but not under an include guard', () => {
    const src = '#ifndef G_H\n#define G_H\n#include "always.h"\n#ifdef X\n#include "x.h"\n#elif Y\n#include "y.h"\n#else\n#include "z.h"\n#endif\n#endif\n';
    expect(names(src)).toEqual(['include:quote:always.h:3:plain', 'include:quote:x.h:5:cond', 'include:quote:y.h:7:cond', 'include:quote:z.h:9:cond']);
  });

  it('finds an include inside a function body and in C++ code', () => {
    expect(names('void f(void) {\n#include "body.h"\n}\n')).toEqual(['include:quote:body.h:2:plain']);
    const cpp = scanIncludes('#include <vector>\ntemplate <class T> struct S { T t; };\n#include "x.hpp"\n', 'cpp');
    expect(cpp.includes.map((d) => d.name)).toEqual(['vector', 'x.hpp']);
  });

  it('records every macro a file defines, object-like or function-like', () => {
    expect(scanIncludes('#define A 1\n#define B(x) #x\n#if 0\n#define C\n#endif\n', 'c').definedMacros).toEqual(['A', 'B', 'C']);
  });

  it('does not lose a directive the grammar cannot place, and knows it is unconditional', () => {
    const r = scanIncludes('int x = (\n#include "mid.h"\n;\n', 'c');
    expect(r.includes.map((d) => `${d.name}:${d.conditional}`)).toEqual(['mid.h:false']);
  });

  for (const grammar of ['c', 'cpp'] as const) {
    it(`takes conditionality from the directives when the block does not parse (${grammar})`, () => {
      const src = '#include "top.h"\n#if X\nint f(T a) {\n#include "x_only.h"\n#else\nint g(U b) {\n#include "other.h"\n#endif\n  return 0;\n}\n#include "after.h"\n';
      expect(scanIncludes(src, grammar).includes.map((d) => `${d.name}:${d.conditional ? 'cond' : 'plain'}`)).toEqual([
        'top.h:plain', 'x_only.h:cond', 'other.h:cond', 'after.h:plain',
      ]);
    });
  }

  it('marks header-name #defines that are conditional, and #ifndef NAME defaults', () => {
    const src = '#ifndef X_INCLUDE\n#define X_INCLUDE "default.h"\n#endif\n#ifdef Y\n#define H <y.h>\n#endif\n#define F(x) "f.h"\n';
    expect(scanIncludes(src, 'c').headerMacros).toEqual([
      { name: 'X_INCLUDE', value: '"default.h"', conditional: true, isDefault: true },
      { name: 'H', value: '<y.h>', conditional: true, isDefault: false },
    ]);
  });

  it('keeps what only the grammar sees as a directive, as conditional', () => {
    // For the preprocessor the spliced line goes on, so this `#` starts no directive; tree-sitter sees one.
    const r = scanIncludes('int x = 1; \\\n#include "spliced.h"\n', 'c');
    expect(r.includes.map((d) => `${d.name}:${d.conditional}`)).toEqual(['spliced.h:true']);
  });
});
