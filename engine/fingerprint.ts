/**
 * fingerprint: each node's canonical input record and its hash.
 *
 * An object's record holds the TU's hash, the hashes of every header in its
 * closure (project and system), its flags, its language, the toolchain
 * identity, the templates' hash and the platform. A link's record holds its
 * objects' and libraries' fingerprints and its own flags. Equal records mean
 * equal derivations. Pure: hashes come from the `hashOf` it is given.
 */
import path from 'node:path';
import type { ContentHash, Fingerprint } from '../cache/hashes.js';
import { canonicalJson, fingerprintOf } from '../cache/hashes.js';
import type { BuildGraph } from './BuildGraph.js';

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
}

export interface LinkInputs {
  readonly kind: 'link';
  readonly target: string;
  readonly type: string;
  readonly lang: string;
  readonly objects: readonly string[];
  readonly libraries: Readonly<Record<string, string>>;
  readonly ldflags: readonly string[];
  readonly libs: readonly string[];
  readonly soname: string | null;
  readonly toolchain: string;
  readonly template: string;
  readonly platform: string;
}

export type NodeInputs = ObjectInputs | LinkInputs;

export interface Fingerprinted {
  readonly fingerprint: Fingerprint;
  readonly inputs: NodeInputs;
  /** canonicalJson(inputs), stored in the memo to explain the next rebuild. */
  readonly inputsJson: string;
}

export interface FingerprintContext {
  readonly root: string;
  readonly toolchainId: string;
  readonly templateHash: string;
  readonly platform: string;
  /** Content hash of an absolute path; undefined if the file vanished. */
  hashOf(absPath: string): ContentHash | undefined;
}

const MISSING = 'missing';

function record(inputs: NodeInputs): Fingerprinted {
  const inputsJson = canonicalJson(inputs);
  return { fingerprint: fingerprintOf(inputs), inputs, inputsJson };
}

export function fingerprintGraph(graph: BuildGraph, ctx: FingerprintContext): Map<string, Fingerprinted> {
  const out = new Map<string, Fingerprinted>();
  const hash = (abs: string): string => ctx.hashOf(abs) ?? MISSING;
  for (const o of graph.objects.values()) {
    const headers: Record<string, string> = {};
    for (const h of o.closure.headers) headers[h] = hash(path.join(ctx.root, h));
    const system: Record<string, string> = {};
    for (const s of o.closure.system) system[s] = hash(s);
    out.set(o.key, record({
      kind: 'object',
      tu: o.tu,
      source: hash(path.join(ctx.root, o.tu)),
      headers,
      system,
      lang: o.lang,
      flags: o.flags,
      toolchain: ctx.toolchainId,
      template: ctx.templateHash,
      platform: ctx.platform,
    }));
  }
  for (const name of graph.targetOrder) {
    const l = graph.links.get(`link:${name}`);
    if (!l) continue;
    const fp = (key: string): string => out.get(key)?.fingerprint ?? MISSING;
    const libraries: Record<string, string> = {};
    for (const lib of l.libraries) libraries[lib] = fp(lib);
    out.set(l.key, record({
      kind: 'link',
      target: l.target,
      type: l.type,
      lang: l.lang,
      objects: l.objects.map(fp),
      libraries,
      ldflags: l.ldflags,
      libs: l.libs,
      soname: l.soname ?? null,
      toolchain: ctx.toolchainId,
      template: ctx.templateHash,
      platform: ctx.platform,
    }));
  }
  return out;
}

/**
 * The key of a link's result: its own settings plus the output paths of the
 * objects and libraries it links. Objects are content-addressed, so a
 * recompiled object with the same bytes has the same path, and an unchanged
 * result key means the previous link output is still right (early cutoff).
 */
export function linkResultKey(inputs: LinkInputs, objectOuts: readonly string[], libraryOuts: Readonly<Record<string, string>>): Fingerprint {
  const { objects: _objects, libraries: _libraries, ...settings } = inputs;
  return fingerprintOf({ ...settings, kind: 'link-result', objectOuts, libraryOuts });
}
