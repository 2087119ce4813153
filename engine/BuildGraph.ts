/**
 * BuildGraph: the nodes of a build — one object per (target, translation
 * unit) and one link per target — with everything that decides their
 * outputs. `buildGraph` makes it from the config, the expanded sources and
 * the include closures; it is pure and touches neither disk nor Nix.
 */
import path from 'node:path';
import type { Config, TargetConfig, TargetType } from '../config/Config.js';
import type { Language } from '../analyzers/language.js';
import { languageOf } from '../analyzers/language.js';
import type { TuClosure } from '../analyzers/includeClosure.js';
import { compileFlags } from '../config/compileFlags.js';
import { linkKey, objectKey } from '../core/nodeKeys.js';

export interface ObjectNode {
  readonly kind: 'object';
  readonly key: string;
  readonly target: string;
  /** Project-relative path of the translation unit. */
  readonly tu: string;
  readonly lang: Language;
  /** Compiler arguments apart from -c, -o and the source. */
  readonly flags: readonly string[];
  readonly closure: TuClosure;
  /** Store name of the derivation. */
  readonly name: string;
  /** The config's `sourceDateEpoch`, when set: SOURCE_DATE_EPOCH of the compile. */
  readonly sourceDateEpoch?: number | undefined;
}

export interface LinkNode {
  readonly kind: 'link';
  readonly key: string;
  readonly target: string;
  readonly type: TargetType;
  readonly lang: Language;
  /** Object node keys, in source order. */
  readonly objects: readonly string[];
  /** Link keys of the libraries linked in, dependents before dependencies (empty for static libraries). */
  readonly libraries: readonly string[];
  readonly ldflags: readonly string[];
  readonly libs: readonly string[];
  /** shared-library only: its soname, or undefined for lib<target>.so. */
  readonly soname: string | undefined;
  /** The output file's name (`fileName`), or undefined for `<target>`, `lib<target>.a`, `lib<target>.so`. */
  readonly fileName: string | undefined;
  /** executable only: other names of the program. */
  readonly aliases: readonly string[];
  /** Project files the link reads (version and linker scripts), project-relative. */
  readonly inputs: readonly string[];
}

export type BuildNode = ObjectNode | LinkNode;

export interface BuildGraph {
  readonly objects: ReadonlyMap<string, ObjectNode>;
  readonly links: ReadonlyMap<string, LinkNode>;
  /** Targets in dependency order (a library before what links it). */
  readonly targetOrder: readonly string[];
}

export { linkKey, objectKey } from '../core/nodeKeys.js';
export { compileFlags } from '../config/compileFlags.js';

/** A Nix store name: [A-Za-z0-9+-._?=], not starting with a dot, at most 211 bytes. */
export function storeName(s: string): string {
  let n = s.replace(/[^A-Za-z0-9+\-._?=]/g, '_');
  if (n.startsWith('.') || n === '') n = `_${n}`;
  return n.slice(0, 200);
}

/** Targets in dependency order; the config parser has already ruled out cycles. */
export function targetOrder(config: Config): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of config.targets.get(name)?.deps ?? []) visit(dep);
    order.push(name);
  };
  for (const name of [...config.targets.keys()].sort()) visit(name);
  return order;
}

/** Libraries a target links, transitively, each before the libraries it depends on. */
function linkedLibraries(config: Config, name: string): string[] {
  const post: string[] = [];
  const seen = new Set<string>();
  // Reverse post-order over reversed deps: every library before what it depends
  // on, and otherwise in the order `deps` lists them (the order a user wrote).
  const visit = (n: string): void => {
    for (const dep of [...(config.targets.get(n)?.deps ?? [])].reverse()) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      visit(dep);
      post.push(dep);
    }
  };
  visit(name);
  return post.reverse();
}

/** Keeps the last occurrence of each item: a library must come after everything that uses it. */
function dedupeKeepLast<T>(items: readonly T[]): T[] {
  const last = new Map<T, number>();
  items.forEach((it, i) => last.set(it, i));
  return items.filter((it, i) => last.get(it) === i);
}

export function buildGraph(
  config: Config,
  sources: ReadonlyMap<string, readonly string[]>,
  closures: ReadonlyMap<string, TuClosure>,
): BuildGraph {
  const objects = new Map<string, ObjectNode>();
  const links = new Map<string, LinkNode>();
  const langOfTarget = new Map<string, Language>();
  const order = targetOrder(config);
  for (const name of order) {
    const t = config.targets.get(name) as TargetConfig;
    const keys: string[] = [];
    let lang: Language = 'c';
    for (const tu of sources.get(name) ?? []) {
      const l = languageOf(tu) as Language;
      if (l === 'c++') lang = 'c++';
      const key = objectKey(name, tu);
      const closure = closures.get(key);
      if (!closure) throw new Error(`internal: no include closure for ${key}`);
      objects.set(key, { kind: 'object', key, target: name, tu, lang: l, flags: compileFlags(config, t, l, tu), closure, name: storeName(`${tu.slice(tu.lastIndexOf('/') + 1)}.o`), ...(config.sourceDateEpoch === undefined ? {} : { sourceDateEpoch: config.sourceDateEpoch }) });
      keys.push(key);
    }
    const libs = t.type === 'static-library' ? [] : linkedLibraries(config, name);
    // C++ anywhere in what gets linked means linking with the C++ driver.
    for (const l of libs) if (langOfTarget.get(l) === 'c++') lang = 'c++';
    langOfTarget.set(name, lang);
    const libTargets = [name, ...libs].map((n) => config.targets.get(n) as TargetConfig);
    links.set(linkKey(name), {
      kind: 'link',
      key: linkKey(name),
      target: name,
      type: t.type,
      lang,
      objects: keys,
      libraries: libs.map(linkKey),
      ldflags: [...config.defaults.ldflags, ...t.ldflags],
      libs: t.type === 'static-library' ? [] : dedupeKeepLast([...libTargets.flatMap((lt) => lt.libs), ...config.defaults.libs]),
      soname: t.soname,
      fileName: t.fileName,
      aliases: t.aliases,
      inputs: [...new Set(t.linkInputs.map((f) => path.posix.normalize(f)))].sort(),
    });
  }
  return { objects, links, targetOrder: order };
}
