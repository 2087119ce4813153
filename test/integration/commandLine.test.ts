/**
 * The Nix-native, ninja-like command line (issue 19), through the real
 * daemon: build logs (-L, warnings, `nixmake log`), Nix's build options
 * (--keep-failed, --timeout, --max-silent-time), --trace, compdb, graph and
 * the status line on a terminal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, spawnAsync, useTempProjects } from '../helpers/project.js';
import type { Tree } from '../helpers/project.js';

const project = useTempProjects(afterEach);

const WARNING = /lib\/util\.c:2:\d+: warning: unused variable .unused_var./;

const TREE: Tree = {
  'nixmake.json': JSON.stringify({
    includeDirs: ['include'],
    cflags: ['-O1', '-Wall'],
    targets: {
      util: { type: 'static-library', sources: ['lib/*.c'] },
      app: { type: 'executable', sources: ['src/*.c'], deps: ['util'], defines: ['NAME="x y"'] },
    },
  }),
  'include/util.h': 'int twice(int);\n',
  // Unique per run: the warning must come from a real compile, not an object already in the store.
  'lib/util.c': `#include "util.h"\nint twice(int x) { int unused_var; return 2 * x; }\n/* ${process.pid}-${Date.now()} */\n`,
  'src/main.c': `#include <stdio.h>\n#include "util.h"\nint main(void) { printf("%s %d\\n", NAME, twice(21)); return 0; }\n/* ${process.pid}-${Date.now()} */\n`,
};

function nixmake(args: readonly string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return spawnAsync(process.execPath, [CLI, ...args], { cwd: cwd ?? path.dirname(CLI) });
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Appends a comment, so the TU is compiled again with the same warning on the same line. */
function touchUtil(dir: string, n: number): void {
  fs.appendFileSync(path.join(dir, 'lib/util.c'), `/* edit ${n} */\n`);
}

describe('build logs', () => {
  it('-L prefixes each log line with its node, nixmake log shows the last log, warnings show once without -L and not with --quiet', async () => {
    const dir = project(TREE);
    const withL = await nixmake(['build', '-C', dir, '-L']);
    expect(withL.code).toBe(0);
    const prefixed = withL.stderr.split('\n').filter((l) => l.startsWith('lib/util.c> '));
    expect(prefixed.some((l) => WARNING.test(l))).toBe(true);
    // Shown as it came, not a second time as a warning block.
    expect(withL.stderr.split('\n').filter((l) => WARNING.test(l)).length).toBe(1);
    expect(withL.stdout).toMatch(/\[\d\/4\] CC lib\/util\.c/);

    const log = await nixmake(['log', 'lib/util.c'], dir);
    expect(log.code).toBe(0);
    expect(log.stdout).toMatch(WARNING);
    expect(log.stdout).not.toContain('/build/');
    expect(log.stdout).not.toContain('/nix/store/');
    // A file relative to the current folder; its object's build printed nothing.
    const quietLog = await nixmake(['log', '-C', '..', 'main.c'], path.join(dir, 'src'));
    expect(quietLog.code).toBe(0);
    expect(quietLog.stderr).toContain('the last build of src/main.c printed nothing');
    const linkLog = await nixmake(['log', '-C', dir, 'app']);
    expect(linkLog.code).toBe(0);
    const none = await nixmake(['log', '-C', dir, 'lib/nothing.c']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no build log for lib/nothing.c');

    touchUtil(dir, 1);
    const plain = await nixmake(['build', '-C', dir]);
    expect(plain.code).toBe(0);
    expect(plain.stderr.split('\n').filter((l) => WARNING.test(l)).length).toBe(1);
    expect(plain.stderr).not.toContain('lib/util.c> ');

    touchUtil(dir, 2);
    const quiet = await nixmake(['build', '-C', dir, '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toMatch(WARNING);
    expect(quiet.stdout).not.toContain('CC lib/util.c');
    expect(quiet.stdout).toMatch(/nixmake: built 1 object/);

    // The log kept is the last build's (the comment moved nothing: same warning).
    expect((await nixmake(['log', '-C', dir, 'lib/util.c'])).stdout).toMatch(WARNING);
    // --json carries the log in node-built, and node-log lines only with -L.
    touchUtil(dir, 3);
    const json = jsonLines((await nixmake(['build', '--json', '-C', dir])).stdout);
    expect(String(json.find((e) => e['event'] === 'node-built' && e['node'] === 'obj:util:lib/util.c')?.['log'])).toMatch(WARNING);
    expect(json.some((e) => e['event'] === 'node-log')).toBe(false);
    touchUtil(dir, 4);
    const jsonL = jsonLines((await nixmake(['build', '--json', '-L', '-C', dir])).stdout);
    expect(jsonL.some((e) => e['event'] === 'node-log' && e['label'] === 'lib/util.c' && WARNING.test(String(e['line'])))).toBe(true);
  });
});

describe("Nix's build options", () => {
  it("--keep-failed leaves the failed build's tree, with its source inside, and says where", async () => {
    const bad = 'int broken( { return 0; }\n';
    const dir = project({ ...TREE, 'lib/bad.c': bad });
    const r = await nixmake(['build', '--json', '-K', '-C', dir, 'util']);
    expect(r.code).toBe(1);
    const failed = jsonLines(r.stdout).find((e) => e['event'] === 'node-failed');
    const kept = String(failed?.['kept_build_dir']);
    try {
      expect(kept).toMatch(/nix-build-bad\.c\.o\.drv-\d+$/);
      expect(fs.readFileSync(path.join(kept, 'src', 'lib/bad.c'), 'utf8')).toBe(bad);
    } finally {
      if (failed?.['kept_build_dir']) fs.rmSync(kept, { recursive: true, force: true });
    }
    const text = await nixmake(['build', '--keep-failed', '-C', dir, 'util']);
    const m = /kept the failed build's tree of lib\/bad\.c at (\S+)/.exec(text.stderr);
    expect(m).not.toBeNull();
    fs.rmSync(m?.[1] ?? '/nonexistent', { recursive: true, force: true });
    // Without the option nothing is kept.
    const plain = jsonLines((await nixmake(['build', '--json', '-C', dir, 'util'])).stdout).find((e) => e['event'] === 'node-failed');
    expect(plain).toBeDefined();
    expect(plain?.['kept_build_dir']).toBeUndefined();
  });

  it('--timeout and --max-silent-time reach the daemon as options of this build', async () => {
    // A compile that computes for seconds and prints nothing meanwhile.
    const dir = project({
      'nixmake.json': JSON.stringify({
        cflags: ['-std=c++17', '-fconstexpr-ops-limit=4000000000', '-fconstexpr-loop-limit=2000000000'],
        targets: { slow: { type: 'static-library', sources: ['slow.cc'] } },
      }),
      'slow.cc': 'constexpr long f() { long s = 0; for (long i = 0; i < 2000000; i++) s += i % 7; return s; }\nstatic_assert(f() > 0, "");\n',
    });
    const timeout = jsonLines((await nixmake(['build', '--json', '--timeout', '1', '-C', dir])).stdout).find((e) => e['event'] === 'node-failed');
    expect(String(timeout?.['message'])).toMatch(/timed out after 1 seconds?$/);
    const silent = jsonLines((await nixmake(['build', '--json', '--max-silent-time=1', '-C', dir])).stdout).find((e) => e['event'] === 'node-failed');
    expect(String(silent?.['message'])).toMatch(/timed out after 1 seconds? of silence/);
  });
});

describe('--trace', () => {
  it('writes a Chrome trace with one span per built node, on the slot that built it, and the phases', async () => {
    const dir = project(TREE);
    const file = path.join(dir, 'trace.json');
    const r = await nixmake(['build', '--json', '-j', '2', '--trace', file, '-C', dir]);
    expect(r.code).toBe(0);
    const built = jsonLines(r.stdout).filter((e) => e['event'] === 'node-built');
    expect(built.length).toBe(4);
    const trace = JSON.parse(fs.readFileSync(file, 'utf8')) as { traceEvents: { name: string; cat?: string; ph: string; ts?: number; dur?: number; tid: number; args?: Record<string, unknown> }[] };
    const spans = trace.traceEvents.filter((e) => e.ph === 'X' && (e.cat === 'object' || e.cat === 'link'));
    expect(spans.map((s) => s.args?.['node']).sort()).toEqual(built.map((e) => e['node']).sort());
    for (const s of spans) {
      expect(s.tid === 1 || s.tid === 2).toBe(true);
      expect(s.dur).toBeGreaterThanOrEqual(0);
    }
    // Two spans on one slot never overlap.
    for (const tid of [1, 2]) {
      const on = spans.filter((s) => s.tid === tid).sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
      for (let i = 1; i < on.length; i++) expect(on[i]!.ts!).toBeGreaterThanOrEqual(on[i - 1]!.ts! + on[i - 1]!.dur! - 1000);
    }
    const phases = trace.traceEvents.filter((e) => e.cat === 'phase');
    expect(phases.map((e) => e.name)).toEqual(['start-up', 'analysis', 'store writes', 'build', 'link']);
    // The start-up ends where the build's clock begins: before 0, from the process's start.
    expect(phases[0]!.ts! + phases[0]!.dur!).toBe(0);
    expect(phases[0]!.ts!).toBeLessThan(0);
  });
});

describe('compdb and graph', () => {
  it('every compdb entry compiles with -fsyntax-only from its directory, and as it stands', async () => {
    const config = JSON.parse(TREE['nixmake.json'] as string) as { targets: { app: { sources: string[] } } };
    config.targets.app.sources.push('src/*.cc');
    const dir = project({ ...TREE, 'nixmake.json': JSON.stringify(config), 'src/extra.cc': '#include <string>\n#include "util.h"\nstd::string s() { return std::to_string(twice(1)); }\n' });
    const r = await nixmake(['compdb', '-C', dir]);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as { directory: string; file: string; arguments: string[]; output: string }[];
    expect(entries.map((e) => e.file).sort()).toEqual(['lib/util.c', 'src/extra.cc', 'src/main.c']);
    for (const e of entries) {
      expect(e.directory).toBe(dir);
      expect(e.arguments[0]).toMatch(/^\/nix\/store\/[0-9a-z]{32}-nixmake-host-gcc-[^/]+\/bin\/g(cc|\+\+)$/);
      expect(e.arguments.some((a) => /^--sysroot=\/nix\/store\//.test(a))).toBe(true);
      expect(e.arguments).toContain(e.file);
      if (e.file.startsWith('src/')) expect(e.arguments).toContain('-DNAME="x y"');
      // Only the toolchain is named by store paths.
      for (const a of e.arguments) if (a.includes('/nix/store/')) expect(a).toMatch(/nixmake-host-/);
      const syntax = await spawnAsync(e.arguments[0]!, [...e.arguments.slice(1), '-fsyntax-only'], { cwd: e.directory });
      expect(syntax.stderr.replace(/.*(warning|note|In function).*\n|.*\|.*\n/g, '')).toBe('');
      expect(syntax.code).toBe(0);
      const full = await spawnAsync(e.arguments[0]!, e.arguments.slice(1), { cwd: e.directory });
      expect(full.code).toBe(0);
      expect(fs.existsSync(path.join(e.directory, e.output))).toBe(true);
    }
    const only = JSON.parse((await nixmake(['compdb', '-C', dir, 'util'])).stdout) as unknown[];
    expect(only.length).toBe(1);
  });

  it('graph prints targets, libraries and objects as dot', async () => {
    const dir = project(TREE);
    const r = await nixmake(['graph', '-C', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph nixmake \{/);
    expect(r.stdout).toContain('"obj:app:src/main.c" -> "link:app";');
    expect(r.stdout).toContain('"obj:util:lib/util.c" -> "link:util";');
    expect(r.stdout).toContain('"link:util" -> "link:app" [style=bold];');
    const bad = await nixmake(['graph', '-C', dir, 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown target "nope"');
  });
});

describe('progress on a terminal', () => {
  it('draws one status line updated in place on a tty, plain lines otherwise', async () => {
    const dir = project(TREE);
    // `script` gives the build a pseudo-terminal.
    const r = await spawnAsync('script', ['-qec', `${process.execPath} ${CLI} build -C ${dir}`, '/dev/null']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\r\x1b\[K\[\d\/4\] \d:\d\d/);
    expect(r.stdout).not.toMatch(/^\[\d\/4\] CC /m);
    expect(r.stdout).toMatch(/nixmake: built 2 objects and 2 links/);
    touchUtil(dir, 1);
    const plain = await nixmake(['build', '-C', dir]);
    expect(plain.stdout).not.toContain('\x1b');
    expect(plain.stdout).toMatch(/^\[1\/\d\] CC lib\/util\.c$/m);
  });
});
