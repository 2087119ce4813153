/**
 * Test rig: writes a project from an inline file tree into a fresh temporary
 * folder, runs the real `nixmake` CLI on it, and parses its JSON output.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO, 'bin/nixmake.js');

export type Tree = Record<string, string>;

export function makeProject(tree: Tree, prefix = 'nixmake-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  writeTree(dir, tree);
  return dir;
}

export function writeTree(dir: string, tree: Tree): void {
  for (const [rel, text] of Object.entries(tree)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
}

/** Copies a project's sources (a folder of the repository, or any absolute one) into a temporary folder, without nixmake's state. */
export function copyProject(relDir: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-test-'));
  fs.cpSync(path.resolve(REPO, relDir), dir, {
    recursive: true,
    filter: (src) => !/[/\\](\.nixmake|result-[^/\\]*)$/.test(src),
  });
  return dir;
}

export interface Summary {
  event: 'summary';
  objects_built: number;
  links_built: number;
  cut_off: number;
  substituted?: number;
  built_remotely?: number;
  up_to_date: number;
  failed: number;
  submitted: number;
  seconds: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  events: Record<string, unknown>[];
  summary: Summary | undefined;
}

export function nixmake(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseRun(args, { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr });
}

/**
 * Runs a command without blocking the test worker (vitest's worker must
 * answer its runner; a synchronous minute-long build would time it out).
 */
export function spawnAsync(cmd: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: { ...process.env, NIX_REMOTE: 'daemon', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.end(options.input ?? '');
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

export async function nixmakeAsync(args: readonly string[]): Promise<RunResult> {
  return parseRun(args, await spawnAsync(process.execPath, [CLI, ...args], { cwd: REPO }));
}

export async function buildAsync(dir: string, ...extra: string[]): Promise<ReturnType<typeof build>> {
  return withCounts(await nixmakeAsync(['build', '--json', '-C', dir, ...extra]));
}

function parseRun(args: readonly string[], r: { code: number; stdout: string; stderr: string }): RunResult {
  const events = args.includes('--json')
    ? r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];
  const last = events[events.length - 1];
  return {
    code: r.code,
    stdout: r.stdout,
    stderr: r.stderr,
    events,
    summary: last?.['event'] === 'summary' ? (last as unknown as Summary) : undefined,
  };
}

/** `nixmake build --json -C dir`, returning the run and its summary without timings. */
export function build(dir: string, ...extra: string[]): RunResult & { counts: Omit<Summary, 'seconds' | 'event'> | undefined } {
  return withCounts(nixmake(['build', '--json', '-C', dir, ...extra]));
}

function withCounts(r: RunResult): RunResult & { counts: Omit<Summary, 'seconds' | 'event'> | undefined } {
  const counts = r.summary
    ? {
        objects_built: r.summary.objects_built,
        links_built: r.summary.links_built,
        cut_off: r.summary.cut_off,
        up_to_date: r.summary.up_to_date,
        failed: r.summary.failed,
        submitted: r.summary.submitted,
      }
    : undefined;
  return { ...r, counts };
}

export function run(cmd: string, args: readonly string[], cwd?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NIX_REMOTE: 'daemon' } });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** Sets a file's mtime a few seconds into the past or future without changing its content. */
export function touch(file: string, offsetSeconds = 5): void {
  const t = new Date(Date.now() + offsetSeconds * 1000);
  fs.utimesSync(file, t, t);
}

/**
 * For a test file: returns `project(tree)`, which writes a temporary project
 * that is removed after each test.
 */
/** Temporary projects removed after each test: from a tree, or a folder already made (a copy). */
export function useTempProjects(afterEach: (fn: () => void) => void): (tree: Tree | string) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return (tree) => {
    const d = typeof tree === 'string' ? tree : makeProject(tree);
    dirs.push(d);
    return d;
  };
}
