/**
 * Reporters of issue 19, on made-up events and a fake clock: the status
 * line (counts, elapsed, an estimate from previous durations, drawn in
 * place), warnings once per TU, -L's prefixed lines, --quiet, and the
 * Chrome trace's spans per slot and phases.
 */
import { describe, expect, it } from 'vitest';
import type { BuildEvent, NodeTimings } from '../../engine/events.js';
import { clock, ProgressLine } from '../../reporters/ProgressLine.js';
import { TerminalReporter } from '../../reporters/TerminalReporter.js';
import { TraceReporter } from '../../reporters/TraceReporter.js';

const reason = { kind: 'new' } as const;
const timings = (building: number): NodeTimings => ({ queued: 0.5, inputs: 0.25, derivation: 0.25, building, running: building / 2 });
const planned = (node: string, label: string, expected?: number): BuildEvent => ({ event: 'node-planned', node, kind: 'object', label, reason, ...(expected === undefined ? {} : { expected_seconds: expected }) });
const started = (node: string, label: string, index: number, slot: number, kind: 'object' | 'link' = 'object'): BuildEvent => ({ event: 'node-started', node, kind, label, index, total: 3, reason, slot });
const built = (node: string, label: string, building: number, log?: string, kind: 'object' | 'link' = 'object'): BuildEvent => ({
  event: 'node-built',
  node,
  kind,
  label,
  drv: '/nix/store/x.drv',
  out: '/nix/store/x',
  seconds: building,
  timings: timings(building),
  ...(log === undefined ? {} : { log }),
});

function capture(): { out: string[]; err: string[]; output: { out(t: string): void; err(t: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t) => out.push(t), err: (t) => err.push(t) } };
}

describe('ProgressLine', () => {
  it('counts finished nodes, shows elapsed time, the nodes running and an estimate from their last durations', () => {
    const p = new ProgressLine(0, 2);
    p.event({ event: 'plan', to_build: 3, up_to_date: 0, dry_run: false }, 0);
    p.event(planned('a', 'a.c', 4), 0);
    p.event(planned('b', 'b.c', 2), 0);
    p.event(planned('c', 'c.c'), 0); // never built: counts as the mean of the known, 3 s
    p.event(started('a', 'a.c', 1, 0), 0);
    p.event(started('b', 'b.c', 2, 1), 0);
    // At 1 s: a has 3 s left, b 1 s, c 3 s: 7 s over 2 slots.
    expect(p.eta(1000)).toBeCloseTo(3.5);
    expect(p.render(1000, 200)).toBe('[0/3] 0:01 ETA 0:04 · CC a.c, CC b.c');
    p.event(built('b', 'b.c', 2), 2000);
    p.event(started('c', 'c.c', 3, 1), 2000);
    expect(p.render(2000, 200)).toBe('[1/3] 0:02 ETA 0:03 · CC a.c, CC c.c');
    expect(p.render(2000, 20)?.length).toBeLessThanOrEqual(19);
  });

  it('without any duration known, shows no estimate until a node has finished', () => {
    const p = new ProgressLine(0, 1);
    p.event({ event: 'plan', to_build: 2, up_to_date: 0, dry_run: false }, 0);
    p.event(started('a', 'a.c', 1, 0), 0);
    expect(p.render(500, 100)).toBe('[0/2] 0:01 · CC a.c');
    p.event(built('a', 'a.c', 3), 3000);
    expect(p.render(3000, 100)).toBe('[1/2] 0:03 ETA 0:03');
  });

  it('shows how far a long include analysis is', () => {
    const p = new ProgressLine(0, 1);
    p.event({ event: 'analysis-progress', stage: 'scan', done: 128, total: 1000 }, 0);
    expect(p.render(61_000, 100)).toBe('scanning includes: 128/1000 files (1:01)');
    p.event({ event: 'analysis', tus: 1000, cached: 0, files: 1000, scanned: 1000, seconds: 61 }, 61_000);
    expect(p.render(61_000, 100)).toBeUndefined();
    expect(clock(3725)).toBe('1:02:05');
  });
});

describe('TerminalReporter', () => {
  it('on a terminal draws the status line in place and prints everything else above it', () => {
    const c = capture();
    let now = 0;
    const r = new TerminalReporter(c.output, { explain: false, statusLine: { jobs: 1, width: () => 80, now: () => now, refreshMs: 3_600_000 } });
    r.event({ event: 'plan', to_build: 1, up_to_date: 0, dry_run: false });
    r.event(started('a', 'a.c', 1, 0));
    now = 2000;
    r.event(built('a', 'a.c', 2, 'a.c:1:1: warning: w'));
    r.event({ event: 'summary', objects_built: 1, links_built: 0, cut_off: 0, substituted: 0, up_to_date: 0, failed: 0, submitted: 1, seconds: 2, phases: { analysis: 0, inputs: 0, derivations: 0, queued: 0, building: 2, running: 1 } });
    expect(c.out).toEqual(['\r\x1b[K[0/1] 0:00 · CC a.c', '\r\x1b[K', '\r\x1b[K[1/1] 0:02 ETA 0:00', '\r\x1b[K', 'nixmake: built 1 object and 0 links, 0 up to date (2.00s)\n']);
    expect(c.err).toEqual(['a.c:1:1: warning: w\n']);
    r.close();
  });

  it('prints warnings once per TU and text; -L prints each line with its node instead; --quiet neither', () => {
    const plain = capture();
    const r = new TerminalReporter(plain.output, { explain: false });
    r.event(built('obj:app:a.c', 'a.c', 1, 'a.c:1:1: warning: w\n'));
    r.event(built('obj:lib:a.c', 'a.c', 1, 'a.c:1:1: warning: w\n'));
    r.event(built('obj:app:b.c', 'b.c', 1, ''));
    r.event({ event: 'node-log', node: 'obj:app:a.c', label: 'a.c', line: 'a.c:1:1: warning: w' });
    expect(plain.err).toEqual(['a.c:1:1: warning: w\n']);

    const withL = capture();
    const l = new TerminalReporter(withL.output, { explain: false, printBuildLogs: true });
    l.event({ event: 'node-log', node: 'obj:app:a.c', label: 'a.c', line: 'a.c:1:1: warning: w\x1b[2J' });
    l.event(built('obj:app:a.c', 'a.c', 1, 'a.c:1:1: warning: w\n'));
    l.event({ event: 'node-failed', node: 'obj:app:c.c', kind: 'object', label: 'c.c', message: 'builder failed', log: 'c.c:1: error: e', kept_build_dir: '/tmp/nix-build-c.c.o.drv-0' });
    expect(withL.err).toEqual([
      'a.c> a.c:1:1: warning: w\\x1b[2J\n',
      'FAILED: c.c\nbuilder failed\n',
      "nixmake: kept the failed build's tree of c.c at /tmp/nix-build-c.c.o.drv-0 (on this machine, by its Nix daemon; delete it when done)\n",
    ]);

    const quiet = capture();
    const q = new TerminalReporter(quiet.output, { explain: false, quiet: true });
    q.event(started('obj:app:a.c', 'a.c', 1, 0));
    q.event(built('obj:app:a.c', 'a.c', 1, 'a.c:1:1: warning: w\n'));
    expect([...quiet.out, ...quiet.err]).toEqual([]);
  });
});

describe('TraceReporter', () => {
  it('puts one span per node on its slot, its store writes on lanes, and the phases on the main thread', () => {
    let now = 0;
    const t = new TraceReporter(() => now);
    now = 1000;
    t.event({ event: 'analysis', tus: 2, cached: 0, files: 2, scanned: 2, seconds: 0.5 });
    now = 2000;
    t.event(started('obj:a', 'a.c', 1, 0));
    t.event(started('obj:b', 'b.c', 2, 1));
    now = 3000;
    t.event(built('obj:a', 'a.c', 1));
    now = 3500;
    t.event({ event: 'node-failed', node: 'obj:b', kind: 'object', label: 'b.c', message: 'm', log: '' });
    t.event(started('link:app', 'app', 3, 0, 'link'));
    now = 4000;
    t.event(built('link:app', 'app', 0.5, undefined, 'link'));
    const ev = t.trace().traceEvents;
    const spans = ev.filter((e) => e.ph === 'X' && (e.cat === 'object' || e.cat === 'link')).map((e) => [e.name, e.tid, e.ts, e.dur]);
    expect(spans).toEqual([
      ['a.c', 1, 2_000_000, 1_000_000],
      ['b.c', 2, 2_000_000, 1_500_000],
      ['app', 1, 3_500_000, 500_000],
    ]);
    const writes = ev.filter((e) => e.cat === 'store-writes').map((e) => [e.name, e.tid, e.ts, e.dur]);
    // a.c waited 0.5 s for its slot after 0.5 s of writes; the link's wait began with its derivation.
    expect(writes).toEqual([
      ['a.c', 1000, 1_000_000, 500_000],
      ['app', 1000, 3_000_000, 250_000],
    ]);
    const phases = ev.filter((e) => e.cat === 'phase').map((e) => [e.name, e.ts, e.dur]);
    expect(phases).toEqual([
      ['analysis', 500_000, 500_000],
      ['store writes', 1_000_000, 2_250_000],
      ['build', 2_000_000, 2_000_000],
      ['link', 3_500_000, 500_000],
    ]);
    expect(ev.filter((e) => e.name === 'thread_name').map((e) => e.args?.['name'])).toEqual(['nixmake', 'slot 1', 'slot 2', 'store writes 1']);
  });

  it('ends the span of a node that started and was then skipped (Ctrl-C)', () => {
    let now = 0;
    const t = new TraceReporter(() => now);
    now = 1000;
    t.event(started('obj:a', 'a.c', 1, 0));
    now = 1500;
    t.event({ event: 'node-skipped', node: 'obj:a', because: 'the build was interrupted' });
    const spans = t.trace().traceEvents.filter((e) => e.cat === 'object').map((e) => [e.name, e.ts, e.dur, e.args?.['status']]);
    expect(spans).toEqual([['a.c', 1_000_000, 500_000, 'skipped']]);
  });

  it('shows the start-up before the reporter existed as a phase ending at 0', () => {
    let now = 120;
    const t = new TraceReporter(() => now, 0);
    now = 220;
    t.event({ event: 'analysis', tus: 1, cached: 0, files: 1, scanned: 1, seconds: 0.05 });
    const phases = t.trace().traceEvents.filter((e) => e.cat === 'phase').map((e) => [e.name, e.ts, e.dur]);
    expect(phases).toEqual([
      ['start-up', -120_000, 120_000],
      ['analysis', 50_000, 50_000],
    ]);
  });
});
