/**
 * plan: which nodes must be built, each with its reason, and which are up
 * to date. A pure function of the graph, the fingerprints and what the memo
 * says; `--dry-run --json` prints exactly this.
 *
 * It does not build, and it does not talk to Nix: whether an output still
 * exists is asked of the `PlanIo` it is given (a stat of the store path).
 */
import type { Fingerprint } from '../cache/hashes.js';
import type { CurrentRecord, NodeRecord } from '../cache/Memo.js';
import type { BuildGraph, BuildNode } from './BuildGraph.js';
import { dependenciesOf, nodesInOrder } from './BuildGraph.js';
import type { Fingerprinted, NodeInputs } from './fingerprint.js';
import type { Reason } from './reason.js';

export type { Reason } from './reason.js';
export { formatReason } from './reason.js';

export interface PlannedNode {
  readonly node: BuildNode;
  readonly fp: Fingerprinted;
  readonly reason: Reason;
}

export interface UpToDateNode {
  readonly node: BuildNode;
  readonly fp: Fingerprinted;
  readonly record: NodeRecord;
  /** The memo's current entry is another fingerprint (an edit was undone): update it. */
  readonly currentStale: boolean;
  /** Its GC roots are known to name `record` (the baseline's, roots unchanged since): no need to read them. */
  readonly rooted?: true;
}

export interface Plan {
  /** Each node after what it needs (nodesInOrder): generators and their tools, objects, links. */
  readonly build: readonly PlannedNode[];
  readonly upToDate: readonly UpToDateNode[];
}

export interface PlanIo {
  getNode(fp: Fingerprint): NodeRecord | undefined;
  getCurrent(nodeKey: string): CurrentRecord | undefined;
  /** Whether a store path still exists (it may have been garbage-collected). */
  storePathExists(p: string): boolean;
  /**
   * The record the node was up to date with for this fingerprint at the last
   * stamp, its roots unchanged since (engine/Baseline): up to date without a
   * memo read or a stat; undefined: look.
   */
  vouched?(nodeKey: string, fp: Fingerprint): NodeRecord | undefined;
}

/** Why a node whose fingerprint has no valid memo entry must be built. */
export function reasonFor(now: NodeInputs, before: NodeInputs | undefined, dependencyRebuilt: boolean): Reason {
  if (!before || before.kind !== now.kind) return { kind: 'new' };
  if (before.toolchain !== now.toolchain || before.platform !== now.platform) return { kind: 'toolchain-changed' };
  if (before.template !== now.template) return { kind: 'template-changed' };
  if (now.kind === 'object' && before.kind === 'object') {
    if (before.source !== now.source || before.tu !== now.tu) return { kind: 'source-changed' };
    for (const table of ['headers', 'system'] as const) {
      const a = before[table];
      const b = now[table];
      const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().find((h) => a[h] !== b[h]);
      if (changed !== undefined) return { kind: 'header-changed', path: changed };
    }
    return { kind: 'flags-changed' };
  }
  if (now.kind === 'generate' && before.kind === 'generate') {
    // Its input files are to a generator what a source is to an object.
    if (JSON.stringify(before.files) !== JSON.stringify(now.files)) return { kind: 'source-changed' };
    const settings = (g: typeof now): unknown[] => [g.command, g.env, g.outputs, g.stdout];
    if (JSON.stringify(settings(before)) !== JSON.stringify(settings(now))) return { kind: 'flags-changed' };
    return { kind: 'dependency-changed' };
  }
  if (now.kind === 'link' && before.kind === 'link') {
    // A link input (a version script) is a project file the link reads, as a source is an object's.
    if (JSON.stringify(before.files ?? {}) !== JSON.stringify(now.files ?? {})) return { kind: 'source-changed' };
    // Its derivation names what it links another way (it became pinned, or stopped being: pinnedLinks.ts).
    if (before.inputsBy !== now.inputsBy) return { kind: 'template-changed' };
    const settings = (l: typeof now): unknown[] => [l.ldflags, l.libs, l.type, l.lang, l.soname, l.fileName, l.aliases];
    const sameFlags = JSON.stringify(settings(before)) === JSON.stringify(settings(now));
    if (!sameFlags) return { kind: 'flags-changed' };
    return dependencyRebuilt || JSON.stringify(before.objects) !== JSON.stringify(now.objects) || JSON.stringify(before.libraries) !== JSON.stringify(now.libraries)
      ? { kind: 'dependency-changed' }
      : { kind: 'new' };
  }
  return { kind: 'new' };
}

/**
 * `decided`: nodes planned already while the analysis went on (objects, see
 * buildRound; some of them started); they stay in the plan as they were
 * planned, whatever the memo says of them by now.
 */
export function plan(graph: BuildGraph, fps: ReadonlyMap<string, Fingerprinted>, io: PlanIo, decided: ReadonlyMap<string, PlannedNode | UpToDateNode> = new Map()): Plan {
  const build: PlannedNode[] = [];
  const upToDate: UpToDateNode[] = [];
  const rebuilt = new Set<string>();
  const nodes: BuildNode[] = nodesInOrder(graph);
  for (const node of nodes) {
    const fp = fps.get(node.key);
    if (!fp) throw new Error(`internal: no fingerprint for ${node.key}`);
    const taken = decided.get(node.key);
    if (taken) {
      if (taken.fp.fingerprint !== fp.fingerprint) throw new Error(`internal error: ${node.key} was planned early for other inputs than the plan's`);
      if ('record' in taken) {
        upToDate.push({ ...taken, node, fp });
        continue;
      }
      rebuilt.add(node.key);
      build.push({ node, fp, reason: taken.reason });
      continue;
    }
    const vouched = io.vouched?.(node.key, fp.fingerprint);
    if (vouched) {
      upToDate.push({ node, fp, record: vouched, currentStale: false, rooted: true });
      continue;
    }
    const current = io.getCurrent(node.key);
    const record = io.getNode(fp.fingerprint);
    // The derivation too: a pinned link or a generator that uses this node's output names it as an input.
    if (record && io.storePathExists(record.out) && io.storePathExists(record.drv)) {
      upToDate.push({ node, fp, record, currentStale: current?.fingerprint !== fp.fingerprint });
      continue;
    }
    let reason: Reason;
    if (record || current?.fingerprint === fp.fingerprint) {
      reason = { kind: 'output-missing' };
    } else {
      // A node never built before is new: its inputs' tables are not needed to say so.
      reason = current ? reasonFor(fp.inputs, JSON.parse(current.inputs) as NodeInputs, dependenciesOf(node).some((d) => rebuilt.has(d))) : { kind: 'new' };
    }
    rebuilt.add(node.key);
    build.push({ node, fp, reason });
  }
  return { build, upToDate };
}
