/**
 * execute: carries out a plan through the daemon. Each planned node runs in
 * a job slot (p-queue, `jobs` at a time) as soon as the nodes it needs are
 * done: its input files are added to the store (SourceUploader: the bytes
 * hashed are the bytes stored), its derivation is written (derivations.ts,
 * input-addressed), built, and its output's NAR hash is read back.
 *
 * Early cutoff lives here, not in Nix: before a link is written, its result
 * key (its settings plus the NAR hashes of the objects and libraries it
 * links, see `linkResultKey`) is looked up in the memo; if an output for it
 * still exists, that output is reused and nothing is submitted. A comment
 * edit thus compiles one object and relinks nothing.
 *
 * Order of writes, so that a crash at any moment leaves nothing wrong: Nix
 * builds the output; GC roots are registered for the output and its
 * derivation; then the memo records the node (one transaction); then, for a
 * link, `result-<target>` is replaced. A failed node records nothing and
 * leaves old links alone. It does not decide what is stale (plan does).
 */
import fs from 'node:fs';
import type { Fingerprint } from '../cache/hashes.js';
import type { MemoStore, NodeRecord } from '../cache/Memo.js';
import { makeInputAddressedDerivation } from '../store/derivation.js';
import type { NixStore } from '../store/NixStore.js';
import { NixCommandError } from '../store/NixStore.js';
import type { Toolchain } from '../toolchain/Toolchain.js';
import { sha256, canonicalJson } from '../cache/hashes.js';
import type { BuildGraph, LinkNode, ObjectNode } from './BuildGraph.js';
import { ensureBuilder } from './builderHelper.js';
import type { DerivationSpec, DrvRef, LinkedLibrary } from './derivations.js';
import { linkDerivation, objectDerivation } from './derivations.js';
import type { EventSink, NodeTimings } from './events.js';
import { linkResultKey } from './fingerprint.js';
import type { Plan, PlannedNode } from './plan.js';
import type { ProjectFiles } from './ProjectFiles.js';
import { FileChangedError, SourceUploader } from './SourceUploader.js';

export interface ExecuteOptions {
  readonly jobs: number;
  readonly keepGoing: boolean;
  readonly signal: AbortSignal;
}

export interface ExecuteDeps {
  readonly store: NixStore;
  readonly memo: Pick<MemoStore, 'recordBuilt' | 'getNode'>;
  readonly files: ProjectFiles;
  readonly toolchain: Toolchain;
  readonly emit: EventSink;
  /** The content hash the plan used for a project-relative path. */
  readonly hashOfRel: (rel: string) => string | undefined;
}

export interface ExecuteResult {
  objectsBuilt: number;
  linksBuilt: number;
  /** Links not rebuilt because the outputs they link did not change. */
  cutOff: number;
  failed: number;
  submitted: number;
  interrupted: boolean;
  /** Seconds summed over nodes, per phase. */
  phases: { inputs: number; derivations: number; queued: number; building: number; running: number };
}

type Outcome = 'ok' | 'failed' | 'skipped';

/** A test hook: hold the first node this long between writing its derivation and building it (a collection runs in that window). */
const TEST_PAUSE_MS = Number(process.env['NIXMAKE_TEST_PAUSE_BEFORE_BUILD_MS'] ?? 0);

export function labelOf(p: PlannedNode['node']): string {
  return p.kind === 'object' ? p.tu : p.target;
}

/** Build logs name sandbox paths; users know their project-relative ones. */
export function cleanLog(log: string): string {
  return log.replace(/\/build\/src\//g, '').replace(/\/build\//g, '');
}

/**
 * A link's log names its objects by the builder's links (`objs/<k>/<name>`)
 * and its libraries by store paths; users know them as `src/x.c.o` and as
 * targets (`[lib greet]`).
 */
export function linkLogNames(log: string, node: LinkNode, graph: BuildGraph, records: ReadonlyMap<string, NodeRecord>): string {
  let out = log.replace(/\bobjs\/(\d+)\/[^\s:'"`)]+/g, (m: string, k: string) => {
    const tu = graph.objects.get(node.objects[Number(k)] ?? '')?.tu;
    return tu === undefined ? m : `${tu}.o`;
  });
  for (const key of node.libraries) {
    const rec = records.get(key);
    const target = graph.links.get(key)?.target;
    if (rec && target !== undefined) out = out.split(`${rec.out}/lib/`).join(`[lib ${target}]/`);
  }
  return out;
}

/** What a link needs to know of a library: how it is linked decides what its result key holds. */
function outputIdentity(type: string | undefined, rec: NodeRecord): string {
  // A shared library's path is written into what links it (rpath); an object's or archive's is not.
  return type === 'shared-library' ? `${rec.out}:${rec.narHash}` : rec.narHash;
}

export function nothingExecuted(): ExecuteResult {
  return {
    objectsBuilt: 0,
    linksBuilt: 0,
    cutOff: 0,
    failed: 0,
    submitted: 0,
    interrupted: false,
    phases: { inputs: 0, derivations: 0, queued: 0, building: 0, running: 0 },
  };
}

export async function execute(plan: Plan, graph: BuildGraph, deps: ExecuteDeps, opts: ExecuteOptions): Promise<ExecuteResult> {
  const result = nothingExecuted();
  if (plan.build.length === 0) return result;
  const { store, memo, files, emit, toolchain } = deps;
  fs.mkdirSync(files.rootsDir, { recursive: true });
  const builder = await ensureBuilder(store, toolchain, files.builderRoot, opts.signal);
  const uploader = new SourceUploader(files.root, store, deps.hashOfRel);

  // Loaded here, not at start-up: a no-op build never schedules anything.
  const { default: PQueue } = await import('p-queue');
  const queue = new PQueue({ concurrency: Math.max(1, opts.jobs) });
  const outcomes = new Map<string, Promise<Outcome>>();
  /** The record of every node built, reused or up to date. */
  const records = new Map<string, NodeRecord>(plan.upToDate.map((u) => [u.node.key, u.record]));
  const total = plan.build.length;
  let started = 0;
  let stopping = false;
  let paused = false;

  const recordOf = (key: string): NodeRecord => {
    const r = records.get(key);
    if (!r) throw new Error(`internal error: ${key} has no output`);
    return r;
  };
  const refOf = (key: string): DrvRef => {
    const r = recordOf(key);
    return { drvPath: r.drv, hashModulo: r.drvHash, out: r.out };
  };

  /** Writes a derivation; the daemon's path must be the one computed here. */
  const writeDerivation = async (spec: DerivationSpec): Promise<{ drvPath: string; out: string; hashModulo: string }> => {
    const d = makeInputAddressedDerivation(spec);
    const drvPath = await store.addText(`${spec.name}.drv`, d.text, [...spec.inputSrcs, ...Object.keys(spec.inputDrvs)]);
    if (drvPath !== d.drvPath) throw new NixCommandError(`internal error: the daemon stored ${spec.name}.drv at ${drvPath}, nixmake computed ${d.drvPath}`);
    return { drvPath, out: d.outputs['out'] as string, hashModulo: d.hashModulo };
  };

  const finish = async (item: PlannedNode, rec: NodeRecord, aliases: readonly Fingerprint[]): Promise<void> => {
    const { node } = item;
    records.set(node.key, rec);
    await keepRoot(store, files, node.key, rec);
    memo.recordBuilt(node.key, item.fp.fingerprint, rec, item.fp.inputsJson, aliases);
    if (node.kind === 'link') {
      const link = files.resultLink(node.target);
      files.setLink(link, rec.out);
      emit({ event: 'result-link', target: node.target, path: link, out: rec.out });
    }
  };

  const objectSpec = async (node: ObjectNode, item: PlannedNode): Promise<DerivationSpec> => {
    const rels = [node.tu, ...node.closure.headers];
    const paths = await Promise.all(rels.map((r) => uploader.pathOf(r)));
    const inputs = new Map(rels.map((r, i) => [r, paths[i] as string]));
    const system = item.fp.inputs.kind === 'object' ? item.fp.inputs.system : {};
    return objectDerivation(node, inputs, builder, toolchain, sha256(canonicalJson(system)));
  };

  const linkInputs = (node: LinkNode): { objects: DrvRef[]; libraries: LinkedLibrary[]; key: (fpInputs: PlannedNode['fp']['inputs']) => Fingerprint | undefined } => {
    const objects = node.objects.map(refOf);
    const libraries = node.libraries.map((k) => {
      const lib = graph.links.get(k);
      return { ref: refOf(k), type: lib?.type ?? 'static-library', target: lib?.target ?? k };
    });
    const key = (inputs: PlannedNode['fp']['inputs']): Fingerprint | undefined =>
      inputs.kind !== 'link'
        ? undefined
        : linkResultKey(
            inputs,
            node.objects.map((k) => recordOf(k).narHash),
            node.libraries.map((k) => outputIdentity(graph.links.get(k)?.type, recordOf(k))),
          );
    return { objects, libraries, key };
  };

  /**
   * A node that throws (the daemon went away, a root could not be made) fails
   * like a failed build and stops the build; it never abandons the nodes
   * still running, which must finish before the memo is closed.
   */
  const run = async (item: PlannedNode, readyAt: number): Promise<Outcome> => {
    try {
      return await attempt(item, readyAt);
    } catch (err) {
      result.failed++;
      if (!(err instanceof FileChangedError) || !opts.keepGoing) stopping = true;
      const { node } = item;
      emit({ event: 'node-failed', node: node.key, kind: node.kind, label: labelOf(node), message: (err as Error).message, log: '' });
      return 'failed';
    }
  };

  const attempt = async (item: PlannedNode, readyAt: number): Promise<Outcome> => {
    const { node } = item;
    if (stopping || opts.signal.aborted) {
      emit({ event: 'node-skipped', node: node.key, because: opts.signal.aborted ? 'the build was interrupted' : 'the build stopped at a failure (use -k to keep going)' });
      return 'skipped';
    }
    const t0 = performance.now();
    const timings: NodeTimings = { queued: (t0 - readyAt) / 1000, inputs: 0, derivation: 0, building: 0, running: 0 };
    let spec: DerivationSpec;
    let resultKey: Fingerprint | undefined;
    if (node.kind === 'link') {
      const li = linkInputs(node);
      resultKey = li.key(item.fp.inputs);
      const previous = resultKey === undefined ? undefined : memo.getNode(resultKey);
      if (resultKey !== undefined && previous && fs.existsSync(previous.out)) {
        await finish(item, previous, [resultKey]);
        result.cutOff++;
        emit({ event: 'node-cutoff', node: node.key, label: labelOf(node), out: previous.out });
        return 'ok';
      }
      spec = linkDerivation(node, li.objects, li.libraries, builder, toolchain);
    } else {
      spec = await objectSpec(node, item);
    }
    const t1 = performance.now();
    timings.inputs = (t1 - t0) / 1000;
    const d = await writeDerivation(spec);
    const t2 = performance.now();
    timings.derivation = (t2 - t1) / 1000;
    emit({ event: 'node-started', node: node.key, kind: node.kind, label: labelOf(node), index: ++started, total, reason: item.reason });
    result.submitted++;
    if (TEST_PAUSE_MS > 0 && !paused) {
      paused = true;
      await new Promise((res) => setTimeout(res, TEST_PAUSE_MS));
    }
    const r = await store.build(d.drvPath, opts.signal);
    const t3 = performance.now();
    timings.building = (t3 - t2) / 1000;
    timings.running = (r.runMs ?? 0) / 1000;
    if (opts.signal.aborted) {
      result.interrupted = true;
      return 'skipped';
    }
    if (!r.ok) {
      result.failed++;
      if (!opts.keepGoing) stopping = true;
      const clean = node.kind === 'link' ? (t: string): string => linkLogNames(cleanLog(t), node, graph, records) : cleanLog;
      emit({ event: 'node-failed', node: node.key, kind: node.kind, label: labelOf(node), message: clean(r.message), log: clean(r.log) });
      return 'failed';
    }
    const info = await store.pathInfo(d.out);
    if (!info) throw new NixCommandError(`the daemon built ${d.drvPath} but its output ${d.out} is not valid`);
    await finish(item, { drv: d.drvPath, out: d.out, drvHash: d.hashModulo, narHash: info.narHashHex }, resultKey === undefined ? [] : [resultKey]);
    if (node.kind === 'object') result.objectsBuilt++;
    else result.linksBuilt++;
    result.phases.inputs += timings.inputs;
    result.phases.derivations += timings.derivation;
    result.phases.queued += timings.queued;
    result.phases.building += timings.building;
    result.phases.running += timings.running;
    emit({ event: 'node-built', node: node.key, kind: node.kind, drv: d.drvPath, out: d.out, seconds: (performance.now() - t0) / 1000, timings });
    return 'ok';
  };

  for (const item of plan.build) {
    const needs = item.node.kind === 'link' ? [...item.node.objects, ...item.node.libraries] : [];
    const waits = needs.flatMap((k) => {
      const o = outcomes.get(k);
      return o ? [{ key: k, outcome: o }] : [];
    });
    outcomes.set(item.node.key, (async (): Promise<Outcome> => {
      const before = await Promise.all(waits.map((w) => w.outcome));
      const bad = before.findIndex((o) => o !== 'ok');
      if (bad >= 0) {
        const dep = waits[bad]?.key ?? '';
        const label = graph.objects.get(dep)?.tu ?? graph.links.get(dep)?.target ?? dep;
        emit({ event: 'node-skipped', node: item.node.key, because: `${label} was not built` });
        return 'skipped';
      }
      const readyAt = performance.now();
      return (await queue.add(() => run(item, readyAt))) ?? 'skipped';
    })());
  }
  await Promise.all(outcomes.values());
  if (opts.signal.aborted) result.interrupted = true;
  return result;
}

/**
 * Points a node's GC roots at its output and its derivation, registering
 * them with Nix. (A link that exists is not trusted to be registered: a
 * project folder may have been copied or moved with its .nixmake.)
 */
export async function keepRoot(store: NixStore, files: ProjectFiles, nodeKey: string, rec: NodeRecord): Promise<void> {
  fs.mkdirSync(files.rootsDir, { recursive: true });
  const outRoot = files.gcRootFor(nodeKey);
  if (files.readLink(outRoot) !== rec.out) await store.addRoot(rec.out, outRoot);
  const drvRoot = files.drvRootFor(nodeKey);
  if (files.readLink(drvRoot) !== rec.drv) await store.addRoot(rec.drv, drvRoot);
}
