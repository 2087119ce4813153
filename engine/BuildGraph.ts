/**
 * BuildGraph: the nodes of a build — one generate node per generator,
 * one object per (target, translation unit) and one link per target — with
 * everything that decides their outputs. `buildGraph` makes it from the config, the expanded sources and
 * the include closures; it is pure and touches neither disk nor Nix.
 */
import path from 'node:path';
import type { Config, TargetConfig, TargetType } from '../config/Config.js';
import type { Language } from '../analyzers/language.js';
import { languageOf } from '../analyzers/language.js';
import type { TuClosure } from '../analyzers/includeClosure.js';
import { compileFlags, objectsOf } from '../config/compileFlags.js';
import { UserError } from '../core/Diagnostic.js';
import { generatorKey, linkKey, objectKey } from '../core/nodeKeys.js';
import type { GeneratorInputs } from '../config/expandGeneratorInputs.js';

export interface ObjectNode {
  readonly kind: 'object';
  readonly key: string;
  readonly target: string;
  /** Project-relative path of the translation unit. */
  readonly tu: string;
  /** The `perSource` variant this object is, or undefined for the TU's own object. */
  readonly variant?: string | undefined;
  readonly lang: Language;
  /** Compiler arguments apart from -c, -o and the source. */
  readonly flags: readonly string[];
  readonly closure: TuClosure;
  /** Store name of the derivation. */
  readonly name: string;
  /** The TU and headers of its closure that generators write: project-relative path → generate node key. */
  readonly generated: ReadonlyMap<string, string>;
  /** The config's `sourceDateEpoch`, when set: SOURCE_DATE_EPOCH of the compile. */
  readonly sourceDateEpoch?: number | undefined;
}

/** A command run as a derivation; its outputs are files of the project (see GeneratorConfig). */
export interface GenerateNode {
  readonly kind: 'generate';
  readonly key: string;
  readonly generator: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Project-relative, in the config's order. */
  readonly outputs: readonly string[];
  readonly stdout: string | undefined;
  /** Project files it reads, project-relative, sorted. */
  readonly inputs: readonly string[];
  /** Other generators' outputs it reads: [project-relative path, generate node key], sorted. */
  readonly generated: readonly (readonly [string, string])[];
  /** Link keys of the executable targets whose programs it runs. */
  readonly tools: readonly string[];
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

export type BuildNode = GenerateNode | ObjectNode | LinkNode;

export interface BuildGraph {
  /** Generators in dependency order (one after those whose outputs it reads). */
  readonly generators: ReadonlyMap<string, GenerateNode>;
  readonly objects: ReadonlyMap<string, ObjectNode>;
  readonly links: ReadonlyMap<string, LinkNode>;
  /** Targets in dependency order (a library before what links it). */
  readonly targetOrder: readonly string[];
}

export { generatorKey, linkKey, objectKey } from '../core/nodeKeys.js';
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

/** Generate nodes, each after the generators whose outputs it reads (the config parser ruled out cycles). */
function generateNodes(config: Config, inputs: ReadonlyMap<string, GeneratorInputs>): Map<string, GenerateNode> {
  const nodes = new Map<string, GenerateNode>();
  const visit = (name: string): void => {
    const key = generatorKey(name);
    const g = config.generators.get(name);
    if (nodes.has(key) || !g) return;
    const ins = inputs.get(name) ?? { files: [], generated: [] };
    for (const [, by] of ins.generated) visit(by);
    nodes.set(key, {
      kind: 'generate',
      key,
      generator: name,
      command: g.command,
      env: g.env,
      outputs: g.outputs,
      stdout: g.stdout,
      inputs: ins.files,
      generated: ins.generated.map(([rel, by]) => [rel, generatorKey(by)] as const),
      tools: g.tools.map(linkKey),
    });
  };
  for (const name of [...config.generators.keys()].sort()) visit(name);
  return nodes;
}

/** Generators' outputs: project-relative path → the key of the generate node that writes it. */
export function outputWriters(config: Config): Map<string, string> {
  const writer = new Map<string, string>();
  for (const g of config.generators.values()) for (const o of g.outputs) writer.set(o, generatorKey(g.name));
  return writer;
}

/**
 * The object node of one TU of target `t` (or of its perSource `variant`),
 * given its closure and the generators' outputs (outputWriters).
 */
export function objectNode(config: Config, t: TargetConfig, tu: string, closure: TuClosure, writer: ReadonlyMap<string, string>, variant?: string): ObjectNode {
  const lang = languageOf(tu) as Language;
  const generated = new Map<string, string>();
  for (const rel of [tu, ...closure.headers]) {
    const by = writer.get(rel);
    if (by !== undefined) generated.set(rel, by);
  }
  return {
    kind: 'object',
    key: objectKey(t.name, tu, variant),
    target: t.name,
    tu,
    ...(variant === undefined ? {} : { variant }),
    lang,
    flags: compileFlags(config, t, lang, tu, variant),
    closure,
    name: storeName(`${tu.slice(tu.lastIndexOf('/') + 1)}${variant === undefined ? '' : `-${variant}`}.o`),
    generated,
    ...(config.sourceDateEpoch === undefined ? {} : { sourceDateEpoch: config.sourceDateEpoch }),
  };
}

/**
 * `generatorInputs` (expandGeneratorInputs) for the generators of
 * `config.generators` that this graph holds: empty for none. `known`:
 * object nodes made already (objectNode, for these very closures), reused.
 */
export function buildGraph(
  config: Config,
  sources: ReadonlyMap<string, readonly string[]>,
  closures: ReadonlyMap<string, TuClosure>,
  generatorInputs: ReadonlyMap<string, GeneratorInputs> = new Map(),
  known: ReadonlyMap<string, ObjectNode> = new Map(),
): BuildGraph {
  const generators = generateNodes(config, generatorInputs);
  const writer = outputWriters(config);
  const objects = new Map<string, ObjectNode>();
  const links = new Map<string, LinkNode>();
  const langOfTarget = new Map<string, Language>();
  const order = targetOrder(config);
  for (const name of order) {
    const t = config.targets.get(name) as TargetConfig;
    const keys: string[] = [];
    let lang: Language = 'c';
    // Each TU's object, then its variants' (perSource `variant`), each linked.
    for (const { tu, variant } of objectsOf(config, t, sources.get(name) ?? [])) {
      const l = languageOf(tu) as Language;
      if (l === 'c++') lang = 'c++';
      const key = objectKey(name, tu, variant);
      const closure = closures.get(key);
      if (!closure) throw new Error(`internal: no include closure for ${key}`);
      const made = known.get(key);
      objects.set(key, made?.closure === closure ? made : objectNode(config, t, tu, closure, writer, variant));
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
  return { generators, objects, links, targetOrder: order };
}

/** What a node needs built before it: a generator's tools and generators, an object's generators, a link's objects and libraries. */
export function dependenciesOf(node: BuildNode): readonly string[] {
  switch (node.kind) {
    case 'generate':
      return [...node.tools, ...node.generated.map(([, k]) => k)];
    case 'object':
      return [...new Set(node.generated.values())];
    case 'link':
      return [...node.objects, ...node.libraries];
  }
}

/**
 * Every node, each after what it needs (objects in their targets' order,
 * then links in dependency order, with generators and their tools pulled
 * ahead where needed). A cycle (a generator running a tool that reads the
 * generator's own output) is a UserError naming it.
 */
export function nodesInOrder(graph: BuildGraph): BuildNode[] {
  const byKey = (k: string): BuildNode | undefined => graph.objects.get(k) ?? graph.links.get(k) ?? graph.generators.get(k);
  const order: BuildNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: BuildNode, trail: readonly string[]): void => {
    const s = state.get(node.key);
    if (s === 'done') return;
    if (s === 'visiting') throw new UserError(`cycle between build nodes: ${[...trail.slice(trail.indexOf(node.key)), node.key].join(' -> ')} (a generator's tool may not read that generator's outputs)`);
    state.set(node.key, 'visiting');
    for (const d of dependenciesOf(node)) {
      const dn = byKey(d);
      if (dn) visit(dn, [...trail, node.key]);
    }
    state.set(node.key, 'done');
    order.push(node);
  };
  for (const g of graph.generators.values()) visit(g, []);
  for (const o of graph.objects.values()) visit(o, []);
  for (const t of graph.targetOrder) {
    const l = graph.links.get(linkKey(t));
    if (l) visit(l, []);
  }
  return order;
}
