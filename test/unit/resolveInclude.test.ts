/**
 * The resolver against GCC's documented search rules, on an in-memory file
 * set. Each case is named after the rule it checks.
 */
import { describe, expect, it } from 'vitest';
import { resolveInclude } from '../../analyzers/resolveInclude.js';
import type { IncludeRequest } from '../../analyzers/resolveInclude.js';
import { searchPathFromFlags } from '../../analyzers/SearchPath.js';

const files = (...paths: string[]): ((p: string) => boolean) => {
  const set = new Set(paths);
  return (p) => set.has(p);
};
const inc = (name: string, form: 'quote' | 'angle' = 'quote', directive: IncludeRequest['directive'] = 'include'): IncludeRequest => ({ directive, form, name });
const tu = { path: '/p/src/a.c', foundIn: 'not-searched' as const };
const sp = searchPathFromFlags(['-iquote', 'q', '-Ii1', '-I', 'i2', '-isystem', 'sys', '-idirafter', 'after'], '/p', ['/usr/include']);

describe('GCC include search rules', () => {
  it('reads -iquote, -I, -isystem, built-in dirs and -idirafter in that order', () => {
    expect(sp).toEqual({ quote: ['/p/q'], bracket: ['/p/i1', '/p/i2'], system: ['/p/sys', '/usr/include', '/p/after'], forcedIncludes: [] });
  });

  it('quote form: the directory of the including file comes first', () => {
    const r = resolveInclude(inc('x.h'), tu, sp, files('/p/src/x.h', '/p/q/x.h', '/p/i1/x.h'));
    expect(r).toEqual({ file: '/p/src/x.h', foundIn: 'includer-dir', probed: [] });
  });

  it('quote form: then -iquote, then -I, recording what it probed', () => {
    expect(resolveInclude(inc('x.h'), tu, sp, files('/p/q/x.h', '/p/i1/x.h')).file).toBe('/p/q/x.h');
    const r = resolveInclude(inc('x.h'), tu, sp, files('/p/i2/x.h'));
    expect(r.file).toBe('/p/i2/x.h');
    expect(r.probed).toEqual(['/p/src/x.h', '/p/q/x.h', '/p/i1/x.h']);
  });

  it('angle form skips the including directory and -iquote', () => {
    const r = resolveInclude(inc('x.h', 'angle'), tu, sp, files('/p/src/x.h', '/p/q/x.h', '/usr/include/x.h'));
    expect(r.file).toBe('/usr/include/x.h');
    expect(r.probed).toEqual(['/p/i1/x.h', '/p/i2/x.h', '/p/sys/x.h']);
  });

  it('-isystem comes before the built-in dirs and -idirafter after them', () => {
    expect(resolveInclude(inc('x.h', 'angle'), tu, sp, files('/p/sys/x.h', '/usr/include/x.h')).file).toBe('/p/sys/x.h');
    expect(resolveInclude(inc('y.h', 'angle'), tu, sp, files('/p/after/y.h')).foundIn).toBe(5);
  });

  it('a -I dir that is also a system dir is dropped (it keeps its system position)', () => {
    const s = searchPathFromFlags(['-I/usr/include', '-Ilocal'], '/p', ['/usr/include']);
    expect(s.bracket).toEqual(['/p/local']);
  });

  it('#include_next continues after the directory where the current file was found', () => {
    const first = resolveInclude(inc('x.h', 'angle'), tu, sp, files('/p/i1/x.h', '/usr/include/x.h'));
    expect(first.foundIn).toBe(1);
    const next = resolveInclude(inc('x.h', 'angle', 'include_next'), { path: '/p/i1/x.h', foundIn: first.foundIn }, sp, files('/p/i1/x.h', '/usr/include/x.h'));
    expect(next.file).toBe('/usr/include/x.h');
  });

  it('#include_next in the primary source file behaves like #include', () => {
    const r = resolveInclude(inc('x.h', 'quote', 'include_next'), tu, sp, files('/p/src/x.h'));
    expect(r.file).toBe('/p/src/x.h');
  });

  it('the first match wins, and .. is taken relative to the including directory', () => {
    const r = resolveInclude(inc('../include/x.h'), tu, sp, files('/p/include/x.h'));
    expect(r.file).toBe('/p/include/x.h');
  });

  it('an absolute name is opened as it is', () => {
    expect(resolveInclude(inc('/opt/x.h'), tu, sp, files('/opt/x.h')).file).toBe('/opt/x.h');
  });

  it('a header found nowhere reports every candidate', () => {
    const r = resolveInclude(inc('none.h', 'angle'), tu, sp, files());
    expect(r.file).toBeUndefined();
    expect(r.probed).toHaveLength(5);
  });

  it('-nostdinc drops the built-in dirs; -include is kept in order', () => {
    const s = searchPathFromFlags(['-nostdinc', '-include', 'config.h', '-include', 'b.h'], '/p', ['/usr/include']);
    expect(s.system).toEqual([]);
    expect(s.forcedIncludes).toEqual(['config.h', 'b.h']);
  });
});
