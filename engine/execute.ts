/**
 * execute: carries out a plan. Instantiates every planned node in one Nix
 * evaluation, then realises each through the daemon as soon as the nodes it
 * needs are built (p-queue, `jobs` at a time), and records each success.
 *
 * Order of writes, so that a crash at any moment leaves nothing wrong: Nix
 * builds the output and registers its GC root; then the memo records the
 * node (one transaction); then, for a link, `result-<target>` is replaced.
 * A failed node records nothing and leaves old links alone.
 */
import fs from 'node:fs';
import PQueue from 'p-queue';
import type { MemoStore } from '../cache/Memo.js';
import type { NixStore, StorePaths } from '../store/NixStore.js';
import type { Toolchain } from '../toolchain/Toolchain.js';
import type { BuildGraph } from './BuildGraph.js';
import type { EventSink } from './events.js';
import { evalPlan } from './evalPlan.js';
import type { Plan, PlannedNode } from './plan.js';
import type { ProjectFiles } from './ProjectFiles.js';

export interface ExecuteOptions {
  readonly jobs: number;
  readonly keepGoing: boolean;
  readonly signal: AbortSignal;
}

export interface ExecuteDeps {
  readonly store: NixStore;
  readonly memo: Pick<MemoStore, 'recordBuilt'>;
  readonly files: ProjectFiles;
  readonly toolchain: Toolchain;
  readonly emit: EventSink;
}

export interface ExecuteResult {
  objectsBuilt: number;
  linksBuilt: number;
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
  const result: ExecuteResult = { objectsBuilt: 0, linksBuilt: 0, failed: 0, submitted: 0, interrupted: false };
  if (plan.build.length === 0) return result;
  const { store, memo, files, emit } = deps;

  const paths = await store.instantiate(evalPlan(plan, graph, deps.toolchain, files.root, (p) => fs.realpathSync(p)), opts.signal);
  fs.mkdirSync(files.rootsDir, { recursive: true });

  const queue = new PQueue({ concurrency: Math.max(1, opts.jobs) });
  const outcomes = new Map<string, Promise<Outcome>>();
  const total = plan.build.length;
  let started = 0;
  let stopping = false;

  const run = async (item: PlannedNode, p: StorePaths): Promise<Outcome> => {
    const { node } = item;
    if (stopping || opts.signal.aborted) {
      emit({ event: 'node-skipped', node: node.key, because: opts.signal.aborted ? 'the build was interrupted' : 'the build stopped at a failure (use -k to keep going)' });
      return 'skipped';
    }
    emit({ event: 'node-started', node: node.key, kind: node.kind, label: labelOf(node), index: ++started, total, reason: item.reason });
    result.submitted++;
    const t0 = performance.now();
    const r = await store.realise(p.drv, files.gcRootFor(node.key), opts.signal);
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
    memo.recordBuilt(node.key, item.fp.fingerprint, p, item.fp.inputsJson);
    if (node.kind === 'object') result.objectsBuilt++;
    else {
      result.linksBuilt++;
      const link = files.resultLink(node.target);
      files.setLink(link, p.out);
      emit({ event: 'result-link', target: node.target, path: link, out: p.out });
    }
    emit({ event: 'node-built', node: node.key, drv: p.drv, out: p.out, seconds: (performance.now() - t0) / 1000 });
    return 'ok';
  };

  for (const item of plan.build) {
    const p = paths.get(item.node.key);
    if (!p) throw new Error(`internal: Nix returned no derivation for ${item.node.key}`);
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
      return (await queue.add(() => run(item, p))) ?? 'skipped';
    })());
  }
  await Promise.all(outcomes.values());
  if (opts.signal.aborted) result.interrupted = true;
  return result;
}
