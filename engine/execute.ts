/**
 * execute: carries out a plan through the daemon (an `Executor` may start
 * objects before the plan exists: see `startEarly`). An object first has its
 * input files added to the store (SourceUploader: the bytes hashed are the
 * bytes stored) and its derivation written (derivations.ts, input-addressed),
 * ahead of the job slots (two at a time); then it takes a slot (p-queue,
 * `jobs` at a time) to be built, and its output's NAR hash is read back. A
 * link takes a slot as soon as what it links is done, and writes its
 * derivation there; so does a generator (its input files added first), once
 * its tools are linked and the generators it reads are done. An object
 * reading a generator's output waits for that generator.
 *
 * Early cutoff lives here, not in Nix: before a link is written, its result
 * key (its settings plus the NAR hashes of the objects and libraries it
 * links, see `linkResultKey`) is looked up in the memo; if an output for it
 * still exists, that output is reused and nothing is submitted. A comment
 * edit thus compiles one object and relinks nothing. A generator is looked
 * up the same way by its result key (`generateResultKey`: its tools' and
 * input generators' NAR hashes).
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
import type { BuildGraph, GenerateNode, LinkNode, ObjectNode } from './BuildGraph.js';
import { dependenciesOf } from './BuildGraph.js';
import { ensureBuilder } from './builderHelper.js';
import type { DerivationSpec, DrvRef, LinkedLibrary } from './derivations.js';
import { generatorDerivation, linkDerivation, objectDerivation } from './derivations.js';
import type { BuildEvent, EventSink, NodeTimings } from './events.js';
import { generateResultKey, linkResultKey } from './fingerprint.js';
import type { Plan, PlannedNode } from './plan.js';
import type { ProjectFiles } from './ProjectFiles.js';
import { environmentFault, faultDiagnostic } from './faults.js';
import { FileChangedError, OutsideProjectError, SourceUploader } from './SourceUploader.js';

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
  /** Folders outside the project whose files may enter the store (the config's `externalDirs`). */
  readonly externalDirs: readonly string[];
  /** The GC roots folder is as the last silent build left it (engine/Baseline.ts): roots that name the builder helper are taken as they are. */
  readonly rootsTrusted?: boolean;
}

export interface ExecuteResult {
  generatorsBuilt: number;
  objectsBuilt: number;
  linksBuilt: number;
  /** Links not rebuilt because the outputs they link did not change. */
  cutOff: number;
  /** Objects and links the daemon fetched from a substituter (a binary cache) instead of building. */
  substituted: number;
  /** Of the nodes built, those a remote builder built. */
  builtRemotely: number;
  failed: number;
  submitted: number;
  interrupted: boolean;
  /** Seconds summed over nodes, per phase. */
  phases: { inputs: number; derivations: number; queued: number; building: number; running: number };
}

type Outcome = 'ok' | 'failed' | 'skipped';

/** A node's derivation, written, and what writing it cost. */
interface Prepared {
  readonly d: { readonly drvPath: string; readonly out: string; readonly hashModulo: string };
  readonly inputs: number;
  readonly derivation: number;
  /** When it became ready to build (performance.now()). */
  readonly readyAt: number;
}

/** A test hook: hold the first node this long between writing its derivation and building it (a collection runs in that window). */
const TEST_PAUSE_MS = Number(process.env['NIXMAKE_TEST_PAUSE_BEFORE_BUILD_MS'] ?? 0);

export function labelOf(p: PlannedNode['node']): string {
  if (p.kind === 'object') return p.variant === undefined ? p.tu : `${p.tu} (${p.variant})`;
  return p.kind === 'link' ? p.target : p.generator;
}

/**
 * Build logs name sandbox paths; users know their project-relative ones.
 * GCC's hyperlinks on option names (OSC 8: `ESC ]8;;URL BEL text ESC ]8;; BEL`) keep their text.
 */
export function cleanLog(log: string): string {
  return log.replace(/\x1b\]8;[^\x07\x1b]*(?:\x07|\x1b\\)/g, '').replace(/\/build\/src\//g, '').replace(/\/dev\/shm\/nixmake\//g, '').replace(/\/build\//g, '');
}

/** A tool named by its store path (`/nix/store/…-gcc/bin/../lib/…/ld: …`) is named by its name (`ld: …`). */
export function toolNames(log: string): string {
  return log.replace(/\/nix\/store\/[0-9a-z]{32}-[^/\s]+\/(?:[^\s:]*\/)?([^/\s:]+):/g, '$1:');
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

/** What Nix 2.8 says (warn) when a substituter has the path but no signature by a trusted key (substitution-goal.cc). */
const SUBSTITUTE_REFUSED = /does not have a valid signature|not signed by any of the keys/i;

/** Why a node was compiled although a binary cache had it. */
export function substituteRefused(label: string, daemonMessage: string): string {
  return (
    `${label} was built here, not fetched: the Nix daemon said "${daemonMessage.replace(/^warning:\s*/, '')}". ` +
    'Pass the public key of the key that signed the cache with --option trusted-public-keys KEY (nixmake push prints it); said once per build'
  );
}

export function nothingExecuted(): ExecuteResult {
  return {
    generatorsBuilt: 0,
    objectsBuilt: 0,
    linksBuilt: 0,
    cutOff: 0,
    substituted: 0,
    builtRemotely: 0,
    failed: 0,
    submitted: 0,
    interrupted: false,
    phases: { inputs: 0, derivations: 0, queued: 0, building: 0, running: 0 },
  };
}

/**
 * What carries out a round's plan. Objects whose closures are known may be
 * started before the plan is (`startEarly`: the overlap of analysis and
 * builds); their events are held until `run` is given the plan, so the
 * events still come analysis, plan, nodes. `run` takes each early object's
 * outcome instead of starting it again.
 */
export interface Executor {
  /** Starts an object now (its inputs added, its derivation written, then a job slot). */
  startEarly(item: PlannedNode & { readonly node: ObjectNode }): void;
  /** Carries out the plan (the early objects in it included) and says everything that happened. */
  run(plan: Plan, graph: BuildGraph): Promise<ExecuteResult>;
  /** For a round that stops before its plan: starts nothing more, lets what was started finish, says nothing of it. */
  drain(): Promise<void>;
}

export async function execute(plan: Plan, graph: BuildGraph, deps: ExecuteDeps, opts: ExecuteOptions): Promise<ExecuteResult> {
  if (plan.build.length === 0) return nothingExecuted();
  return executor(deps, opts).run(plan, graph);
}

export function executor(deps: ExecuteDeps, opts: ExecuteOptions): Executor {
  const result = nothingExecuted();
  const { store, memo, files, toolchain } = deps;
  /** Events of the nodes started before the plan was said: said when `run` starts (node-started numbered then). */
  let held: (() => void)[] | undefined = [];
  const emit = (e: BuildEvent | (() => BuildEvent)): void => {
    const say = (): void => deps.emit(typeof e === 'function' ? e() : e);
    if (held) held.push(say);
    else say();
  };
  /** What every node needs first: the roots folder, the builder helper, the job queues. */
  const setup = (async () => {
    fs.mkdirSync(files.rootsDir, { recursive: true });
    const builder = await ensureBuilder(store, toolchain, { out: files.builderRoot, drv: files.builderDrvRoot }, deps.rootsTrusted === true, opts.signal);
    // Loaded here, not at start-up: a no-op build never schedules anything.
    const { default: PQueue } = await import('p-queue');
    return {
      builder,
      queue: new PQueue({ concurrency: Math.max(1, opts.jobs) }),
      /** Store writes ahead of the builds (a few ms per object): two at a time keep the job slots fed. */
      prepQueue: new PQueue({ concurrency: 2 }),
    };
  })();
  // A failure here is the build's, thrown by `run`; nodes started early that wait for it fail unsaid.
  setup.catch(() => undefined);
  const uploader = new SourceUploader(files.root, store, deps.hashOfRel, deps.externalDirs);
  const outcomes = new Map<string, Promise<Outcome>>();
  /** The record of every node built, reused or up to date. */
  const records = new Map<string, NodeRecord>();
  let graph: BuildGraph = { generators: new Map(), objects: new Map(), links: new Map(), targetOrder: [] };
  let total = 0;
  let started = 0;
  /** Job slots not building now: each build names the one it holds (for timelines). */
  const freeSlots = Array.from({ length: Math.max(1, opts.jobs) }, (_, i) => i).reverse();
  let stopping = false;
  let paused = false;
  /** A substitute the daemon refused is said once per build, with the first node it concerned. */
  let refusalSaid = false;
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
    // Pointed, and said, when the build's nodes are done (ProjectFiles.queueResultLink).
    if (node.kind === 'link') files.queueResultLink(node.target, rec.out, true);
  };

  const objectSpec = async (node: ObjectNode, item: PlannedNode): Promise<DerivationSpec> => {
    const rels = [node.tu, ...node.closure.headers].filter((r) => !node.generated.has(r));
    const paths = await uploader.pathsOf(rels);
    const inputs = new Map(rels.map((r, i) => [r, paths[i] as string]));
    const system = item.fp.inputs.kind === 'object' ? item.fp.inputs.system : {};
    const generated = new Map([...node.generated].map(([r, k]) => [r, refOf(k)]));
    return objectDerivation(node, inputs, (await setup).builder, toolchain, sha256(canonicalJson(system)), generated);
  };

  /** A generator's result key (see generateResultKey) and its derivation, its input files added. */
  const generatorKeyOf = (node: GenerateNode, inputs: PlannedNode['fp']['inputs']): Fingerprint | undefined =>
    inputs.kind !== 'generate'
      ? undefined
      : generateResultKey(
          inputs,
          node.generated.map(([, k]) => recordOf(k).narHash),
          node.tools.map((k) => recordOf(k).narHash),
        );
  const generatorSpec = async (node: GenerateNode): Promise<DerivationSpec> => {
    const paths = await uploader.pathsOf(node.inputs);
    const files = new Map(node.inputs.map((r, i) => [r, paths[i] as string]));
    const generated = new Map(node.generated.map(([r, k]) => [r, refOf(k)]));
    return generatorDerivation(node, files, generated, node.tools.map(refOf), (await setup).builder, toolchain);
  };

  const linkInputs = (node: LinkNode): { objects: DrvRef[]; libraries: LinkedLibrary[]; key: (fpInputs: PlannedNode['fp']['inputs']) => Fingerprint | undefined } => {
    const objects = node.objects.map(refOf);
    const libraries = node.libraries.map((k) => {
      const lib = graph.links.get(k);
      return { ref: refOf(k), type: lib?.type ?? 'static-library', target: lib?.target ?? k, fileName: lib?.fileName };
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
  const runNode = async (item: PlannedNode, readyAt: number, prepare?: () => Promise<Prepared>, admitted?: () => void): Promise<Outcome> => {
    try {
      return await attempt(item, readyAt, prepare ? await prepare() : undefined, admitted);
    } catch (err) {
      // Ctrl-C cancelled it (the daemon's operation was aborted): not a failure of the node.
      if (opts.signal.aborted) {
        result.interrupted = true;
        emit({ event: 'node-skipped', node: item.node.key, because: 'the build was interrupted' });
        return 'skipped';
      }
      result.failed++;
      if (!(err instanceof FileChangedError || err instanceof OutsideProjectError) || !opts.keepGoing) stopping = true;
      const { node } = item;
      emit({ event: 'node-failed', node: node.key, kind: node.kind, label: labelOf(node), message: (err as Error).message, log: '' });
      // A fault of the machine (the memo locked or full, a result link in the way) is also said as
      // what it is: an error naming the path and what to do, as before a build.
      const fault = environmentFault(err, files.root);
      if (fault) emit({ event: 'diagnostic', diagnostic: faultDiagnostic(fault, files.root) });
      return 'failed';
    }
  };

  /** An object's inputs added and its derivation written, ahead of its job slot. */
  const prepareObject = async (item: PlannedNode & { node: ObjectNode }): Promise<Prepared> => {
    const t0 = performance.now();
    const spec = await objectSpec(item.node, item);
    const t1 = performance.now();
    const d = await writeDerivation(spec);
    const t2 = performance.now();
    return { d, inputs: (t1 - t0) / 1000, derivation: (t2 - t1) / 1000, readyAt: t2 };
  };

  const skipIfStopping = (item: PlannedNode): boolean => {
    if (!stopping && !opts.signal.aborted) return false;
    emit({ event: 'node-skipped', node: item.node.key, because: opts.signal.aborted ? 'the build was interrupted' : 'the build stopped at a failure (use -k to keep going)' });
    return true;
  };

  /** `admitted`: called once the node is in the job queue (or will never be). */
  const attempt = async (item: PlannedNode, readyAt: number, prepared: Prepared | undefined, admitted?: () => void): Promise<Outcome> => {
    const { node } = item;
    if (skipIfStopping(item)) return 'skipped';
    const t0 = performance.now();
    const timings: NodeTimings = { queued: 0, inputs: prepared?.inputs ?? 0, derivation: prepared?.derivation ?? 0, building: 0, running: 0 };
    let d: Prepared['d'];
    let resultKey: Fingerprint | undefined;
    /** Early cutoff: an output recorded under the node's result key (still in the store) is reused, nothing is built. */
    const cutOff = async (key: Fingerprint | undefined, kind: 'link' | 'generate'): Promise<boolean> => {
      const previous = key === undefined ? undefined : memo.getNode(key);
      if (key === undefined || !previous || !fs.existsSync(previous.out)) return false;
      await finish(item, previous, [key]);
      result.cutOff++;
      emit({ event: 'node-cutoff', node: node.key, kind, label: labelOf(node), out: previous.out });
      return true;
    };
    if (node.kind === 'generate') {
      resultKey = generatorKeyOf(node, item.fp.inputs);
      if (await cutOff(resultKey, 'generate')) return 'ok';
      d = await writeDerivation(await generatorSpec(node));
      timings.derivation = (performance.now() - t0) / 1000;
    } else if (node.kind === 'link') {
      const li = linkInputs(node);
      const fpInputs = item.fp.inputs;
      resultKey = li.key(fpInputs);
      if (await cutOff(resultKey, 'link')) return 'ok';
      const scriptPaths = await uploader.pathsOf(node.inputs);
      const scripts = new Map(node.inputs.map((r, i) => [r, scriptPaths[i] as string]));
      // How the derivation names what it links is part of the fingerprint (pinnedLinks.ts).
      const by = fpInputs.kind === 'link' && fpInputs.inputsBy === 'outputs' ? 'outputs' : 'derivations';
      d = await writeDerivation(linkDerivation(node, li.objects, li.libraries, (await setup).builder, toolchain, scripts, by));
      timings.derivation = (performance.now() - t0) / 1000;
    } else if (prepared) {
      d = prepared.d;
    } else {
      throw new Error(`internal error: ${node.key} was not prepared`);
    }
    const clean = node.kind === 'link' ? (t: string): string => toolNames(linkLogNames(cleanLog(t), node, graph, records)) : (t: string): string => toolNames(cleanLog(t));
    // Only the daemon's build holds a job slot: what comes before (inputs, derivation) and after
    // (NAR hash, GC roots, memo) runs outside it, so the slots only build.
    const { queue } = await setup;
    const queued = queue.add(async () => {
      if (skipIfStopping(item)) return undefined;
      const t2 = performance.now();
      timings.queued = (t2 - (prepared?.readyAt ?? readyAt)) / 1000;
      const slot = freeSlots.pop() ?? 0;
      emit(() => {
        const late = Math.round(performance.now() - t2) / 1000;
        return { event: 'node-started', node: node.key, kind: node.kind, label: labelOf(node), index: ++started, total, reason: item.reason, slot, ...(late > 0 ? { said_late_seconds: late } : {}) };
      });
      result.submitted++;
      if (TEST_PAUSE_MS > 0 && !paused) {
        paused = true;
        await new Promise((res) => setTimeout(res, TEST_PAUSE_MS));
      }
      const onLine = (line: string): void => emit({ event: 'node-log', node: node.key, label: labelOf(node), line: clean(line) });
      const outcome = await store.build(d.drvPath, opts.signal, onLine, 0, slot).finally(() => freeSlots.push(slot));
      timings.building = (performance.now() - t2) / 1000;
      // Before the slot goes to the next node: without -k, a failure stops what has not started.
      if (!outcome.ok && !opts.keepGoing) stopping = true;
      return outcome;
    });
    admitted?.();
    const built = await queued;
    if (!built) return 'skipped';
    const r = built;
    timings.running = (r.runMs ?? 0) / 1000;
    if (opts.signal.aborted) {
      result.interrupted = true;
      return 'skipped';
    }
    if (!r.ok) {
      result.failed++;
      if (!opts.keepGoing) stopping = true;
      const kept = r.keptBuildDir === undefined ? {} : { kept_build_dir: r.keptBuildDir };
      emit({ event: 'node-failed', node: node.key, kind: node.kind, label: labelOf(node), message: clean(r.message), log: clean(r.log), ...kept });
      return 'failed';
    }
    const info = await store.pathInfo(d.out);
    if (!info) throw new NixCommandError(`the daemon built ${d.drvPath} but its output ${d.out} is not valid`);
    await finish(item, { drv: d.drvPath, out: d.out, drvHash: d.hashModulo, narHash: info.narHashHex }, resultKey === undefined ? [] : [resultKey]);
    const fetched = r.status === 'Substituted';
    if (fetched) result.substituted++;
    else if (node.kind === 'object') result.objectsBuilt++;
    else if (node.kind === 'link') result.linksBuilt++;
    else result.generatorsBuilt++;
    if (r.machine !== undefined) result.builtRemotely++;
    const refusal = r.status === 'Built' ? r.messages?.find((m) => SUBSTITUTE_REFUSED.test(m)) : undefined;
    if (refusal !== undefined && !refusalSaid) {
      refusalSaid = true;
      emit({ event: 'diagnostic', diagnostic: { severity: 'warning', message: substituteRefused(labelOf(node), refusal) } });
    }
    result.phases.inputs += timings.inputs;
    result.phases.derivations += timings.derivation;
    result.phases.queued += timings.queued;
    result.phases.building += timings.building;
    result.phases.running += timings.running;
    // An output already valid, or fetched, was not built here: no log to show or keep, no duration to learn from.
    const log = r.status === 'AlreadyValid' || fetched ? {} : { log: clean(r.log) };
    emit({
      event: 'node-built',
      node: node.key,
      kind: node.kind,
      label: labelOf(node),
      drv: d.drvPath,
      out: d.out,
      seconds: (performance.now() - t0) / 1000 + timings.inputs + timings.derivation,
      timings,
      ...log,
      ...(fetched ? { fetched: true as const } : {}),
      ...(r.machine !== undefined ? { machine: r.machine } : {}),
    });
    return 'ok';
  };

  /** Objects enter the job queue in the order they were started (the plan's: longest first), whichever is prepared first. */
  let lastAdmission: Promise<void> = Promise.resolve();

  /** An object adds its inputs and writes its derivation before it takes a job slot, so slots only build (store writes overlap with builds). */
  const startObject = async (item: PlannedNode & { readonly node: ObjectNode }, readyAt: number): Promise<Outcome> => {
    const turn = lastAdmission;
    let admit = (): void => undefined;
    lastAdmission = new Promise((resolve) => (admit = resolve));
    try {
      let prepared: Prepared;
      try {
        const { prepQueue } = await setup;
        if (skipIfStopping(item)) return 'skipped';
        prepared = (await prepQueue.add(() => prepareObject(item))) as Prepared;
      } catch (err) {
        await turn;
        return await runNode(item, readyAt, () => Promise.reject(err), admit);
      }
      await turn;
      return await runNode(item, readyAt, () => Promise.resolve(prepared), admit);
    } finally {
      admit();
    }
  };

  return {
    startEarly(item): void {
      outcomes.set(item.node.key, startObject(item, performance.now()));
    },
    async drain(): Promise<void> {
      stopping = true;
      await Promise.all(outcomes.values());
      held = [];
    },
    async run(plan, g): Promise<ExecuteResult> {
      // The daemon unreachable, the builder helper not made: the build's error, not each node's.
      await setup;
      graph = g;
      total = plan.build.length;
      for (const u of plan.upToDate) records.set(u.node.key, u.record);
      const release = held ?? [];
      held = undefined;
      for (const say of release) say();
      for (const item of plan.build) {
        if (outcomes.has(item.node.key)) continue; // started early
        const needs = dependenciesOf(item.node);
        const waits = needs.flatMap((k) => {
          const o = outcomes.get(k);
          return o ? [{ key: k, outcome: o }] : [];
        });
        outcomes.set(item.node.key, (async (): Promise<Outcome> => {
          const before = await Promise.all(waits.map((w) => w.outcome));
          const bad = before.findIndex((o) => o !== 'ok');
          if (bad >= 0) {
            const dep = waits[bad]?.key ?? '';
            const label = graph.objects.get(dep)?.tu ?? graph.links.get(dep)?.target ?? graph.generators.get(dep)?.generator ?? dep;
            emit({ event: 'node-skipped', node: item.node.key, because: `${label} was not built` });
            return 'skipped';
          }
          const readyAt = performance.now();
          return item.node.kind === 'object' ? startObject(item as PlannedNode & { node: ObjectNode }, readyAt) : runNode(item, readyAt);
        })());
      }
      await Promise.all(outcomes.values());
      if (opts.signal.aborted) result.interrupted = true;
      return result;
    },
  };
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
