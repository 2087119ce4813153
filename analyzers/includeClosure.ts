/**
 * includeClosure: one translation unit → every header it can include, split
 * into project headers (they go into the object's sandbox) and system
 * headers (toolchain inputs), with located notes.
 *
 * It over-approximates: every branch of every conditional is followed, and
 * every value a computed include's macro may take (a value from a
 * conditional `#define`, or reached through a conditional include, counts
 * as conditional; a `-D` on the command line replaces an `#ifndef NAME`
 * default). A header that cannot be found is never an error here: the
 * verdict is the sandboxed compile's, which holds only the closure's files
 * and so fails loudly if the header is really needed. It is a `missing`
 * note (turned into a warning by analyzeTargets) when nothing conditional
 * lies on the way to it, a `missing-conditional` note otherwise. A computed
 * include whose macro cannot be found makes the TU depend on every header
 * under its project include directories. I/O goes through the `ClosureIo`
 * it is given.
 */
import path from 'node:path';
import { classifyHeaderName } from './scanIncludes.js';
import type { IncludeDirective, ScanResult } from './scanIncludes.js';
import { resolveInclude } from './resolveInclude.js';
import type { FoundIn, Includer, IncludeRequest, Resolution } from './resolveInclude.js';
import type { SearchPath } from './SearchPath.js';

export interface ClosureIo {
  /** Directives of a file, or undefined if it cannot be read; `system`: found in a system folder (outside the project). */
  scan(absPath: string, system?: boolean): ScanResult | undefined;
  isFile(absPath: string): boolean;
  /** Every header file under a directory, absolute paths (for unresolved computed includes). */
  headersUnder(absDir: string): readonly string[];
  /** A memoised `resolveInclude` (see ResolveCache); by default it is called directly. */
  resolve?(req: IncludeRequest, includer: Includer, sp: SearchPath): Resolution;
}

export interface ClosureNote {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly kind: 'missing' | 'missing-conditional' | 'computed-resolved' | 'computed-unresolved' | 'computed-never-defined';
  readonly message: string;
}

export interface TuClosure {
  readonly tu: string;
  /** Project-relative, normalised, sorted; does not include the TU itself. */
  readonly headers: readonly string[];
  /** Absolute, sorted: headers outside the project root. */
  readonly system: readonly string[];
  readonly notes: readonly ClosureNote[];
  /** True when a computed include could not be resolved and all headers were added. */
  readonly unresolvedComputed: boolean;
  /**
   * Absolute, sorted: the folders of every candidate probed before a match
   * (or of every candidate of a header not found). A file appearing in one
   * of them could shadow a header or supply a missing one.
   */
  readonly probedDirs: readonly string[];
}

/**
 * What the walk derives from a resolution: the header relative to the root
 * (undefined outside it) and its probed candidates' folders. ResolveCache
 * hands thousands of TUs the same Resolution object, so this is worked out
 * once per resolution and root rather than once per directive of every TU.
 */
interface Derived {
  readonly root: string;
  readonly rel: string | undefined;
  readonly probedDirs: readonly string[];
}
const derivedOf = new WeakMap<Resolution, Derived>();

function relativeTo(root: string, abs: string): string | undefined {
  const r = path.relative(root, abs);
  return r === '' || r.startsWith('..') || path.isAbsolute(r) ? undefined : r;
}

function derive(root: string, r: Resolution): Derived {
  let d = derivedOf.get(r);
  if (d === undefined || d.root !== root) {
    d = { root, rel: r.file === undefined ? undefined : relativeTo(root, r.file), probedDirs: [...new Set(r.probed.map((c) => path.dirname(c)))] };
    derivedOf.set(r, d);
  }
  return d;
}

interface Visit {
  readonly file: string;
  readonly foundIn: FoundIn;
  /** Reached only through a conditional directive somewhere on the way. */
  readonly conditional: boolean;
  readonly system: boolean;
}

/**
 * `defineMacros`: -DNAME=VALUE from the flags; `flagMacros`: every name the
 * flags define at all (-DNAME, -DNAME=VALUE).
 */
export function includeClosure(
  root: string,
  tuRel: string,
  sp: SearchPath,
  defineMacros: ReadonlyMap<string, string>,
  io: ClosureIo,
  flagMacros: ReadonlySet<string> = new Set(defineMacros.keys()),
): TuClosure {
  const rel = (abs: string): string | undefined => relativeTo(root, abs);
  const display = (abs: string): string => rel(abs) ?? abs;
  const headers = new Set<string>();
  const system = new Set<string>();
  const notes: ClosureNote[] = [];
  const visited = new Map<string, number | Set<number>>();
  const probedDirs = new Set<string>();
  /** Macro → each header name it may expand to → whether only conditionally (unconditional wins). */
  const macros = new Map<string, Map<string, boolean>>();
  const definedAnywhere = new Set<string>(flagMacros);
  for (const [k, v] of defineMacros) macros.set(k, new Map([[v, false]]));
  const deferred: { d: IncludeDirective; from: Visit }[] = [];
  const queue: Visit[] = [];
  let head = 0;
  let unresolvedComputed = false;

  const tuAbs = path.join(root, tuRel);

  const enqueue = (v: Visit): void => {
    // A file is visited once per place found and conditionality: a small number, a Set only for a file reached two ways.
    const code = (v.foundIn === 'not-searched' ? 0 : v.foundIn === 'includer-dir' ? 1 : v.foundIn + 2) * 2 + (v.conditional ? 1 : 0);
    const seen = visited.get(v.file);
    if (seen === undefined) visited.set(v.file, code);
    else if (typeof seen === 'number') {
      if (seen === code) return;
      visited.set(v.file, new Set([seen, code]));
    } else {
      if (seen.has(code)) return;
      seen.add(code);
    }
    queue.push(v);
  };

  const follow = (req: IncludeRequest, from: Visit, d: { line: number; column: number; conditional: boolean }, fromFile: string): void => {
    const includer = { path: from.file, foundIn: from.foundIn };
    const r = io.resolve ? io.resolve(req, includer, sp) : resolveInclude(req, includer, sp, io.isFile);
    const derived = derive(root, r);
    for (const dir of derived.probedDirs) probedDirs.add(dir);
    const conditional = from.conditional || d.conditional;
    if (r.file === undefined) {
      if (from.system) return;
      const where = { file: display(fromFile), line: d.line, column: d.column };
      if (conditional) {
        notes.push({ ...where, kind: 'missing-conditional', message: `${req.name}: not found (inside a conditional; ignored)` });
      } else {
        notes.push({
          ...where,
          kind: 'missing',
          message:
            `${req.name}: No such file or directory; left to the compiler, which fails every TU that reaches this line if it is really missing: ` +
            'add its folder to "includeDirs", or the package that provides it to "hostPackages"',
        });
      }
      return;
    }
    const hr = derived.rel;
    if (hr !== undefined) headers.add(hr);
    else system.add(r.file);
    enqueue({ file: r.file, foundIn: r.foundIn, conditional, system: hr === undefined });
  };

  const handle = (d: IncludeDirective, from: Visit, final: boolean): void => {
    if (d.form !== 'computed') {
      follow({ directive: d.directive, form: d.form, name: d.name }, from, d, from.file);
      return;
    }
    const values = macros.get(d.name);
    if (!values) {
      const head = /^[A-Za-z_][A-Za-z0-9_]*/.exec(d.name)?.[0];
      if (!final) deferred.push({ d, from });
      else if (head !== undefined && !definedAnywhere.has(head)) {
        // No file of the closure and no flag defines the macro: this directive can
        // never include anything (taken, it would be a compile error), so it adds no input.
        if (!from.system) {
          notes.push({ file: display(from.file), line: d.line, column: d.column, kind: 'computed-never-defined', message: `#include ${d.name}: ${head} is never defined; ignored` });
        }
      } else if (!from.system) {
        unresolvedComputed = true;
        notes.push({
          file: display(from.file), line: d.line, column: d.column, kind: 'computed-unresolved',
          message: `#include ${d.name}: macro not defined as a header name; every header under the include directories is an input`,
        });
      }
      return;
    }
    for (const [v, onlyIf] of values) {
      const c = classifyHeaderName(v);
      if (c.form === 'computed') continue;
      if (!from.system) {
        notes.push({ file: display(from.file), line: d.line, column: d.column, kind: 'computed-resolved', message: `#include ${d.name} resolved as ${v}` });
      }
      follow({ directive: d.directive, form: c.form, name: c.name }, from, { line: d.line, column: d.column, conditional: d.conditional || onlyIf }, from.file);
    }
  };

  const drain = (): void => {
    for (let v = queue[head++]; v; v = queue[head++]) {
      const scan = io.scan(v.file, v.system);
      if (!scan) continue;
      for (const name of scan.definedMacros ?? []) definedAnywhere.add(name);
      for (const m of scan.headerMacros) {
        // `#ifndef NAME / #define NAME "default.h"`: a -DNAME on the command line wins.
        if (m.isDefault && flagMacros.has(m.name)) continue;
        let values = macros.get(m.name);
        if (!values) macros.set(m.name, (values = new Map()));
        const onlyIf = m.conditional || v.conditional;
        values.set(m.value, (values.get(m.value) ?? true) && onlyIf);
      }
      for (const d of scan.includes) handle(d, v, false);
    }
  };

  const tuVisit: Visit = { file: tuAbs, foundIn: 'not-searched', conditional: false, system: false };
  // -include FILE acts as `#include "FILE"` before the first line, searched first in the working directory.
  for (const f of sp.forcedIncludes) {
    follow({ directive: 'include', form: 'quote', name: f }, { ...tuVisit, file: path.join(root, '<command-line>') }, { line: 1, column: 1, conditional: false }, tuAbs);
  }
  enqueue(tuVisit);
  drain();
  // Computed includes whose macro appeared later (in another header) get a second chance.
  while (deferred.length > 0) {
    const batch = deferred.splice(0);
    const before = macros.size;
    for (const { d, from } of batch) handle(d, from, false);
    drain();
    if (deferred.length === batch.length && macros.size === before) {
      for (const { d, from } of deferred.splice(0)) handle(d, from, true);
      drain();
    }
  }
  if (unresolvedComputed) {
    const dirs = [path.dirname(tuAbs), ...sp.quote, ...sp.bracket, ...sp.system].filter((d) => rel(d) !== undefined || d === root);
    for (const dir of new Set(dirs)) {
      for (const h of io.headersUnder(dir)) {
        const hr = rel(h);
        if (hr !== undefined) headers.add(hr);
      }
    }
  }
  headers.delete(tuRel);
  return {
    tu: tuRel,
    headers: [...headers].sort(),
    system: [...system].sort(),
    notes,
    unresolvedComputed,
    probedDirs: [...probedDirs].sort(),
  };
}
