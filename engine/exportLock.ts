/**
 * exportLock: the lock of `nixmake export` — the build graph as JSON that
 * the exported default.nix reads: the toolchain, every input file and
 * whether the export holds a copy of it, each generator (its command,
 * inputs, outputs, tools and derivation), each object (its TU, flags, header
 * closure and derivation), each target (its objects, libraries, outputs and
 * derivation), the builder helper's derivation, and what `package`
 * installs.
 *
 * Derivations are written symbolically (symbolicDerivation) from the same
 * generator nixmake builds with, so that the expression makes the same
 * `.drv` files. The lock names files, never their contents: an edited `.c`
 * is picked up without exporting again (a changed include list is not).
 * Generated files are not project files: an object that reads one takes it
 * from its generator's output, and its closure is the one the analysis found
 * in the output the generator made at export time.
 *
 * Pure: it reads no file and does not decide which files are copied.
 */
import type { Toolchain } from '../toolchain/Toolchain.js';
import type { BuildGraph, LinkNode } from './BuildGraph.js';
import type { DrvRef, LinkedLibrary } from './derivations.js';
import { builderDerivation, generatorDerivation, linkDerivation, objectDerivation, outputFiles } from './derivations.js';
import type { SymbolicDerivation } from './symbolicDerivation.js';
import { Symbols } from './symbolicDerivation.js';

/** Bump when the lock's shape changes; default.nix refuses a lock of another version. */
export const EXPORT_LOCK_VERSION = 2;
export const LOCK_FILE = 'nixmake-lock.json';
export const BUILDER_SOURCE = 'nixmake-builder.c';
/** The export's folder of copies (files git does not track, files that are symlinks). */
export const COPIED_DIR = 'nixmake-copied';

export interface LockedToolchain {
  readonly system: string;
  readonly id: string;
  readonly version: string;
  readonly cc: string;
  readonly cxx: string;
  readonly ar: string;
  readonly path: readonly string[];
  readonly cflags: readonly string[];
  readonly ldflags: readonly string[];
  readonly storePaths: readonly string[];
  /** Environment of generators' commands (host packages' tools: `BISON_PKGDATADIR`, `M4`). */
  readonly toolEnv: Readonly<Record<string, string>>;
}

export interface LockedGenerator {
  readonly command: readonly string[];
  /** Project files it reads. */
  readonly inputs: readonly string[];
  /** Other generators' outputs it reads: project path → that generator's name. */
  readonly generated: Readonly<Record<string, string>>;
  readonly outputs: readonly string[];
  /** Executable targets it runs. */
  readonly tools: readonly string[];
  readonly derivation: SymbolicDerivation;
}

export interface LockedObject {
  readonly target: string;
  readonly tu: string;
  readonly lang: string;
  readonly flags: readonly string[];
  /** Project headers of its closure (sorted), generated ones included. */
  readonly headers: readonly string[];
  /** The TU and headers generators write: project path → the generator's name (read from its output). */
  readonly generated: Readonly<Record<string, string>>;
  /** sha256 of the system headers it reads and their contents (the derivation's `systemHeadersHash`). */
  readonly systemHeadersHash: string;
  readonly derivation: SymbolicDerivation;
}

export interface LockedTarget {
  readonly type: string;
  readonly objects: readonly string[];
  readonly libraries: readonly string[];
  /** Files of its output, relative to it (what `package` installs). */
  readonly outputs: readonly string[];
  readonly derivation: SymbolicDerivation;
}

export interface ExportLock {
  readonly 'nixmake-export': number;
  /** The project root, relative to the export folder. */
  readonly root: string;
  readonly toolchain: LockedToolchain;
  /** Every project file a derivation reads → where the expression takes it from. */
  readonly files: Readonly<Record<string, 'project' | 'copied'>>;
  readonly builder: { readonly source: string; readonly derivation: SymbolicDerivation };
  /** In dependency order (one after the generators whose outputs it reads). */
  readonly generators: Readonly<Record<string, LockedGenerator>>;
  readonly objects: Readonly<Record<string, LockedObject>>;
  /** In dependency order (a library before what links it). */
  readonly targets: Readonly<Record<string, LockedTarget>>;
  readonly package: {
    readonly name: string;
    /** Public headers: project file → path under include/. */
    readonly headers: Readonly<Record<string, string>>;
  };
  /** `nixmake export --patch`: each patch → the project files it touches (read, patched, from the copies). */
  readonly patches: Readonly<Record<string, readonly string[]>>;
}

export interface ExportLockInput {
  readonly graph: BuildGraph;
  readonly toolchain: Toolchain;
  /** An object's `systemHeadersHash` (as execute computes it). */
  readonly systemHeadersHash: (objectKey: string) => string;
  /** Whether the export holds a copy of a project file (decided by the caller: git, symlinks). */
  readonly copied: (rel: string) => boolean;
  /** Public headers: project file → path under include/. */
  readonly publicHeaders: ReadonlyMap<string, string>;
  /** The project root relative to the export folder. */
  readonly root: string;
  readonly packageName: string;
  /** Patches applied to the copies: patch → the files it touches. */
  readonly patches?: Readonly<Record<string, readonly string[]>>;
}

/** The files a link's output holds, as linkDerivation lays them out (its file, soname and development links, aliases). */
export function linkOutputs(node: LinkNode): string[] {
  const f = outputFiles(node.type, node.target, node.fileName, node.soname);
  if (node.type === 'executable') return [...new Set([f.file, ...node.aliases])].map((n) => `bin/${n}`);
  return [...new Set([f.file, ...(f.soname === undefined ? [] : [f.soname]), ...(f.dev === undefined ? [] : [f.dev])])].map((n) => `lib/${n}`);
}

export function exportLock(input: ExportLockInput): ExportLock {
  const { graph } = input;
  const sym = new Symbols();
  const tc = sym.toolchain(input.toolchain);
  const builder = sym.drv({ ref: 'builder' });
  const files = new Set<string>();
  const inputs = (rels: readonly string[]): Map<string, string> => {
    rels.forEach((r) => files.add(r));
    return new Map(rels.map((r) => [r, sym.input(r)]));
  };
  const nameOf = (generatorKey: string): string => {
    const g = graph.generators.get(generatorKey);
    if (!g) throw new Error(`internal error: ${generatorKey} is not in the graph`);
    return g.generator;
  };
  const generatorRefs = (pairs: Iterable<readonly [string, string]>): Map<string, DrvRef> => new Map([...pairs].map(([rel, k]) => [rel, sym.drv({ ref: 'generator', of: nameOf(k) })]));

  const generators: Record<string, LockedGenerator> = {};
  for (const g of graph.generators.values()) {
    const tools = g.tools.map((k) => sym.drv({ ref: 'link', of: graph.links.get(k)?.target ?? k }));
    const spec = generatorDerivation(g, inputs(g.inputs), generatorRefs(g.generated), tools, builder, tc);
    generators[g.generator] = {
      command: g.command,
      inputs: g.inputs,
      generated: Object.fromEntries(g.generated.map(([rel, k]) => [rel, nameOf(k)])),
      outputs: g.outputs,
      tools: g.tools.map((k) => graph.links.get(k)?.target ?? k),
      derivation: sym.encode(spec),
    };
  }

  const objects: Record<string, LockedObject> = {};
  for (const key of [...graph.objects.keys()].sort()) {
    const o = graph.objects.get(key);
    if (!o) continue;
    const systemHeadersHash = input.systemHeadersHash(key);
    const own = [o.tu, ...o.closure.headers].filter((r) => !o.generated.has(r));
    const spec = objectDerivation(o, inputs(own), builder, tc, systemHeadersHash, generatorRefs(o.generated));
    const generated = Object.fromEntries([...o.generated].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([rel, k]) => [rel, nameOf(k)]));
    objects[key] = { target: o.target, tu: o.tu, lang: o.lang, flags: o.flags, headers: o.closure.headers, generated, systemHeadersHash, derivation: sym.encode(spec) };
  }

  const targets: Record<string, LockedTarget> = {};
  for (const name of graph.targetOrder) {
    const l = graph.links.get(`link:${name}`);
    if (!l) continue;
    const libs: LinkedLibrary[] = l.libraries.map((k) => {
      const lib = graph.links.get(k);
      if (!lib) throw new Error(`internal error: ${l.key} links ${k}, which is not in the graph`);
      return { ref: sym.drv({ ref: 'link', of: lib.target }), type: lib.type, target: lib.target, fileName: lib.fileName };
    });
    const objs = l.objects.map((k) => sym.drv({ ref: 'object', of: k }));
    targets[name] = {
      type: l.type,
      objects: l.objects,
      libraries: libs.map((x) => x.target),
      outputs: linkOutputs(l),
      derivation: sym.encode(linkDerivation(l, objs, libs, builder, tc, inputs(l.inputs))),
    };
  }

  const headers: Record<string, string> = {};
  for (const [file, dest] of [...input.publicHeaders].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))) {
    headers[file] = dest;
    files.add(file);
  }

  const fileTable: Record<string, 'project' | 'copied'> = {};
  for (const f of [...files].sort()) fileTable[f] = input.copied(f) ? 'copied' : 'project';

  const t = input.toolchain;
  return {
    'nixmake-export': EXPORT_LOCK_VERSION,
    root: input.root,
    toolchain: { system: t.system, id: t.id, version: t.version, cc: t.cc, cxx: t.cxx, ar: t.ar, path: t.path, cflags: t.cflags, ldflags: t.ldflags, storePaths: t.storePaths, toolEnv: t.toolEnv ?? {} },
    files: fileTable,
    builder: { source: BUILDER_SOURCE, derivation: sym.encode(builderDerivation(tc, sym.builderSource())) },
    generators,
    objects,
    targets,
    package: { name: input.packageName, headers },
    patches: input.patches ?? {},
  };
}

/** The lock's text: stable (sorted where order does not matter), one trailing newline. */
export function lockText(lock: ExportLock): string {
  return `${JSON.stringify(lock, null, 1)}\n`;
}
