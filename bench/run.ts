/**
 * run: the benchmark. `npm run bench -- [--size N] [--shape flat|deep]
 * [--seed S] [--reps R] [--scenarios a,b] [--tools a,b] [--jobs J]
 * [--project lua|jq] [--quick] [--scan-only] [--label L]`.
 *
 * Generates a project (or fetches Lua), gives each tool its own copy, builds
 * each once, then times every scenario for every tool, interleaved (the
 * order of tools rotates), `reps` times; a tool that does not take part in
 * a scenario (nix-floor: clean only) is reported as not applicable there.
 * Every timed build's binary must print the expected output (nix-floor,
 * which links nothing, checks its objects itself). nixmake's cold and warm
 * include-scan rates are measured first, on copies, when nixmake is one of
 * the tools (`--scan-only` stops there). Writes
 * bench/results/<date>-<shape>-<N>[-<label>].json (and .md, .svg) and prints the
 * markdown table.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultSpec } from './defaultSpec.js';
import { phaseCell } from './phases.js';
import { generateProject } from './generateProject.js';
import type { Shape } from './generateProject.js';
import { markdownTable, ratios, svgChart, TOOL_ORDER } from './report.js';
import type { BenchResult, Cell } from './report.js';
import { SCENARIOS } from './scenarios.js';
import type { FlagState } from './scenarios.js';
import { scanRates } from './scanRates.js';
import type { ScanRates } from './scanRates.js';
import { stats } from './stats.js';
import { recordWithBear } from './compileDatabase.js';
import { MakeLikeTool } from './tools/MakeLikeTool.js';
import { MonolithicNixTool } from './tools/MonolithicNixTool.js';
import { NixExportTool } from './tools/NixExportTool.js';
import { NixFloorTool } from './tools/NixFloorTool.js';
import { NixmakeFetchTool } from './tools/NixmakeFetchTool.js';
import { NIXMAKE_CLI, NixmakeTool } from './tools/NixmakeTool.js';
import { PrivateNixDaemon } from './tools/PrivateNixDaemon.js';
import { SshBuilder } from './tools/SshBuilder.js';
import type { Measure, Tool } from './tools/Tool.js';
import { jqWorkspace, luaWorkspace, SyntheticWorkspace } from './Workspace.js';
import type { Workspace } from './Workspace.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CC = path.join(REPO, 'bench/tools/cc-count.sh');

/** Tools a run has only when `--tools` names them. */
const ON_REQUEST = new Set(['nixmake-remote', 'nixmake-fetch']);

interface Options {
  size: number;
  shape: Shape;
  seed: number;
  reps: number;
  jobs: number;
  scenarios: string[];
  tools: string[];
  project: 'synthetic' | 'lua' | 'jq';
  scanOnly: boolean;
  work: string;
  out: string;
  /** Appended to the result files' names, so that two runs of one day and project do not overwrite each other. */
  label: string | undefined;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string' },
      shape: { type: 'string' },
      seed: { type: 'string' },
      reps: { type: 'string' },
      jobs: { type: 'string' },
      scenarios: { type: 'string' },
      tools: { type: 'string' },
      project: { type: 'string' },
      work: { type: 'string' },
      out: { type: 'string' },
      label: { type: 'string' },
      quick: { type: 'boolean' },
      'scan-only': { type: 'boolean' },
    },
    strict: true,
  });
  const quick = values.quick === true;
  const project = values.project === 'lua' || values.project === 'jq' ? values.project : 'synthetic';
  if (values.project !== undefined && project === 'synthetic') throw new Error(`--project: "lua" or "jq", got "${values.project}"`);
  const shape = (values.shape ?? 'flat') as Shape;
  if (shape !== 'flat' && shape !== 'deep') throw new Error(`--shape must be flat or deep, got "${shape}"`);
  const size = Number(values.size ?? (quick ? 60 : 1000));
  const list = (s: string | undefined, all: string[]): string[] => (s ? s.split(',').map((x) => x.trim()) : all);
  const allTools = [...TOOL_ORDER];
  const o: Options = {
    size,
    shape,
    seed: Number(values.seed ?? 1),
    reps: Number(values.reps ?? (quick ? 3 : 5)),
    jobs: Number(values.jobs ?? os.availableParallelism()),
    scenarios: list(values.scenarios, SCENARIOS.map((s) => s.name)),
    // nixmake-remote and nixmake-fetch only when asked for (an sshd and a second store; a cache), on a synthetic project.
    tools: list(values.tools, project === 'synthetic' ? allTools.filter((t) => !ON_REQUEST.has(t)) : allTools.filter((t) => t !== 'ninja' && !ON_REQUEST.has(t))),
    project,
    scanOnly: values['scan-only'] === true,
    work: values.work ?? path.join(os.tmpdir(), project === 'synthetic' ? `nixmake-bench-${shape}-${size}` : `nixmake-bench-${project}`),
    out: values.out ?? path.join(REPO, 'bench/results'),
    label: values.label,
  };
  if (o.label !== undefined && !/^[A-Za-z0-9._-]+$/.test(o.label)) throw new Error(`--label: letters, digits, ".", "_" and "-" only, got "${o.label}"`);
  for (const s of o.scenarios) if (!SCENARIOS.some((x) => x.name === s)) throw new Error(`unknown scenario "${s}" (known: ${SCENARIOS.map((x) => x.name).join(', ')})`);
  for (const t of o.tools) if (!allTools.includes(t)) throw new Error(`unknown tool "${t}" (known: ${allTools.join(', ')})`);
  if (!(o.size > 0) || !(o.reps > 0) || !(o.jobs > 0)) throw new Error('--size, --reps and --jobs must be positive');
  return o;
}

const firstLine = (cmd: string, args: string[]): string => (spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '').split('\n')[0] ?? '';

function machine(jobs: number): Record<string, string | number> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    jobs,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    gcc: firstLine('gcc', ['--version']),
    make: firstLine('make', ['--version']),
    ninja: firstLine('ninja', ['--version']),
    nix: firstLine('nix-store', ['--version']),
  };
}

interface Setup {
  readonly tools: Tool[];
  readonly workspaces: Map<string, Workspace>;
  readonly project: Record<string, unknown>;
  /** Flags a tool's copy starts with (default none). */
  readonly flags?: Map<string, FlagState>;
}

/**
 * nixmake-remote and nixmake-fetch build the same derivations as nixmake in the same store, so their copies carry a
 * define of their own from the start (and every scenario's tag names the tool): no build of one is answered by
 * another's outputs, and nixmake-fetch deletes only its own.
 */
const OWN_DEFINE = new Set(['nixmake-remote', 'nixmake-fetch']);
const ownFlags = (tool: string): FlagState => ({ clean: [`-DNIXMAKE_BENCH_TOOL=${tool.replace(/[^A-Za-z0-9]/g, '_')}`], perTarget: {} });

function copyTree(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  // Links as they are: Node would make a relative one (jq's README -> README.md) absolute, into the base copy.
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true });
}

/**
 * jq's tree configured again for the monolithic derivation's sandbox, where
 * there is no /usr/bin or /bin: configure records the tools it finds by
 * absolute path (`MKDIR_P = /usr/bin/mkdir -p`, libtool's `SED="/usr/bin/sed"`),
 * so they are named here to be found on PATH (the store's tools). Static
 * only: libtool's uninstalled program is a wrapper script naming the build
 * folder, where a static jq is itself (so the library's 18 TUs are compiled
 * once, not twice as in jq's default shared and static build: the
 * comparator is on the cheap side). Then `make clean`: init built the tree.
 */
function sandboxConfigure(dir: string): void {
  const env = { ...process.env, SED: 'sed', GREP: 'grep', EGREP: 'grep -E', FGREP: 'grep -F', LD: 'ld', NM: 'nm', MKDIR_P: 'mkdir -p', INSTALL: 'install -c' };
  const conf = spawnSync('./configure', ['--with-oniguruma=yes', '--disable-docs', '--disable-maintainer-mode', '--disable-shared'], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (conf.status !== 0) throw new Error(`jq: configure for the monolithic derivation failed: ${conf.stderr.slice(-2000)}`);
  spawnSync('make', ['clean'], { cwd: dir, stdio: 'ignore' });
}

/** `nixmake-remote`: nixmake through a daemon of its own whose build hook reaches a builder on this machine (SshBuilder), every node built there. */
async function remoteTool(dir: string, jobs: number, executable: string): Promise<NixmakeTool> {
  const builder = await SshBuilder.start({ jobs });
  const daemon = PrivateNixDaemon.start(builder.daemonEnv);
  process.on('exit', () => {
    daemon.stop();
    builder.stop();
  });
  return new NixmakeTool(dir, jobs, executable, {
    name: 'nixmake-remote',
    args: ['--option', 'builders', builder.machine, '--option', 'max-jobs', '0'],
    env: daemon.env,
    scenarios: ['clean', 'edit-c'],
    allRemote: true,
  });
}

async function setUp(o: Options): Promise<Setup> {
  fs.rmSync(o.work, { recursive: true, force: true });
  fs.mkdirSync(o.work, { recursive: true });
  const base = path.join(o.work, 'base');
  const workspaces = new Map<string, Workspace>();
  const tools: Tool[] = [];
  if (o.project === 'lua') {
    const r = spawnSync('bash', [path.join(REPO, 'examples/lua/fetch.sh'), base], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error('could not fetch Lua (examples/lua/fetch.sh)');
    for (const name of o.tools) {
      const dir = path.join(o.work, name);
      copyTree(base, dir);
      workspaces.set(name, luaWorkspace(dir));
      if (name === 'nixmake') tools.push(new NixmakeTool(dir, o.jobs, 'lua'));
      if (name === 'make') tools.push(new MakeLikeTool('make', dir, o.jobs, ['make', `-j${o.jobs}`, 'linux', `CC=${CC} -std=gnu99`], 'src/lua', { command: ['make', 'clean'] }));
      if (name === 'nix-monolithic') tools.push(new MonolithicNixTool(dir, o.jobs, ['linux', 'CC=gcc -std=gnu99'], 'src/lua'));
      if (name === 'nix-export') tools.push(new NixExportTool(dir, 'lua'));
      if (name === 'nix-floor') {
        const db = recordWithBear(dir, ['make', `-j${o.jobs}`, 'linux', 'CC=gcc -std=gnu99'], path.join(o.work, 'nix-floor.compile_commands.json'), ['make', 'clean']);
        spawnSync('make', ['clean'], { cwd: dir, stdio: 'ignore' });
        tools.push(new NixFloorTool(dir, o.jobs, db));
      }
    }
    return { tools, workspaces, project: { name: 'Lua 5.4.4 (Debian lua5.4 .orig tarball)', tus: 34 } };
  }
  if (o.project === 'jq') {
    // jq's own build makes its generated sources; nixmake init records it and writes nixmake.json.
    const fetched = spawnSync('bash', [path.join(REPO, 'examples/jq/fetch.sh'), base], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (fetched.status !== 0) throw new Error('could not fetch jq (examples/jq/fetch.sh)');
    const init = spawnSync(process.execPath, [NIXMAKE_CLI, 'init', '-C', base, '--', 'make', `-j${o.jobs}`], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'inherit'] });
    if (init.status !== 0) throw new Error('nixmake init failed on jq');
    for (const name of o.tools) {
      const dir = path.join(o.work, name);
      copyTree(base, dir);
      workspaces.set(name, jqWorkspace(dir));
      if (name === 'nixmake') tools.push(new NixmakeTool(dir, o.jobs, 'jq'));
      if (name === 'make') tools.push(new MakeLikeTool('make', dir, o.jobs, ['make', `-j${o.jobs}`, `CC=${CC}`], 'jq', { command: ['make', 'clean'] }));
      if (name === 'nix-monolithic') {
        sandboxConfigure(dir);
        tools.push(new MonolithicNixTool(dir, o.jobs, ['CC=gcc', 'V=1'], 'jq', /^(libtool: (compile|link): +)?(gcc|ar)\b/, ['libonig-dev']));
      }
      if (name === 'nix-export') tools.push(new NixExportTool(dir, 'jq'));
      if (name === 'nix-floor') tools.push(new NixFloorTool(dir, o.jobs, recordWithBear(dir, ['make', `-j${o.jobs}`], path.join(o.work, 'nix-floor.compile_commands.json'), ['make', 'clean'])));
    }
    return { tools, workspaces, project: { name: 'jq 1.6 (Debian bookworm source, autotools + libtool)', tus: 37 } };
  }
  const spec = defaultSpec(o.shape, o.size, o.seed);
  const project = generateProject(spec, base, { cc: CC });
  for (const name of o.tools) {
    const dir = path.join(o.work, name);
    copyTree(base, dir);
    workspaces.set(name, new SyntheticWorkspace(dir, project, CC));
    if (name === 'nixmake') tools.push(new NixmakeTool(dir, o.jobs, project.binary));
    if (name === 'nixmake-remote') tools.push(await remoteTool(dir, o.jobs, project.binary));
    if (name === 'nixmake-fetch') tools.push(new NixmakeFetchTool(dir, o.jobs, project.binary));
    if (OWN_DEFINE.has(name)) (workspaces.get(name) as Workspace).setFlags(ownFlags(name).clean, {});
    if (name === 'make') tools.push(new MakeLikeTool('make', dir, o.jobs));
    if (name === 'ninja') tools.push(new MakeLikeTool('ninja', dir, o.jobs));
    if (name === 'nix-monolithic') tools.push(new MonolithicNixTool(dir, o.jobs, [`CC=gcc`], `build/${project.binary}`));
    if (name === 'nix-export') tools.push(new NixExportTool(dir, project.binary));
    // build.ninja names cc-count.sh as the compiler; the floor's builder is gcc itself.
    if (name === 'nix-floor') tools.push(new NixFloorTool(dir, o.jobs, { kind: 'ninja', rules: ['cc'] }, { [CC]: 'gcc' }));
  }
  return {
    tools,
    workspaces,
    project: { name: `synthetic ${o.shape} N=${o.size}`, spec, tus: project.tus.length, headers: project.headers.length, edits: project.edits },
    flags: new Map(o.tools.filter((t) => OWN_DEFINE.has(t)).map((t) => [t, ownFlags(t)])),
  };
}

function outputOk(tool: Tool, w: Workspace): boolean {
  const binary = tool.binary();
  if (binary === undefined) return true;
  const r = spawnSync(binary, [...w.check.args], { encoding: 'utf8' });
  return r.status === 0 && r.stdout === w.check.expected;
}

async function main(argv: string[]): Promise<number> {
  const o = options(argv);
  const command = `npm run bench -- ${argv.join(' ')}`.trim();
  const log = (s: string): void => {
    process.stderr.write(`${s}\n`);
  };
  log(`bench: setting up ${o.project === 'synthetic' ? `${o.shape} N=${o.size}` : o.project} in ${o.work}`);
  const { tools: allTools, workspaces, project, flags: initialFlags } = await setUp(o);
  // The scan rates are nixmake's: measured only when nixmake is benchmarked.
  let scan: ScanRates | undefined;
  if (o.scanOnly || o.tools.includes('nixmake')) {
    scan = scanRates(path.join(o.work, 'base'), o.work, o.reps);
    log(`bench: include scan: cold ${scan.cold.median.toFixed(0)} files/s (${scan.coldFiles} parsed), warm ${scan.warm.median.toFixed(0)} files/s (${scan.warmFiles} read from the memo)`);
  }
  const tools = (o.scanOnly ? [] : allTools).sort((a, b) => TOOL_ORDER.indexOf(a.name) - TOOL_ORDER.indexOf(b.name));
  const flags = new Map<string, FlagState>(tools.map((t) => [t.name, structuredClone(initialFlags?.get(t.name) ?? { clean: [], perTarget: {} })]));
  const runId = Date.now().toString(36);

  for (const tool of tools) {
    const m = tool.build();
    log(`bench: first build with ${tool.name}: ${m.seconds.toFixed(1)} s, ${m.compiles} compiles`);
    if (!m.ok) throw new Error(`${tool.name} failed its first build:\n${m.detail ?? ''}`);
  }

  const scenarios = SCENARIOS.filter((s) => o.scenarios.includes(s.name) && [...workspaces.values()].every((w) => s.applies(w)));
  const measures = new Map<string, Map<string, { m: Measure; ok: boolean }[]>>();
  const notApplicable: Record<string, string[]> = {};
  for (const s of scenarios) {
    const out = tools.filter((t) => t.scenarios !== undefined && !t.scenarios.includes(s.name)).map((t) => t.name);
    if (out.length > 0) notApplicable[s.name] = out;
  }
  for (let rep = 0; rep < o.reps; rep++) {
    scenarios.forEach((s, si) => {
      const order = tools.map((_, i) => tools[(i + rep + si) % tools.length] as Tool);
      for (const tool of order) {
        if (notApplicable[s.name]?.includes(tool.name)) continue;
        const w = workspaces.get(tool.name) as Workspace;
        const f = flags.get(tool.name) as FlagState;
        if (s.resets) tool.reset();
        s.edit(w, f, `${runId}_${rep}_${tool.name.replace(/[^A-Za-z0-9]/g, '_')}`);
        const m = tool.build();
        const ok = m.ok && outputOk(tool, w);
        if (!ok) log(`bench: ${tool.name} ${s.name}: ${m.ok ? 'wrong output' : `build failed\n${m.detail ?? ''}`}`);
        let row = measures.get(s.name);
        if (!row) measures.set(s.name, (row = new Map()));
        row.set(tool.name, [...(row.get(tool.name) ?? []), { m, ok }]);
        const parts = m.parts ? ` (${Object.entries(m.parts).map(([k, v]) => `${k} ${v.toFixed(3)} s`).join(' + ')})` : '';
        const ph = m.phases ? ` [${Object.entries(m.phases).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}]` : '';
        log(`bench: rep ${rep + 1}/${o.reps} ${s.name.padEnd(20)} ${tool.name.padEnd(14)} ${m.seconds.toFixed(3)} s${parts}  ${m.compiles} compiles, ${m.links} links${ph}`);
        if (s.undo) {
          s.undo(w, f);
          if (!tool.build().ok) throw new Error(`${tool.name} failed after undoing ${s.name}`);
        }
      }
    });
  }

  const cells: Record<string, Record<string, Cell>> = {};
  for (const [s, row] of measures) {
    cells[s] = {};
    for (const [t, runs] of row) {
      const seconds = runs.map((r) => r.m.seconds);
      const partNames = [...new Set(runs.flatMap((r) => Object.keys(r.m.parts ?? {})))];
      const parts = Object.fromEntries(partNames.map((k) => [k, stats(runs.map((r) => r.m.parts?.[k] ?? Number.NaN))]));
      cells[s][t] = {
        seconds,
        stats: stats(seconds),
        compiles: runs.map((r) => r.m.compiles),
        links: runs.map((r) => r.m.links),
        wrong: runs.filter((r) => !r.ok).length,
        ...(partNames.length > 0 ? { parts } : {}),
      };
      const ph = phaseCell(runs.map((r) => r.m));
      if (ph) cells[s][t] = { ...cells[s][t], phases: ph };
    }
  }
  const partial: BenchResult = {
    command,
    date: new Date().toISOString(),
    machine: machine(o.jobs),
    project,
    reps: o.reps,
    tools: tools.map((t) => t.name),
    scenarios: scenarios.map((s) => ({ name: s.name, description: s.description })),
    cells,
    notApplicable,
    ...(scan ? { scan } : {}),
  };
  const result: BenchResult = { ...partial, ratios: ratios(partial) };
  fs.mkdirSync(o.out, { recursive: true });
  const stem = path.join(o.out, `${result.date.slice(0, 10)}-${o.project === 'synthetic' ? `${o.shape}-${o.size}` : o.project}${o.scanOnly ? '-scan' : ''}${o.label ? `-${o.label}` : ''}`);
  fs.writeFileSync(`${stem}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const table = markdownTable(result);
  fs.writeFileSync(`${stem}.md`, `# ${String(project['name'])}\n\n\`${command}\`\n\n${table}`);
  fs.writeFileSync(`${stem}.svg`, svgChart(result));
  process.stdout.write(`\n${table}\nwritten: ${stem}.json, .md, .svg\n`);
  const wrong = Object.values(cells).flatMap((row) => Object.values(row)).reduce((n, c) => n + c.wrong, 0);
  return wrong > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
