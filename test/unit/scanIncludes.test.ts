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
    expect(scanIncludes(src, 'c').headerMacros).toEqual([['H', '"f.h"']]);
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

  it('does not lose a directive the grammar cannot place', () => {
    const r = scanIncludes('int x = (\n#include "mid.h"\n;\n', 'c');
    expect(r.includes.map((d) => d.name)).toContain('mid.h');
  });
});
