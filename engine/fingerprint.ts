/**
 * fingerprint: each node's canonical input record and its hash.
 *
 * An object's record holds its closure digest (the TU's hash and the hashes
 * of every header in its closure, project and system), its flags, its
 * language, the toolchain identity, the templates' hash and the platform;
 * the per-header tables, which name the header that changed in a rebuild
 * reason, are built only for nodes that are built. A link's record holds its
 * objects' and libraries' fingerprints and its own flags. A generate
 * node's holds its command, environment, outputs, its input files' hashes,
 * and the fingerprints of the generators and tools it takes. (An object
 * reading a generator's output hashes that file's content, so output that
 * regenerates identical recompiles nothing.) Equal records mean
 * equal derivations. Pure: hashes come from the `hashOf` it is given.
 */
import type { ContentHash, Fingerprint } from '../cache/hashes.js';
import { closureDigest, systemDigest } from '../analyzers/closureDigest.js';
import type { TuClosure } from '../analyzers/includeClosure.js';
import { canonicalJson, fingerprintOf } from '../cache/hashes.js';
import { pinnedLinks } from './pinnedLinks.js';
import type { BuildGraph, LinkNode } from './BuildGraph.js';

export interface ObjectInputs {
  readonly kind: 'object';
  readonly tu: string;
  readonly source: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly system: Readonly<Record<string, string>>;
  readonly lang: string;
  readonly flags: readonly string[];
  readonly toolchain: string;
  readonly template: string;
  readonly platform: string;
  /** Only when set, so that other objects keep their fingerprints. */
  readonly sourceDateEpoch?: number;
}

export interface LinkInputs {
  readonly kind: 'link';
  readonly target: string;
  readonly type: string;
  readonly lang: string;
  readonly objects: readonly string[];
  /** [library key, fingerprint] in link order (the order matters to the linker). */
  readonly libraries: readonly (readonly [string, string])[];
  readonly ldflags: readonly string[];
  readonly libs: readonly string[];
  readonly soname: string | null;
  /** Only when set (below: outputNames), so configs without them keep their fingerprints. */
  readonly fileName?: string;
  readonly aliases?: readonly string[];
  /** Project files the link reads (project-relative) → content hash. */
  readonly files?: Readonly<Record<string, string>>;
  /** Only for links that are not pinned (pinnedLinks.ts): their derivation names its inputs' outputs, not their derivations. */
  readonly inputsBy?: 'outputs';
  readonly toolchain: string;
  readonly template: string;
  readonly platform: string;
}

export interface GenerateInputs {
  readonly kind: 'generate';
  readonly generator: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly outputs: readonly string[];
  readonly stdout: string | null;
  /** Project files it reads (project-relative) → content hash. */
  readonly files: Readonly<Record<string, string>>;
  /** [output of another generator it reads, that generator's fingerprint]. */
  readonly generated: readonly (readonly [string, string])[];
  /** [tool's link key, its fingerprint]. */
  readonly tools: readonly (readonly [string, string])[];
  readonly toolchain: string;
  readonly template: string;
  readonly platform: string;
}

export type NodeInputs = ObjectInputs | LinkInputs | GenerateInputs;

export interface Fingerprinted {
  readonly fingerprint: Fingerprint;
  readonly inputs: NodeInputs;
  /** canonicalJson(inputs), stored in the memo to explain the next rebuild. */
  readonly inputsJson: string;
}

export interface FingerprintContext {
  readonly toolchainId: string;
  readonly templateHash: string;
  readonly platform: string;
  /** Content hash of an absolute path; undefined if the file vanished. */
  hashOf(absPath: string): ContentHash | undefined;
  /** The same for a project-relative path (memoised: headers are shared by many TUs). */
  hashOfRel(rel: string): ContentHash | undefined;
  /** closureDigest of a TU's closure; by default computed here from the hashes above. */
  closureDigest?(c: TuClosure): string;
  /**
   * An object's fingerprint known already for this closure digest (the
   * baseline's, when nothing else its fingerprint covers changed since), so
   * it is not hashed again; undefined: compute it.
   */
  knownObjectFingerprint?(objectKey: string, closureDigest: string): Fingerprint | undefined;
}

const MISSING = 'missing';

/**
 * `compact` is what is hashed; `inputs` (an object's per-header tables) and
 * `inputsJson` are made only when asked for, i.e. for nodes that are built
 * (for their rebuild reasons and their memo entry), so a no-op builds no
 * tables at all. They are made again each time rather than kept: a clean
 * build of 10,000 objects would otherwise hold every table until it ends.
 */
function record(compact: unknown, makeInputs: () => NodeInputs, known?: Fingerprint): Fingerprinted {
  return {
    fingerprint: known ?? fingerprintOf(compact),
    get inputs(): NodeInputs {
      return makeInputs();
    },
    get inputsJson(): string {
      return canonicalJson(makeInputs());
    },
  };
}

/** `known`: fingerprints of objects of this graph made already with the same context, reused. */
export function fingerprintGraph(graph: BuildGraph, ctx: FingerprintContext, known: ReadonlyMap<string, Fingerprinted> = new Map()): Map<string, Fingerprinted> {
  const out = new Map<string, Fingerprinted>();
  const hash = (abs: string): string => ctx.hashOf(abs) ?? MISSING;
  const rel = (r: string): string => ctx.hashOfRel(r) ?? MISSING;
  // Most TUs read the same system headers (one shared list per distinct set, see ClosureCache.intern).
  const systems = new Map<readonly string[], string>();
  const digestOf = ctx.closureDigest
    ?? ((c: TuClosure): string => {
      let sys = systems.get(c.system);
      if (sys === undefined) systems.set(c.system, (sys = systemDigest(c.system, ctx.hashOf)));
      return closureDigest(c, ctx.hashOfRel, sys);
    });
  for (const o of graph.objects.values()) {
    const made = known.get(o.key);
    if (made) {
      out.set(o.key, made);
      continue;
    }
    const settings = {
      kind: 'object' as const,
      tu: o.tu,
      lang: o.lang,
      flags: o.flags,
      toolchain: ctx.toolchainId,
      template: ctx.templateHash,
      platform: ctx.platform,
      ...(o.sourceDateEpoch === undefined ? {} : { sourceDateEpoch: o.sourceDateEpoch }),
    };
    // The closure digest covers the TU's, every header's and every system header's content.
    const digest = digestOf(o.closure);
    out.set(o.key, record({ ...settings, closure: digest }, () => {
      const headers: Record<string, string> = {};
      for (const h of o.closure.headers) headers[h] = rel(h);
      const system: Record<string, string> = {};
      for (const s of o.closure.system) system[s] = hash(s);
      return { ...settings, source: rel(o.tu), headers, system };
    }, ctx.knownObjectFingerprint?.(o.key, digest)));
  }
  // Generators' fingerprints come after their tools' links (below).
  const generateInputs = (key: string): GenerateInputs | undefined => {
    const g = graph.generators.get(key);
    if (!g) return undefined;
    const fp = (k: string): string => out.get(k)?.fingerprint ?? MISSING;
    return {
      kind: 'generate',
      generator: g.generator,
      command: g.command,
      env: g.env,
      outputs: g.outputs,
      stdout: g.stdout ?? null,
      files: Object.fromEntries(g.inputs.map((f) => [f, rel(f)])),
      generated: g.generated.map(([r, k]) => [r, fp(k)] as const),
      tools: g.tools.map((k) => [k, fp(k)] as const),
      toolchain: ctx.toolchainId,
      template: ctx.templateHash,
      platform: ctx.platform,
    };
  };
  const pinned = pinnedLinks(graph);
  for (const name of graph.targetOrder) {
    const l = graph.links.get(`link:${name}`);
    if (!l) continue;
    const fp = (key: string): string => out.get(key)?.fingerprint ?? MISSING;
    const libraries = l.libraries.map((lib) => [lib, fp(lib)] as const);
    const inputs: LinkInputs = {
      kind: 'link',
      target: l.target,
      type: l.type,
      lang: l.lang,
      objects: l.objects.map(fp),
      libraries,
      ldflags: l.ldflags,
      libs: l.libs,
      soname: l.soname ?? null,
      ...outputNames(l, rel),
      ...(pinned.has(l.key) ? {} : { inputsBy: 'outputs' as const }),
      toolchain: ctx.toolchainId,
      template: ctx.templateHash,
      platform: ctx.platform,
    };
    out.set(l.key, record(inputs, () => inputs));
  }
  for (const key of graph.generators.keys()) {
    const inputs = generateInputs(key) as GenerateInputs;
    out.set(key, record(inputs, () => inputs));
  }
  return out;
}

/**
 * The key of a generator's result: its settings and files, plus the NAR
 * hashes of what it runs and reads from other nodes (tools' outputs,
 * other generators' outputs) instead of their fingerprints. A tool
 * relinked to the same bytes leaves it unchanged (early cutoff).
 */
export function generateResultKey(inputs: GenerateInputs, generatedOuts: readonly string[], toolOuts: readonly string[]): Fingerprint {
  const { generated: _generated, tools: _tools, ...settings } = inputs;
  return fingerprintOf({ ...settings, kind: 'generate-result', generatedOuts, toolOuts });
}

/**
 * What only links with `fileName`, `aliases` or `linkInputs` have: absent
 * otherwise, so that the links of configs without them keep their
 * fingerprints.
 */
function outputNames(l: LinkNode, rel: (r: string) => string): Partial<Pick<LinkInputs, 'fileName' | 'aliases' | 'files'>> {
  return {
    ...(l.fileName !== undefined ? { fileName: l.fileName } : {}),
    ...(l.aliases.length > 0 ? { aliases: l.aliases } : {}),
    ...(l.inputs.length > 0 ? { files: Object.fromEntries(l.inputs.map((f) => [f, rel(f)])) } : {}),
  };
}

/**
 * The key of a link's result: its own settings plus what it links, in link
 * order: each object's NAR hash, each archive's NAR hash, and each shared
 * library's output path and NAR hash (its path is written into what links
 * it). A recompiled object with the same bytes leaves the key unchanged, so
 * the previous link output is still right (early cutoff).
 */
export function linkResultKey(inputs: LinkInputs, objectOuts: readonly string[], libraryOuts: readonly string[]): Fingerprint {
  const { objects: _objects, libraries: _libraries, ...settings } = inputs;
  return fingerprintOf({ ...settings, kind: 'link-result', objectOuts, libraryOuts });
}
