/**
 * SearchPath: the directories a compiler searches for headers, in GCC's
 * order, read from the flags of one translation unit.
 *
 * `"x.h"` searches the includer's directory, then `quote` (-iquote), then
 * `bracket` (-I), then `system` (-isystem, the toolchain's built-in dirs,
 * -idirafter). `<x.h>` starts at `bracket`. This module only parses flags;
 * `resolveInclude` walks the chain.
 */
import path from 'node:path';

export interface SearchPath {
  /** -iquote directories, absolute. */
  readonly quote: readonly string[];
  /** -I directories, absolute. */
  readonly bracket: readonly string[];
  /** -isystem, then built-in system directories, then -idirafter; absolute. */
  readonly system: readonly string[];
  /** -include files, in order, as written (resolved against the working directory first). */
  readonly forcedIncludes: readonly string[];
}

/** The full chain in search order; indexes into it say where a header was found. */
export function chainOf(sp: SearchPath): readonly string[] {
  return [...sp.quote, ...sp.bracket, ...sp.system];
}

const TAKES_DIR = ['-iquote', '-isystem', '-idirafter', '-I'] as const;

/**
 * Reads the include-related flags. `cwd` is the directory the compiler runs
 * in (the project root); relative directories are taken from there.
 */
export function searchPathFromFlags(flags: readonly string[], cwd: string, builtinSystemDirs: readonly string[]): SearchPath {
  const quote: string[] = [];
  const bracket: string[] = [];
  const isystem: string[] = [];
  const after: string[] = [];
  const forcedIncludes: string[] = [];
  let nostdinc = false;
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i] ?? '';
    if (f === '-nostdinc' || f === '-nostdinc++') {
      nostdinc = true;
      continue;
    }
    // -imacros FILE is read like -include FILE (only its macros are kept, but it is an input all the same).
    if (f === '-include' || f === '-imacros') {
      const v = flags[++i];
      if (v !== undefined) forcedIncludes.push(v);
      continue;
    }
    const opt = TAKES_DIR.find((o) => f.startsWith(o));
    if (!opt) continue;
    let dir = f.slice(opt.length);
    if (dir === '') dir = flags[++i] ?? '';
    if (dir === '' || dir === '-') continue; // `-I-` is obsolete; ignored
    const abs = path.resolve(cwd, dir);
    ({ '-iquote': quote, '-isystem': isystem, '-idirafter': after, '-I': bracket } as const)[opt].push(abs);
  }
  // GCC drops a non-system directory that is also a system directory, and later duplicates.
  const system = dedupe([...isystem, ...(nostdinc ? [] : builtinSystemDirs), ...after]);
  const systemSet = new Set(system);
  const brk = dedupe(bracket).filter((d) => !systemSet.has(d));
  return { quote: dedupe(quote), bracket: brk, system, forcedIncludes };
}

function dedupe(dirs: readonly string[]): string[] {
  return [...new Set(dirs)];
}
