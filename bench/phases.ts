/**
 * phases: nixmake's `phases` (seconds summed over the built nodes, see
 * engine/events.ts) → per-node overhead and shares of wall time. Pure.
 *
 * Per-node overhead is (building − running) / (objects + links built): what
 * the daemon adds to each build (sandbox, registration, the client's wait)
 * beyond the program itself. A share is a phase's seconds ÷ the build's wall
 * seconds; the node phases are summed over nodes that run up to J at a time,
 * so with J job slots they can reach J × 100%.
 */
import { stats } from './stats.js';
import type { Stats } from './stats.js';

export const PHASES = ['analysis', 'inputs', 'derivations', 'queued', 'building', 'running'] as const;
export type Phase = (typeof PHASES)[number];
export type Phases = Readonly<Record<Phase, number>>;

/** The phases shown as shares of wall time. */
export const SHARED_PHASES = ['analysis', 'inputs', 'derivations', 'building'] as const;

/** The summary's `phases`, or undefined when it has none (an older nixmake) or a field is not a number. */
export function parsePhases(x: unknown): Phases | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  const out: Partial<Record<Phase, number>> = {};
  for (const p of PHASES) {
    const v = o[p];
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    out[p] = v;
  }
  return out as Phases;
}

/** Seconds of Nix overhead per built node; NaN when nothing was built. */
export function perNodeOverhead(p: Phases, nodesBuilt: number): number {
  return nodesBuilt > 0 ? (p.building - p.running) / nodesBuilt : Number.NaN;
}

/** Each shown phase's seconds ÷ the wall seconds (NaN when the wall time is not positive). */
export function wallShares(p: Phases, wallSeconds: number): Record<(typeof SHARED_PHASES)[number], number> {
  const share = (v: number): number => (wallSeconds > 0 ? v / wallSeconds : Number.NaN);
  return { analysis: share(p.analysis), inputs: share(p.inputs), derivations: share(p.derivations), building: share(p.building) };
}

/** A cell's phases over its runs: medians of each phase, of the per-node overhead (runs that built something) and of each share. */
export interface PhaseCell {
  /** Nodes built (objects + links) per run. */
  readonly nodes: readonly number[];
  readonly seconds: Readonly<Record<Phase, Stats>>;
  /** Seconds per built node. */
  readonly overheadPerNode: Stats;
  readonly shareOfWall: Readonly<Record<(typeof SHARED_PHASES)[number], Stats>>;
}

export interface PhaseRun {
  readonly seconds: number;
  readonly compiles: number;
  readonly links: number;
  readonly phases?: Phases;
}

/** Undefined when no run reported phases. */
export function phaseCell(runs: readonly PhaseRun[]): PhaseCell | undefined {
  const rs = runs.filter((r): r is PhaseRun & { phases: Phases } => r.phases !== undefined);
  if (rs.length === 0) return undefined;
  const nodes = rs.map((r) => r.compiles + r.links);
  const overheads = rs.map((r, i) => perNodeOverhead(r.phases, nodes[i] as number)).filter((x) => !Number.isNaN(x));
  const shares = rs.map((r) => wallShares(r.phases, r.seconds));
  return {
    nodes,
    seconds: Object.fromEntries(PHASES.map((p) => [p, stats(rs.map((r) => r.phases[p]))])) as Record<Phase, Stats>,
    overheadPerNode: stats(overheads),
    shareOfWall: Object.fromEntries(SHARED_PHASES.map((p) => [p, stats(shares.map((s) => s[p]).filter((x) => !Number.isNaN(x)))])) as Record<(typeof SHARED_PHASES)[number], Stats>,
  };
}
