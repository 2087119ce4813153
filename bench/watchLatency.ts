/**
 * watchLatency: `node dist/bench/watchLatency.js [--size 300] [--shape flat]
 * [--seed 11] [--reps 15] [--jobs J] [--work DIR] [--label L]` times, on one generated
 * project, an edit of one `.c` (a new global, as the edit-c scenario) until
 * the new binary exists:
 *
 * - `watch`: `nixmake watch --json` running; from the edit (the write
 *   returned) to the `result-link` event of the executable, read from its
 *   output. The same build's own `node-built` timings give what the compile
 *   and the links cost (`building`: the daemon's build of each node, sandbox
 *   included; `running`: the compiler, `ar` and linker alone), so the
 *   difference is what watching, analysis and bookkeeping add.
 * - `build`: `nixmake build` started after the edit (process start-up included).
 * - `ninja`: `ninja -jJ` after the edit, wall time.
 *
 * Each tool has its own copy (the same seed) and its own edit tag, so no tool
 * finds another's output in the store; the tools take turns in every
 * repetition. Writes bench/results/<date>-watch-<shape>-<N>[-<label>].{json,md} (`--label`: so a run
 * does not replace another of the same day) and
 * prints the table. It does not judge the figures.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { defaultSpec } from './defaultSpec.js';
import { generateProject } from './generateProject.js';
import type { GeneratedProject, Shape } from './ProjectSpec.js';
import { stats } from './stats.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO, 'bin/nixmake.js');

type Event = Record<string, unknown>;

interface WatchRep {
  latency: number;
  /** Edit → the watch-rebuild line (debounce and event delivery). */
  toStart: number;
  building: number;
  running: number;
  /** Sum of the built nodes' own wall seconds (inputs, derivation, queue, build). */
  nodeSeconds: number;
  nodes: number;
  analysis: number;
}

function sh(cmd: string, args: readonly string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${r.stderr}${r.stdout.slice(-2000)}`);
}

class Watcher {
  readonly events: { e: Event; t: number }[] = [];
  private wake: (() => void) | undefined;
  private readonly child;

  constructor(dir: string, jobs: number) {
    this.child = spawn(process.execPath, [CLI, 'watch', '--json', '-j', String(jobs), '-C', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    this.child.stdout.on('data', (b: Buffer) => {
      const t = performance.now();
      buf += b.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) this.events.push({ e: JSON.parse(line) as Event, t });
      }
      this.wake?.();
    });
  }

  async until(pred: (e: Event) => boolean, from: number, ms = 600_000): Promise<number> {
    const deadline = performance.now() + ms;
    for (;;) {
      const i = this.events.findIndex((x, k) => k >= from && pred(x.e));
      if (i >= 0) return i;
      if (performance.now() > deadline) throw new Error('watch: timed out');
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 1000);
      });
    }
  }

  stop(): Promise<void> {
    return new Promise((r) => {
      this.child.on('close', () => r());
      this.child.kill('SIGINT');
    });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { size: { type: 'string' }, shape: { type: 'string' }, seed: { type: 'string' }, reps: { type: 'string' }, jobs: { type: 'string' }, work: { type: 'string' }, label: { type: 'string' } },
  });
  const n = Number(values.size ?? 300);
  const shape = (values.shape ?? 'flat') as Shape;
  const seed = Number(values.seed ?? 11);
  const reps = Number(values.reps ?? 15);
  const jobs = Number(values.jobs ?? os.availableParallelism());
  const work = fs.mkdtempSync(values.work ?? path.join(os.tmpdir(), 'nixmake-watch-bench-'));
  const copies: Record<'watch' | 'build' | 'ninja', { dir: string; project: GeneratedProject }> = {} as never;
  for (const tool of ['watch', 'build', 'ninja'] as const) {
    const dir = path.join(work, tool);
    copies[tool] = { dir, project: generateProject(defaultSpec(shape, n, seed), dir, { cc: 'gcc' }) };
  }
  const run = `${process.pid}-${Date.now()}`;
  const edit = (tool: string, rep: number): void =>
    fs.appendFileSync(path.join(copies[tool as 'watch'].dir, copies.watch.project.edits.cFile), `int nixmake_watch_bench_${tool}_${rep}_${run.replace('-', '_')} = 1;\n`);
  const binary = copies.watch.project.binary;

  process.stderr.write(`initial builds in ${work}\n`);
  sh('ninja', [`-j${jobs}`], copies.ninja.dir);
  sh(process.execPath, [CLI, 'build', '-j', String(jobs), '-C', copies.build.dir], REPO);
  const w = new Watcher(copies.watch.dir, jobs);
  await w.until((e) => e['event'] === 'watch-ready', 0);

  const watchReps: WatchRep[] = [];
  const buildTimes: number[] = [];
  const ninjaTimes: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const order = ['watch', 'build', 'ninja'].map((_, k, a) => a[(k + rep) % a.length] as string);
    for (const tool of order) {
      await new Promise((r) => setTimeout(r, 300)); // let the previous tool's writes settle
      if (tool === 'watch') {
        const from = w.events.length;
        edit('watch', rep);
        const t0 = performance.now();
        const started = await w.until((e) => e['event'] === 'watch-rebuild', from);
        const linked = await w.until((e) => e['event'] === 'result-link' && e['target'] === binary, started);
        const end = await w.until((e) => e['event'] === 'summary', started);
        const built = w.events.slice(started, end).map((x) => x.e).filter((e) => e['event'] === 'node-built');
        const sum = (k: string): number => built.reduce((s, e) => s + ((e['timings'] as Record<string, number>)[k] ?? 0), 0);
        const analysis = w.events.slice(started, end).find((x) => x.e['event'] === 'analysis')?.e['seconds'] as number;
        watchReps.push({
          latency: ((w.events[linked] as { t: number }).t - t0) / 1000,
          toStart: ((w.events[started] as { t: number }).t - t0) / 1000,
          building: sum('building'),
          running: sum('running'),
          nodeSeconds: built.reduce((s, e) => s + (e['seconds'] as number), 0),
          nodes: built.length,
          analysis,
        });
      } else {
        edit(tool, rep);
        const t0 = performance.now();
        if (tool === 'build') sh(process.execPath, [CLI, 'build', '-j', String(jobs), '-C', copies.build.dir], REPO);
        else sh('ninja', [`-j${jobs}`], copies.ninja.dir);
        (tool === 'build' ? buildTimes : ninjaTimes).push((performance.now() - t0) / 1000);
      }
    }
    const last = watchReps.at(-1) as WatchRep;
    process.stderr.write(
      `rep ${rep + 1}/${reps}: watch ${last.latency.toFixed(3)}s (building ${last.building.toFixed(3)}s, ${last.nodes} nodes), build ${buildTimes.at(-1)?.toFixed(3)}s, ninja ${ninjaTimes.at(-1)?.toFixed(3)}s\n`,
    );
  }
  await w.stop();

  const med = (xs: number[]): string => stats(xs).median.toFixed(3);
  const range = (xs: number[]): string => `${stats(xs).min.toFixed(3)}–${stats(xs).max.toFixed(3)}`;
  const col = (f: (r: WatchRep) => number): number[] => watchReps.map(f);
  const rows: [string, number[]][] = [
    ['watch: edit → new binary', col((r) => r.latency)],
    ['  its compile + links (daemon `building`)', col((r) => r.building)],
    ['  its compile + links (`running`: gcc, ar, ld alone)', col((r) => r.running)],
    ['  edit → new binary − `building`', col((r) => r.latency - r.building)],
    ['  edit → build starts (debounce, events)', col((r) => r.toStart)],
    ['  analysis', col((r) => r.analysis)],
    ['`nixmake build` after the edit (start-up included)', buildTimes],
    ['`ninja` after the edit', ninjaTimes],
  ];
  const date = new Date().toISOString().slice(0, 10);
  const md = [
    `edit one .c, ${shape} N=${n} seed ${seed}, -j${jobs}, ${reps} repetitions (nodes rebuilt per edit: ${[...new Set(col((r) => r.nodes))].join(', ')})`,
    '',
    '| measure | median (s) | min–max (s) |',
    '| --- | ---: | ---: |',
    ...rows.map(([name, xs]) => `| ${name} | ${med(xs)} | ${range(xs)} |`),
    '',
  ].join('\n');
  process.stdout.write(md);
  const out = path.join(REPO, 'bench/results', `${date}-watch-${shape}-${n}${values.label === undefined ? '' : `-${values.label}`}`);
  fs.writeFileSync(`${out}.json`, JSON.stringify({ date, shape, n, seed, jobs, reps, load: os.loadavg(), watch: watchReps, build: buildTimes, ninja: ninjaTimes }, null, 1));
  fs.writeFileSync(`${out}.md`, md);
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`watchLatency: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
