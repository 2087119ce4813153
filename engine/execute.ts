/**
 * execute: carries out a plan. Instantiates every planned node in one Nix
 * evaluation, then realises each through the daemon as soon as the nodes it
 * needs are built (p-queue, `jobs` at a time), and records each success.
 *
 * Early cutoff: objects are content-addressed, so a recompiled object with
 * the same bytes keeps its store path. Before a link is submitted, its result
 * key (its settings plus the output paths it links, see `linkResultKey`) is
 * looked up in the memo; if an output for it still exists, that output is
 * reused and nothing is submitted.
 *
 * Order of writes, so that a crash at any moment leaves nothing wrong: Nix
 * builds the output and registers its GC root; then the memo records the
 * node (one transaction); then, for a link, `result-<target>` is replaced.
 * A failed node records nothing and leaves old links alone.
 */
import fs from 'node:fs';
import type { Fingerprint } from '../cache/hashes.js';
import type { MemoStore } from '../cache/Memo.js';
import type { NixStore } from '../store/NixStore.js';
import type { Toolchain } from '../toolchain/Toolchain.js';
import type { BuildGraph } from './BuildGraph.js';
import type { EventSink } from './events.js';
import { evalPlan } from './evalPlan.js';
import { linkResultKey } from './fingerprint.js';
import type { Plan, PlannedNode } from './plan.js';
import type { ProjectFiles } from './ProjectFiles.js';

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
}

export interface ExecuteResult {
  objectsBuilt: number;
  linksBuilt: number;
  /** Links not rebuilt because the outputs they link did not change. */
  cutOff: number;
  failed: number;
  submitted: number;
  interrupted: boolean;
}

type Outcome = 'ok' | 'failed' | 'skipped';

export function labelOf(p: PlannedNode['node']): string {
  return p.kind === 'object' ? p.tu : p.target;
}

/** Build logs name sandbox paths; users know their project-relative ones. */
export function cleanLog(log: string): string {
  return log.replace(/\/build\/src\//g, '').replace(/\/build\//g, '');
}

export async function execute(plan: Plan, graph: BuildGraph, deps: ExecuteDeps, opts: ExecuteOptions): Promise<ExecuteResult> {
  const result: ExecuteResult = { objectsBuilt: 0, linksBuilt: 0, cutOff: 0, failed: 0, submitted: 0, interrupted: false };
  if (plan.build.length === 0) return result;
  const { drvs, release } = await deps.store.instantiate(evalPlan(plan, graph, deps.toolchain, deps.files.root, (p) => fs.realpathSync(p)), opts.signal);
  try {
    return await realiseAll(plan, graph, deps, opts, drvs, result);
  } finally {
    release();
  }
}

/** Realises the instantiated nodes, each as soon as what it needs is built. */
async function realiseAll(plan: Plan, graph: BuildGraph, deps: ExecuteDeps, opts: ExecuteOptions, drvs: ReadonlyMap<string, string>, result: ExecuteResult): Promise<ExecuteResult> {
  const { store, memo, files, emit } = deps;
  fs.mkdirSync(files.rootsDir, { recursive: true });

  // Loaded here, not at start-up: a no-op build never schedules anything.
  const { default: PQueue } = await import('p-queue');
  const queue = new PQueue({ concurrency: Math.max(1, opts.jobs) });
  const outcomes = new Map<string, Promise<Outcome>>();
  /** Output path of every node built, reused or up to date. */
  const outs = new Map<string, string>(plan.upToDate.map((u) => [u.node.key, u.record.out]));
  const total = plan.build.length;
  let started = 0;
  let stopping = false;

  const resultKeyOf = (item: PlannedNode): Fingerprint | undefined => {
    const { node, fp } = item;
    if (node.kind !== 'link' || fp.inputs.kind !== 'link') return undefined;
    const out = (k: string): string => outs.get(k) ?? '';
    return linkResultKey(fp.inputs, node.objects.map(out), node.libraries.map(out));
  };

  const finish = async (item: PlannedNode, drv: string, out: string, aliases: readonly Fingerprint[]): Promise<void> => {
    const { node } = item;
    outs.set(node.key, out);
    await keepRoot(store, files, node.key, out, opts.signal);
    memo.recordBuilt(node.key, item.fp.fingerprint, { drv, out }, item.fp.inputsJson, aliases);
    if (node.kind === 'link') {
      const link = files.resultLink(node.target);
      files.setLink(link, out);
      emit({ event: 'result-link', target: node.target, path: link, out });
    }
  };

  /**
   * A node that throws (the daemon went away, a root could not be made) fails
   * like a failed build and stops the build; it never abandons the nodes
   * still running, which must finish before the memo is closed.
   */
  const run = async (item: PlannedNode, drv: string): Promise<Outcome> => {
    try {
      return await attempt(item, drv);
    } catch (err) {
      result.failed++;
      stopping = true;
      const { node } = item;
      emit({ event: 'node-failed', node: node.key, kind: node.kind, label: labelOf(node), message: (err as Error).message, log: '' });
      return 'failed';
    }
  };

  const attempt = async (item: PlannedNode, drv: string): Promise<Outcome> => {
    const { node } = item;
    if (stopping || opts.signal.aborted) {
      emit({ event: 'node-skipped', node: node.key, because: opts.signal.aborted ? 'the build was interrupted' : 'the build stopped at a failure (use -k to keep going)' });
      return 'skipped';
    }
    const resultKey = resultKeyOf(item);
    const previous = resultKey === undefined ? undefined : memo.getNode(resultKey);
    if (resultKey !== undefined && previous && fs.existsSync(previous.out)) {
      await finish(item, previous.drv, previous.out, [resultKey]);
      result.cutOff++;
      emit({ event: 'node-cutoff', node: node.key, label: labelOf(node), out: previous.out });
      return 'ok';
    }
    emit({ event: 'node-started', node: node.key, kind: node.kind, label: labelOf(node), index: ++started, total, reason: item.reason });
    result.submitted++;
    const t0 = performance.now();
    const r = await store.realise(drv, files.gcRootFor(node.key), opts.signal);
    if (opts.signal.aborted) {
      result.interrupted = true;
      return 'skipped';
    }
    if (!r.ok) {
      result.failed++;
      if (!opts.keepGoing) stopping = true;
      emit({ event: 'node-failed', node: node.key, kind: node.kind, label: labelOf(node), message: r.message, log: cleanLog(r.log) });
      return 'failed';
    }
    await finish(item, drv, r.out, resultKey === undefined ? [] : [resultKey]);
    if (node.kind === 'object') result.objectsBuilt++;
    else result.linksBuilt++;
    emit({ event: 'node-built', node: node.key, drv, out: r.out, seconds: (performance.now() - t0) / 1000 });
    return 'ok';
  };

  for (const item of plan.build) {
    const drv = drvs.get(item.node.key);
    if (!drv) throw new Error(`internal: Nix returned no derivation for ${item.node.key}`);
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
      return (await queue.add(() => run(item, drv))) ?? 'skipped';
    })());
  }
  await Promise.all(outcomes.values());
  if (opts.signal.aborted) result.interrupted = true;
  return result;
}

/**
 * Points a node's GC root at `out`, registering it with Nix. (A link that
 * exists is not trusted to be registered: a project folder may have been
 * copied or moved with its .nixmake.)
 */
export async function keepRoot(store: NixStore, files: ProjectFiles, nodeKey: string, out: string, signal: AbortSignal): Promise<void> {
  const root = files.gcRootFor(nodeKey);
  if (files.readLink(root) === out) return;
  fs.mkdirSync(files.rootsDir, { recursive: true });
  await store.addRoot(out, root, signal);
}
