/**
 * ProgressLine: the one status line a terminal shows while nixmake works —
 * `[finished/total]`, elapsed time, an estimate of the time left, and the
 * nodes building now — or, during a long include analysis, how far it is.
 *
 * It follows events and renders text for a given moment; it does not write
 * to the terminal or keep a timer (TerminalReporter does). The estimate
 * uses each node's duration from its last build (`expected_seconds`, from
 * the memo); a node never built before counts as the mean of those known,
 * or of the nodes finished in this run; with neither, no estimate is shown.
 * Remaining work is divided by the job slots it can fill.
 */
import type { BuildEvent, NodeKind } from '../engine/events.js';
import { verbOf } from './verbOf.js';
import { escapeControl } from './escapeControl.js';

/** `m:ss`, or `h:mm:ss` past an hour. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export class ProgressLine {
  private total = 0;
  private finished = 0;
  private readonly expected = new Map<string, number>();
  private readonly running = new Map<string, { label: string; kind: NodeKind; at: number }>();
  private readonly done = new Set<string>();
  /** Seconds of the nodes built in this run (their build alone). */
  private readonly observed: number[] = [];
  private analysis: { stage: 'scan' | 'walk'; done: number; total: number } | undefined;
  private building = false;

  constructor(
    /** When the run started (same clock as `now`, in ms). */
    private readonly startedAt: number,
    private readonly jobs: number,
  ) {}

  event(e: BuildEvent, now: number): void {
    switch (e.event) {
      case 'analysis-progress':
        this.analysis = { stage: e.stage, done: e.done, total: e.total };
        return;
      case 'analysis':
        this.analysis = undefined;
        return;
      case 'plan':
        this.total = e.to_build;
        return;
      case 'node-planned':
        if (e.expected_seconds !== undefined) this.expected.set(e.node, e.expected_seconds);
        return;
      case 'node-started':
        this.building = true;
        this.running.set(e.node, { label: e.label, kind: e.kind, at: now });
        return;
      case 'node-built':
        this.observed.push(e.timings.building);
        this.finish(e.node);
        return;
      case 'node-failed':
      case 'node-cutoff':
      case 'node-skipped':
        this.finish(e.node);
        return;
      default:
        return;
    }
  }

  private finish(node: string): void {
    this.running.delete(node);
    if (this.done.has(node)) return;
    this.done.add(node);
    this.finished++;
  }

  /** Seconds left by the estimate, or undefined when nothing is known to estimate from. */
  eta(now: number): number | undefined {
    const known = [...this.expected.values()];
    const basis = known.length > 0 ? known : this.observed;
    if (basis.length === 0) return undefined;
    const mean = basis.reduce((a, b) => a + b, 0) / basis.length;
    const left = Math.max(0, this.total - this.finished);
    if (left === 0) return 0;
    let work = 0;
    let counted = 0;
    for (const [node, r] of this.running) {
      work += Math.max(0, (this.expected.get(node) ?? mean) - (now - r.at) / 1000);
      counted++;
    }
    for (const [node, secs] of this.expected) {
      if (this.done.has(node) || this.running.has(node)) continue;
      work += secs;
      counted++;
    }
    work += Math.max(0, left - counted) * mean;
    return work / Math.max(1, Math.min(this.jobs, left));
  }

  /** The status line at `now`, at most `width` columns; undefined when there is nothing to show. */
  render(now: number, width: number): string | undefined {
    const elapsed = clock((now - this.startedAt) / 1000);
    let text: string;
    if (this.analysis && !this.building) {
      const a = this.analysis;
      text = a.stage === 'scan' ? `scanning includes: ${a.done}/${a.total} files (${elapsed})` : `walking includes: ${a.done}/${a.total} TUs (${elapsed})`;
    } else if (this.building) {
      const eta = this.eta(now);
      const names = [...this.running.values()].map((r) => `${verbOf(r.kind)} ${escapeControl(r.label)}`);
      text = `[${this.finished}/${this.total}] ${elapsed}${eta === undefined ? '' : ` ETA ${clock(eta)}`}${names.length > 0 ? ` · ${names.join(', ')}` : ''}`;
    } else {
      return undefined;
    }
    const w = Math.max(10, width - 1);
    return text.length > w ? `${text.slice(0, w - 1)}…` : text;
  }
}
