/**
 * TraceReporter: a build's timeline as a Chrome trace (the JSON that
 * Perfetto and chrome://tracing open), made from the engine's events.
 *
 * - one span per node built or failed, on the job slot that built it
 *   (thread "slot N"), from the moment it took the slot for the daemon's
 *   build; its timings (queued, inputs, derivation, running) are its args;
 * - one span per node's store writes (its inputs and derivation), on
 *   "store writes" lanes (derived from the node's timings: they end where
 *   its wait for a slot begins);
 * - the phases on thread "nixmake": analysis, store writes, build (first
 *   node started to last one finished) and link (the links alone); links
 *   cut off and the summary as instant events.
 *
 * Times are microseconds from when the reporter was made, on the clock it
 * is given. It returns the trace; writing the file is the caller's.
 */
import type { BuildEvent, NodeKind } from '../engine/events.js';
import type { Reporter } from './Reporter.js';

export interface TraceEvent {
  readonly name: string;
  readonly cat?: string;
  readonly ph: 'X' | 'i' | 'M';
  readonly ts?: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly s?: 'g' | 'p' | 't';
  readonly args?: Record<string, unknown>;
}

export interface ChromeTrace {
  readonly traceEvents: TraceEvent[];
  readonly displayTimeUnit: 'ms';
}

const PID = 1;
const MAIN_TID = 0;
/** Node spans go on tid SLOT_TID0 + slot. */
const SLOT_TID0 = 1;
/** Store-write spans go on tid WRITES_TID0 + lane. */
const WRITES_TID0 = 1000;

interface Running {
  readonly label: string;
  readonly kind: NodeKind;
  readonly slot: number;
  readonly at: number;
}

export class TraceReporter implements Reporter {
  private readonly t0: number;
  private readonly spans: TraceEvent[] = [];
  private readonly running = new Map<string, Running>();
  private readonly slots = new Set<number>();
  /** Lanes of store writes: when each is free again (µs). */
  private readonly writeLanes: number[] = [];
  private readonly phase = new Map<string, { start: number; end: number }>();

  /**
   * `now` is the clock in ms; `startedAt` is when the process started on it
   * (performance.now()'s origin is the process's start), so the trace shows
   * the start-up before the reporter existed as a span of its own.
   */
  constructor(private readonly now: () => number = () => performance.now(), startedAt = 0) {
    this.t0 = now();
    if (startedAt < this.t0) this.phase.set('start-up', { start: this.us(startedAt), end: 0 });
  }

  private us(ms: number): number {
    return Math.round((ms - this.t0) * 1000);
  }

  private widen(name: string, start: number, end: number): void {
    const p = this.phase.get(name);
    this.phase.set(name, p ? { start: Math.min(p.start, start), end: Math.max(p.end, end) } : { start, end });
  }

  private span(name: string, cat: string, tid: number, start: number, end: number, args?: Record<string, unknown>): void {
    this.spans.push({ name, cat, ph: 'X', ts: start, dur: Math.max(0, end - start), pid: PID, tid, ...(args ? { args } : {}) });
  }

  private storeWrites(label: string, start: number, end: number): void {
    if (end <= start) return;
    let lane = this.writeLanes.findIndex((free) => free <= start);
    if (lane < 0) lane = this.writeLanes.push(0) - 1;
    this.writeLanes[lane] = end;
    this.span(label, 'store-writes', WRITES_TID0 + lane, start, end);
    this.widen('store writes', start, end);
  }

  private nodeEnded(node: string, end: number, args: Record<string, unknown>): Running | undefined {
    const r = this.running.get(node);
    if (!r) return undefined;
    this.running.delete(node);
    this.span(r.label, r.kind, SLOT_TID0 + r.slot, r.at, end, { node, ...args });
    this.widen('build', r.at, end);
    if (r.kind === 'link') this.widen('link', r.at, end);
    return r;
  }

  event(e: BuildEvent): void {
    const now = this.us(this.now());
    switch (e.event) {
      case 'analysis':
        this.widen('analysis', now - Math.round(e.seconds * 1e6), now);
        return;
      case 'node-started':
        this.slots.add(e.slot);
        this.running.set(e.node, { label: e.label, kind: e.kind, slot: e.slot, at: now - Math.round((e.said_late_seconds ?? 0) * 1e6) });
        return;
      case 'node-built': {
        const t = e.timings;
        const r = this.running.get(e.node);
        const start = r?.at ?? now - Math.round(t.building * 1e6);
        this.nodeEnded(e.node, start + Math.round(t.building * 1e6), { status: 'built', ...t });
        // Its store writes end where its wait for a slot began (a link's wait includes writing its derivation).
        const waitFrom = start - Math.round(t.queued * 1e6);
        const [ws, we] = e.kind === 'link' ? [waitFrom, waitFrom + Math.round(t.derivation * 1e6)] : [waitFrom - Math.round((t.inputs + t.derivation) * 1e6), waitFrom];
        this.storeWrites(e.label, ws, we);
        return;
      }
      case 'node-failed':
        this.nodeEnded(e.node, now, { status: 'failed', message: e.message });
        return;
      case 'node-skipped':
        // Started, then cancelled (Ctrl-C): its span ends here.
        this.nodeEnded(e.node, now, { status: 'skipped' });
        return;
      case 'node-cutoff':
        this.spans.push({ name: `cut off: ${e.label}`, cat: 'link', ph: 'i', ts: now, pid: PID, tid: MAIN_TID, s: 't' });
        return;
      case 'summary':
        this.spans.push({ name: 'summary', cat: 'nixmake', ph: 'i', ts: now, pid: PID, tid: MAIN_TID, s: 'g', args: { ...e } });
        return;
      default:
        return;
    }
  }

  /** The trace so far: spans, the phases, and names for the threads. */
  trace(): ChromeTrace {
    const meta: TraceEvent[] = [
      { name: 'process_name', ph: 'M', pid: PID, tid: MAIN_TID, args: { name: 'nixmake' } },
      { name: 'thread_name', ph: 'M', pid: PID, tid: MAIN_TID, args: { name: 'nixmake' } },
      ...[...this.slots].sort((a, b) => a - b).map((s): TraceEvent => ({ name: 'thread_name', ph: 'M', pid: PID, tid: SLOT_TID0 + s, args: { name: `slot ${s + 1}` } })),
      ...this.writeLanes.map((_, i): TraceEvent => ({ name: 'thread_name', ph: 'M', pid: PID, tid: WRITES_TID0 + i, args: { name: `store writes ${i + 1}` } })),
    ];
    const phases: TraceEvent[] = ['start-up', 'analysis', 'store writes', 'build', 'link'].flatMap((name) => {
      const p = this.phase.get(name);
      return p ? [{ name, cat: 'phase', ph: 'X' as const, ts: p.start, dur: p.end - p.start, pid: PID, tid: MAIN_TID }] : [];
    });
    return { traceEvents: [...meta, ...phases, ...this.spans], displayTimeUnit: 'ms' };
  }
}
