/**
 * includeClosure on in-memory files, scanned by the real scanner under both
 * grammars: what is conditional, which values a computed include takes,
 * and that a header not found is a note for the compiler to settle.
 */
import { describe, expect, it } from 'vitest';
import { includeClosure } from '../../analyzers/includeClosure.js';
import type { TuClosure } from '../../analyzers/includeClosure.js';
import { scanIncludes } from '../../analyzers/scanIncludes.js';
import type { Grammar } from '../../analyzers/scanIncludes.js';
import { searchPathFromFlags } from '../../analyzers/SearchPath.js';

function closure(tree: Record<string, string>, tu: string, flags: string[] = [], grammar: Grammar = 'c'): TuClosure {
  const abs = new Map(Object.entries(tree).map(([rel, text]) => [`/p/${rel}`, text]));
  const defines = new Map<string, string>();
  for (const f of flags) {
    const m = /^-D(\w+)=(.*)$/.exec(f);
    if (m) defines.set(m[1] as string, m[2] as string);
  }
  const named = new Set(flags.flatMap((f) => /^-D(\w+)/.exec(f)?.[1] ?? []));
  return includeClosure('/p', tu, searchPathFromFlags(flags, '/p', []), defines, {
    scan: (p) => (abs.has(p) ? scanIncludes(abs.get(p) as string, grammar) : undefined),
    isFile: (p) => abs.has(p),
    headersUnder: () => [],
  }, named);
}

const kinds = (c: TuClosure): string[] => c.notes.map((n) => `${n.kind} ${n.file}:${n.line}`);

describe('includeClosure', () => {
  for (const grammar of ['c', 'cpp'] as const) {
    it(`an #if block that does not parse (${grammar}): its missing headers are conditional, its present ones inputs`, () => {
      const c = closure({
        'a.c': '#include "plat.h"\nint main(void) { return 0; }\n',
        'plat.h': '#ifndef PLAT_H\n#define PLAT_H\n#if defined(_WIN32)\n#include <windows_only.h>\nint f(HANDLE a) {\n#else\n#include "posix.h"\nint f(int a) {\n#endif\n  return a;\n}\n#endif\n',
        'posix.h': '\n',
      }, 'a.c', [], grammar);
      expect(c.headers).toEqual(['plat.h', 'posix.h']);
      expect(kinds(c)).toEqual(['missing-conditional plat.h:4']);
    });
  }

  it('a header not found outside any conditional is a `missing` note with its location and what to do', () => {
    const c = closure({ 'src/a.c': '#include "there.h"\n  #  include <absent/x.h>\n', 'src/there.h': '' }, 'src/a.c', ['-Iinc']);
    expect(kinds(c)).toEqual(['missing src/a.c:2']);
    expect(c.notes[0]).toMatchObject({ column: 3 });
    expect(c.notes[0]?.message).toMatch(/^absent\/x\.h: No such file or directory; .*"includeDirs"/);
  });

  it('a computed include with a conditional default: -D wins and the missing default is no concern', () => {
    const tree = {
      'a.c': '#include "cfg.h"\n#include X_INCLUDE\n',
      'cfg.h': '#ifndef X_INCLUDE\n#define X_INCLUDE "default.h"\n#endif\n',
      'other.h': '\n',
    };
    const withFlag = closure(tree, 'a.c', ['-DX_INCLUDE="other.h"']);
    expect(withFlag.headers).toEqual(['cfg.h', 'other.h']);
    expect(kinds(withFlag)).toEqual(['computed-resolved a.c:2']);
    // Without -D the default is the value; it is conditional, so its absence is a note, not a warning.
    const without = closure(tree, 'a.c');
    expect(without.headers).toEqual(['cfg.h']);
    expect(kinds(without)).toEqual(['computed-resolved a.c:2', 'missing-conditional a.c:2']);
  });

  it('values from conditional #defines, or from headers included conditionally, are conditional', () => {
    const c = closure({
      'a.c': '#include "pick.h"\n#ifdef EXTRA\n#include "extra.h"\n#endif\n#include IMPL\n#include SECOND\n',
      'pick.h': '#if USE_A\n#define IMPL "impl_a.h"\n#else\n#define IMPL "impl_b.h"\n#endif\n',
      'extra.h': '#define SECOND "second.h"\n',
      'impl_b.h': '\n',
    }, 'a.c');
    expect(c.headers).toEqual(['extra.h', 'impl_b.h', 'pick.h']);
    expect(kinds(c).filter((k) => k.startsWith('missing'))).toEqual(['missing-conditional a.c:5', 'missing-conditional a.c:6']);
  });

  it('an unconditional #define of a header name stays unconditional, whatever else defines it conditionally', () => {
    const c = closure({
      'a.c': '#ifdef OLD\n#define H "old.h"\n#endif\n#define H "new.h"\n#include H\n',
    }, 'a.c');
    expect(kinds(c)).toEqual(['computed-resolved a.c:5', 'missing-conditional a.c:5', 'computed-resolved a.c:5', 'missing a.c:5']);
  });
});
