/**
 * The real-world suite's steps for one project: fetch its Debian source
 * (cached outside the repository by scripts/fetch-debian-source.sh),
 * configure it with its own tools, `nixmake init` from its own build,
 * remove every file that build made, `nixmake build`, put nixmake's
 * programs and libraries where the project's tests look for them, run the
 * project's own tests, and check by hash that the files tested are still
 * nixmake's (a `make check` that rebuilt one would be caught). Optionally
 * times clean and one-file-edit builds against the project's own build.
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyCommands } from '../../init/classifyCommands.js';
import type { Steps } from '../../init/classifyCommands.js';
import { readInterceptLog } from '../../init/readInterceptLog.js';
import { CLI, REPO } from '../helpers/project.js';
import type { RealProject, TestCount } from './RealProject.js';

export interface Ran {
  readonly code: number;
  readonly output: string;
  readonly seconds: number;
}

/** Runs a command, stdout and stderr together, without blocking the test worker. */
export function runAsync(cmd: string, args: readonly string[], cwd: string): Promise<Ran> {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: projectEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? 128, output, seconds: Number(process.hrtime.bigint() - start) / 1e9 }));
  });
}

/** The environment without what vitest adds (`TEST=true` shows in gawk's argarray test). */
function projectEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NIX_REMOTE: 'daemon' };
  for (const k of Object.keys(env)) if (k === 'TEST' || k === 'VITEST' || k.startsWith('VITEST_') || k === 'NODE_ENV') delete env[k];
  return env;
}

export function shell(command: string, cwd: string): Promise<Ran> {
  return runAsync('bash', ['-c', command], cwd);
}

async function mustShell(what: string, command: string, cwd: string): Promise<Ran> {
  const r = await shell(command, cwd);
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${command}\n${r.output.slice(-4000)}`);
  return r;
}

export function nixmakeRun(args: readonly string[], cwd = REPO): Promise<Ran> {
  return runAsync(process.execPath, [CLI, ...args], cwd);
}

/** Installs the Debian packages a project needs that are missing. */
async function installNeeds(needs: readonly string[]): Promise<void> {
  const missing = needs.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout !== 'install ok installed');
  if (missing.length === 0) return;
  const list = missing.join(' ');
  await mustShell('apt-get install', `export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq ${list} || { apt-get update -qq && apt-get install -y -qq ${list}; }`, REPO);
}

/** A fresh, configured copy of the project (timestamps kept, so make regenerates nothing it would not). */
export async function prepareTree(p: RealProject, dest: string): Promise<void> {
  await installNeeds(p.needs ?? []);
  const fetched = await mustShell('fetch', `bash ${JSON.stringify(path.join(REPO, 'scripts/fetch-debian-source.sh'))} ${p.source}`, REPO);
  const src = fetched.output.trim().split('\n').pop() as string;
  fs.mkdirSync(dest, { recursive: true });
  await mustShell('copy', `cp -a ${JSON.stringify(src)}/. ${JSON.stringify(dest)}/`, REPO);
  if (p.configure !== undefined) await mustShell('configure', p.configure, dest);
  for (const f of p.regenerate ?? []) fs.rmSync(path.join(dest, f));
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `nixmake-rw-${label}-`));
}

/** The steps init recorded (its bear log stays under .nixmake/). */
export function recordedSteps(root: string): Steps {
  const { execs } = readInterceptLog(fs.readFileSync(path.join(root, '.nixmake/init-events.json'), 'utf8'));
  return classifyCommands(execs);
}

/** Every object, archive, library and program the recorded build made (not the objects init imagines for a compile-and-link). */
export function buildOutputs(steps: Steps): string[] {
  const objects = steps.compiles.map((c) => c.output).filter((o) => !o.endsWith('.nixmake-init.o'));
  return [...objects, ...steps.archives.map((a) => a.output), ...steps.links.map((l) => l.output)];
}

/** Deletes the recorded build's outputs. */
export function removeBuildOutputs(steps: Steps): void {
  for (const o of buildOutputs(steps)) fs.rmSync(o, { force: true });
}

interface ConfigJson {
  targets: Record<string, { type: string; fileName?: string; aliases?: string[] }>;
  generators?: Record<string, { outputs: string[] }>;
}

export function readConfig(root: string): ConfigJson {
  return JSON.parse(fs.readFileSync(path.join(root, 'nixmake.json'), 'utf8')) as ConfigJson;
}

function fileNameOf(name: string, t: { type: string; fileName?: string }): string {
  if (t.fileName !== undefined) return t.fileName;
  return t.type === 'executable' ? name : t.type === 'static-library' ? `lib${name}.a` : `lib${name}.so`;
}

export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function isLibtoolWrapper(file: string): boolean {
  try {
    const head = fs.readFileSync(file).subarray(0, 4096).toString('latin1');
    return head.startsWith('#!') && /libtool/.test(head);
  } catch {
    return false;
  }
}

function place(from: string, to: string, mode: number, placed: Map<string, string>): void {
  fs.rmSync(to, { force: true });
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  fs.chmodSync(to, mode);
  placed.set(to, sha256(to));
}

/**
 * Copies each target's output from its result link to where the recorded
 * build wrote it (and over a libtool wrapper script beside `.libs/`), and
 * each object nixmake compiled to where the build wrote its object (a
 * test may look at one: gawk's stats `gawkapi.o`), so the project's tests
 * run nixmake's files. `objects`: TU (project path) → an object nixmake
 * built from it. Answers path → sha256.
 */
export function placeOutputs(root: string, steps: Steps, objects: ReadonlyMap<string, string>): Map<string, string> {
  const config = readConfig(root);
  const made = [...steps.links.map((l) => l.output), ...steps.archives.map((a) => a.output)];
  const placed = new Map<string, string>();
  for (const c of steps.compiles) {
    const object = objects.get(path.relative(root, c.source));
    if (object !== undefined && !c.output.endsWith('.nixmake-init.o')) place(object, c.output, 0o644, placed);
  }
  for (const [name, t] of Object.entries(config.targets)) {
    const file = fileNameOf(name, t);
    const built = path.join(fs.realpathSync(path.join(root, `result-${name}`)), t.type === 'executable' ? 'bin' : 'lib', file);
    let where = made.filter((m) => path.basename(m) === file);
    // Two programs of one name: init named them after their folders.
    if (where.length > 1) where = where.filter((m) => name.startsWith(`${path.basename(path.dirname(m))}-`));
    for (const dest of where) {
      const wrapper = path.join(path.dirname(path.dirname(dest)), file);
      const dests = path.basename(path.dirname(dest)) === '.libs' && isLibtoolWrapper(wrapper) ? [dest, wrapper] : [dest];
      for (const d of dests) place(built, d, 0o755, placed);
      // Its other names (git's builtins, hard links to git) are copies of it too.
      for (const alias of t.aliases ?? []) if (fs.existsSync(path.join(path.dirname(dest), alias))) place(built, path.join(path.dirname(dest), alias), 0o755, placed);
    }
  }
  return placed;
}

/**
 * A `make` that passes `-o FILE` (never remake it) for each placed file
 * under the folder it runs in. make does not hand `-o` down to its
 * recursive makes, but they run `$(MAKE)`, which is this wrapper again
 * (it runs make as `make`, so `$(MAKE)` is looked up on PATH).
 */
function makeWrapper(placed: Iterable<string>): string {
  const dir = tempDir('make-wrapper');
  fs.writeFileSync(path.join(dir, 'placed'), [...placed].map((p) => `${p}\n`).join(''));
  const script = `#!/bin/bash
dir=$PWD
for ((i = 1; i <= $#; i++)); do
  if [ "\${!i}" = -C ]; then j=$((i + 1)); dir=$(cd "$dir" && cd "\${!j}" && pwd); fi
done
args=()
while IFS= read -r p; do case "$p" in "$dir"/*) args+=(-o "\${p#"$dir"/}") ;; esac; done < ${JSON.stringify(path.join(dir, 'placed'))}
exec -a make /usr/bin/make "\${args[@]}" "$@"
`;
  fs.writeFileSync(path.join(dir, 'make'), script, { mode: 0o755 });
  return dir;
}

export interface TestRun extends TestCount {
  readonly code: number;
  readonly output: string;
  /** Placed files whose hash changed during the tests (rebuilt by the project's build). */
  readonly changed: readonly string[];
  /** Outputs of the recorded build that reappeared (recompiled by the project's build). */
  readonly remade: readonly string[];
}

export async function runProjectTests(p: RealProject, root: string, placed: Map<string, string>, removed: readonly string[]): Promise<TestRun> {
  const wrapper = p.testIsMake ? makeWrapper(placed.keys()) : undefined;
  const r = await shell(wrapper === undefined ? p.test : `PATH=${JSON.stringify(wrapper)}:$PATH; ${p.test}`, root);
  if (wrapper !== undefined) fs.rmSync(wrapper, { recursive: true, force: true });
  const changed = [...placed].filter(([f, h]) => !fs.existsSync(f) || sha256(f) !== h).map(([f]) => path.relative(root, f));
  const remade = removed.filter((f) => !placed.has(f) && fs.existsSync(f)).map((f) => path.relative(root, f));
  return { ...p.count(r.output, r.code, root), code: r.code, output: r.output, changed, remade };
}

export interface Timing {
  readonly make: number[];
  readonly nixmake: number[];
  /** Objects each nixmake build really compiled (a clean one must compile every TU: its outputs were deleted from the store). */
  readonly compiled: number[];
}

export interface Measured {
  readonly clean: Timing;
  readonly edit: Timing;
}

/** Store paths the project's GC roots name (its last build's outputs and derivations). */
function rootedPaths(root: string): string[] {
  const dir = path.join(root, '.nixmake/gcroots');
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    try {
      out.push(fs.readlinkSync(path.join(dir, f)));
    } catch {
      // a folder
    }
  }
  return out.filter((p) => p.startsWith('/nix/store/'));
}

async function timedNixmake(root: string, into: Timing): Promise<void> {
  const r = await nixmakeRun(['build', '-C', root, '--json']);
  if (r.code !== 0) throw new Error(`nixmake build failed:\n${r.output.slice(-4000)}`);
  // A node the daemon found already built carries no log.
  const events = r.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  into.nixmake.push(r.seconds);
  into.compiled.push(events.filter((e) => e['event'] === 'node-built' && e['kind'] === 'object' && 'log' in e).length);
}

/**
 * Clean and one-file-edit builds, nixmake (in `nmRoot`, already built) and
 * the project's own build (in `mkRoot`, a configured copy), alternating.
 * A clean nixmake build first deletes the project's outputs from the store.
 */
export async function measure(p: RealProject, nmRoot: string, mkRoot: string, cleanReps: number, editReps: number): Promise<Measured> {
  const build = p.build.map((a) => `'${a}'`).join(' ');
  await mustShell('the project build', build, mkRoot);
  const clean: Timing = { make: [], nixmake: [], compiled: [] };
  for (let i = 0; i < cleanReps; i++) {
    await mustShell('the project clean', p.clean, mkRoot);
    clean.make.push((await mustShell('the project build', build, mkRoot)).seconds);
    const paths = rootedPaths(nmRoot);
    await nixmakeRun(['clean', '-C', nmRoot]);
    // One path at a time: a path rooted elsewhere (the same object built by another project on
    // this machine) stays, and would stop a batch. Four passes, since a path goes after those naming it
    // (a link's output, its derivation, the objects' outputs it names, their derivations).
    const list = paths.filter((x) => !/nixmake-builder/.test(x)).map((x) => `'${x}'`).join(' ');
    await shell(`for pass in 1 2 3 4; do for p in ${list}; do [ -e "$p" ] && nix-store --delete "$p" >/dev/null 2>&1; done; done; true`, REPO);
    await timedNixmake(nmRoot, clean);
  }
  const edit: Timing = { make: [], nixmake: [], compiled: [] };
  for (let i = 0; i < editReps; i++) {
    const line = `\nint nixmake_realworld_edit_${process.pid}_${i} = ${i};\n`;
    fs.appendFileSync(path.join(mkRoot, p.edit), line);
    fs.appendFileSync(path.join(nmRoot, p.edit), line);
    edit.make.push((await mustShell('the project build', build, mkRoot)).seconds);
    await timedNixmake(nmRoot, edit);
  }
  return { clean, edit };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
