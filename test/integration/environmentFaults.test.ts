/**
 * Faults of the environment around a project, injected one at a time: each
 * either fails with a clear error (exit 1, a message naming the path and what
 * to do, a `diagnostic` line under --json, no stack, no lock left behind) or
 * recovers, and then the next build equals a clean one (the program's bytes
 * are compared with those of a fresh copy built from scratch).
 *
 * Permissions mean nothing to root, so the permission faults run the CLI as
 * `nobody` (runuser) on a copy of the project that `nobody` owns. The test
 * daemon's socket folder is 0700 (mkdtemp), so `nobody` cannot reach it:
 * that is the EACCES case; the untrusted-user case opens the folder for the
 * length of the test.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, CLI, makeProject, nixmake, run, useTempProjects } from '../helpers/project.js';
import type { RunResult, Tree } from '../helpers/project.js';

const project = useTempProjects(afterEach);

const tree = (): Tree => ({
  'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['*.c', 'sub/*.c'] } } }),
  'main.c': `#include <stdio.h>\nint helper(void);\nint main(void) { printf("%d\\n", helper()); return 0; } /* ${process.pid}-${Date.now()} */\n`,
  'sub/helper.c': 'int helper(void) { return 42; }\n',
});

const NOBODY = 65534;
const STACK = /internal error|\n\s+at |Error: E[A-Z]+:/;

let nobodyCache: string | undefined;
/**
 * A machine-wide nixmake cache `nobody` can read: a copy of root's record of the imported
 * toolchain, so that `nobody` finds the toolchain without contacting the daemon (these tests are
 * about the faults they inject, not about importing the toolchain as another user).
 */
function cacheForNobody(): string {
  if (!nobodyCache) {
    nobodyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-nobody-cache-'));
    fs.chmodSync(nobodyCache, 0o755);
  }
  // Root's record as it is now (a root build earlier in the file may have renewed it).
  if (!fs.existsSync(path.join(os.homedir(), '.cache', 'nixmake', 'host-toolchain.json'))) build(project(tree()));
  const rootCache = path.join(process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'), 'nixmake', 'host-toolchain.json');
  if (fs.existsSync(rootCache)) {
    fs.copyFileSync(rootCache, path.join(nobodyCache, 'host-toolchain.json'));
    fs.chmodSync(path.join(nobodyCache, 'host-toolchain.json'), 0o644);
  }
  return nobodyCache;
}

function asNobody(args: readonly string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, CLI, ...args], {
    env: { ...process.env, HOME: '/nonexistent', NIXMAKE_CACHE_DIR: cacheForNobody(), ...env },
    encoding: 'utf8',
  });
  const events = args.includes('--json')
    ? r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr, events, summary: undefined };
}

function chownNobody(dir: string): void {
  expect(run('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]).code).toBe(0);
}

const diagnostics = (r: RunResult, severity = 'error'): Record<string, unknown>[] =>
  r.events.filter((e) => e['event'] === 'diagnostic' && e['severity'] === severity);

/** The program a clean build of the same files gives, to compare a recovered build with. */
function cleanProgram(dir: string): Buffer {
  const fresh = project(makeProject({}));
  fs.cpSync(dir, fresh, { recursive: true, filter: (src) => !/[/\\](\.nixmake|result-[^/\\]*|fill|reserve)$/.test(src) });
  expect(build(fresh).code).toBe(0);
  return fs.readFileSync(path.join(fresh, 'result-app/bin/app'));
}

function expectEqualsClean(dir: string): void {
  expect(fs.readFileSync(path.join(dir, 'result-app/bin/app'))).toEqual(cleanProgram(dir));
  expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('42\n');
}

function expectClearError(r: RunResult, file: string, message: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).not.toMatch(STACK);
  const d = diagnostics(r);
  expect(d.length, r.stdout + r.stderr).toBeGreaterThan(0);
  expect(d[0]).toMatchObject({ file });
  expect(String(d[0]?.['message'])).toMatch(message);
}

const noLock = (dir: string): void => expect(fs.existsSync(path.join(dir, '.nixmake/lock'))).toBe(false);

describe('things in the way of nixmake’s own files', () => {
  it('.nixmake as a regular file: an error naming it, and the file is left alone', () => {
    const dir = project(tree());
    fs.writeFileSync(path.join(dir, '.nixmake'), 'mine');
    const r = build(dir);
    expectClearError(r, '.nixmake', /\.nixmake is a regular file, not a folder: .*move or delete it/);
    expect(fs.readFileSync(path.join(dir, '.nixmake'), 'utf8')).toBe('mine');
    expect(nixmake(['build', '-C', dir]).stderr).toMatch(/^\.nixmake: error: .*move or delete it\n$/);
  });

  it('result-<target> as a folder or a regular file: an error before building, the data kept; moved away, the link appears', () => {
    for (const kind of ['folder', 'file'] as const) {
      const dir = project(tree());
      const link = path.join(dir, 'result-app');
      if (kind === 'folder') {
        fs.mkdirSync(link);
        fs.writeFileSync(path.join(link, 'notes.txt'), 'precious');
      } else fs.writeFileSync(link, 'precious');
      const r = build(dir);
      expectClearError(r, 'result-app', new RegExp(`result-app is ${kind === 'folder' ? 'a folder' : 'a regular file'}, not a link nixmake made: nixmake never replaces it; move or delete it`));
      expect(r.counts).toBeUndefined(); // nothing was built or recorded
      expect(fs.readFileSync(kind === 'folder' ? path.join(link, 'notes.txt') : link, 'utf8')).toBe('precious');
      expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
      noLock(dir);
      fs.renameSync(link, path.join(dir, 'mine'));
      expect(build(dir).code).toBe(0);
      expectEqualsClean(dir);
    }
  });
});

describe('a memo this nixmake cannot use is set aside and rebuilt', () => {
  const faults: [string, (memo: string) => void, RegExp][] = [
    ['a missing table', (m) => run('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("DROP TABLE nodes"); c.commit()', m]), /no such table: nodes/],
    ['another schema version', (m) => run('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 99"); c.commit()', m]), /schema version 99, this nixmake uses \d+/],
    ['garbage', (m) => fs.writeFileSync(m, 'not a database '.repeat(500)), /not a database/],
  ];
  for (const [what, inject, reason] of faults) {
    it(`${what}: a warning, a good build, equal to a clean one, and no lock left`, () => {
      const dir = project(tree());
      expect(build(dir).code).toBe(0);
      const memo = path.join(dir, '.nixmake/memo.sqlite');
      inject(memo);
      fs.appendFileSync(path.join(dir, 'main.c'), '/* edited */\n');
      const r = build(dir);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(STACK);
      const w = diagnostics(r, 'warning');
      expect(w).toHaveLength(1);
      expect(w[0]).toMatchObject({ file: '.nixmake/memo.sqlite' });
      expect(String(w[0]?.['message'])).toMatch(reason);
      expect(String(w[0]?.['message'])).toMatch(/moved it to .*memo\.sqlite\.corrupt-\d+ and starting a fresh one/);
      noLock(dir);
      expectEqualsClean(dir);
      // The fresh memo is a good one: the next build has nothing to do.
      expect(build(dir).counts).toMatchObject({ submitted: 0, up_to_date: 3 });
    });
  }
});

describe('a memo that cannot be written', () => {
  it('read-only (the file, then the folder), as a non-root user: a clear error, no stack, no lock left', () => {
    const dir = project(tree());
    expect(build(dir).code).toBe(0);
    fs.appendFileSync(path.join(dir, 'main.c'), '/* edited */\n');
    chownNobody(dir);
    const memo = path.join(dir, '.nixmake/memo.sqlite');
    fs.chmodSync(memo, 0o444);
    let r = asNobody(['build', '--json', '-C', dir]);
    expectClearError(r, '.nixmake/memo.sqlite', /memo\.sqlite is not writable for user nobody \(EACCES\).*fix its permissions/);
    noLock(dir);
    fs.chmodSync(memo, 0o644);
    fs.chmodSync(path.join(dir, '.nixmake'), 0o555);
    r = asNobody(['build', '--json', '-C', dir]);
    expectClearError(r, '.nixmake', /cannot create the project lock in .*\.nixmake as user nobody \(EACCES\).*make it writable/);
    fs.chmodSync(path.join(dir, '.nixmake'), 0o755);
    noLock(dir);
    expect(build(dir).code).toBe(0);
    expectEqualsClean(dir);
  });

  it('locked by another program holding a write transaction: a clear error after a wait, then a good build once it lets go', async () => {
    const dir = project(tree());
    expect(build(dir).code).toBe(0);
    fs.appendFileSync(path.join(dir, 'main.c'), '/* edited */\n');
    const holder = spawn('python3', ['-c', 'import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute("BEGIN EXCLUSIVE"); print("held", flush=True); time.sleep(60)', path.join(dir, '.nixmake/memo.sqlite')]);
    try {
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      const r = await new Promise<RunResult>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'build', '--json', '-C', dir]);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('close', (code) =>
          resolve({ code: code ?? 128, stdout, stderr, events: stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>), summary: undefined }),
        );
      });
      expectClearError(r, '.nixmake/memo.sqlite', /memo\.sqlite is locked by another program \(SQLITE_BUSY; waited 5 s\); close whatever holds it/);
      expect(r.events.filter((e) => e['event'] === 'node-started')).toEqual([]);
      noLock(dir);
    } finally {
      holder.kill();
    }
    await new Promise((r) => holder.on('close', r));
    expect(build(dir).code).toBe(0);
    expectEqualsClean(dir);
  });
});

describe('files this user may not read', () => {
  it('an unreadable source, and an unreadable folder of sources, as a non-root user: named, never "cannot reach the daemon"', () => {
    const dir = project(tree());
    chownNobody(dir);
    fs.chmodSync(path.join(dir, 'sub/helper.c'), 0o000);
    let r = asNobody(['build', '--json', '-C', dir]);
    expectClearError(r, 'sub/helper.c', /permission denied: nixmake \(as user nobody\) cannot open .*sub\/helper\.c \(EACCES, open\)/);
    expect(r.stdout + r.stderr).not.toMatch(/daemon/);
    fs.chmodSync(path.join(dir, 'sub/helper.c'), 0o644);
    fs.chmodSync(path.join(dir, 'sub'), 0o000);
    r = asNobody(['build', '--json', '-C', dir]);
    expectClearError(r, 'sub', /permission denied: nixmake \(as user nobody\) cannot read .*sub \(EACCES, scandir\)/);
    expect(r.stdout + r.stderr).not.toMatch(/daemon/);
    fs.chmodSync(path.join(dir, 'sub'), 0o755);
    noLock(dir);
    expect(build(dir).code).toBe(0);
    expectEqualsClean(dir);
  });
});

describe('a full disk', () => {
  const canMount = spawnSync('mount', ['--help']).status === 0 && process.getuid?.() === 0;
  it.skipIf(!canMount)('ENOSPC where the memo lives: a clear error, nothing corrupt; with space again, a build equal to a clean one', () => {
    const dir = project(makeProject({}));
    expect(run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]).code).toBe(0);
    try {
      for (const [rel, text] of Object.entries(tree())) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
      expect(build(dir).code).toBe(0);
      fs.appendFileSync(path.join(dir, 'main.c'), '/* edited */\n');
      // Full but for two pages: the lock fits, the memo's shared memory and log do not.
      fs.writeFileSync(path.join(dir, 'reserve'), Buffer.alloc(8192));
      run('dd', ['if=/dev/zero', `of=${path.join(dir, 'fill')}`, 'bs=4k']);
      fs.rmSync(path.join(dir, 'reserve'));
      const r = build(dir);
      expectClearError(r, '.nixmake/memo.sqlite', /no space left on the device holding .*memo\.sqlite \(SQLITE_[A-Z_]+\); free some space/);
      noLock(dir);
      fs.rmSync(path.join(dir, 'fill'));
      const again = build(dir);
      expect(again.code, again.stderr).toBe(0);
      expect(diagnostics(again, 'warning')).toEqual([]); // the memo was not damaged
      expectEqualsClean(dir);
    } finally {
      run('umount', [dir]);
    }
  });
});

describe('the daemon, as a non-root user', () => {
  const socket = process.env['NIX_DAEMON_SOCKET_PATH'] ?? '';
  const socketDir = path.dirname(socket);

  it('a socket this user may not use: permission denied, said as such', () => {
    expect(fs.statSync(socketDir).mode & 0o077).toBe(0); // mkdtemp's 0700: only root gets in
    const dir = project(tree());
    chownNobody(dir);
    const r = asNobody(['build', '--json', '-C', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(STACK);
    expect(r.stdout + r.stderr).toContain(`cannot connect to the Nix daemon: permission denied on ${socket} (EACCES)`);
    noLock(dir);
  });

  it('a user the daemon does not trust: building works, and an option the daemon ignored is a warning that says what to do', () => {
    const mode = fs.statSync(socketDir).mode & 0o777;
    fs.chmodSync(socketDir, 0o711);
    try {
      const t = tree();
      t['nixmake.json'] = JSON.stringify({ nix: { options: { 'max-build-log-size': '1000000' } }, targets: { app: { type: 'executable', sources: ['*.c', 'sub/*.c'] } } });
      const dir = project(t);
      chownNobody(dir);
      const r = asNobody(['build', '--json', '-C', dir]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(STACK);
      const w = diagnostics(r, 'warning').map((d) => String(d['message']));
      expect(w).toEqual([
        "the Nix daemon ignored the option 'max-build-log-size' because user nobody is not one of its trusted-users: builds work, but without this option. " +
          "Add nobody to trusted-users in the daemon's nix.conf (and restart it), or drop 'max-build-log-size' from nix.options in nixmake.json or from --option",
      ]);
      expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('42\n');
      expectEqualsClean(dir);
    } finally {
      fs.chmodSync(socketDir, mode);
    }
  });
});

describe('a binary cache, for a user the daemon does not trust', () => {
  it('the substituter and the key are dropped by the daemon, and nixmake names trusted-substituters', () => {
    const socketDir = path.dirname(process.env['NIX_DAEMON_SOCKET_PATH'] ?? '');
    const mode = fs.statSync(socketDir).mode & 0o777;
    fs.chmodSync(socketDir, 0o711);
    try {
      const dir = project(tree());
      chownNobody(dir);
      const r = asNobody(['build', '--json', '-C', dir, '--option', 'substituters', 'file:///nonexistent-nixmake-cache', '--option', 'trusted-public-keys', 'k:AAAA']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const w = diagnostics(r, 'warning').map((d) => String(d['message']));
      expect(w.sort()).toEqual([
        "the Nix daemon ignored the option 'trusted-public-keys' because user nobody is not one of its trusted-users: builds work, but a path signed only by these keys is built here instead of fetched " +
          "(or add the key to trusted-public-keys in the daemon's nix.conf). Add nobody to trusted-users in the daemon's nix.conf (and restart it), or drop 'trusted-public-keys' from nix.options in nixmake.json or from --option",
        "the Nix daemon ignored the substituter 'file:///nonexistent-nixmake-cache': user nobody is not one of its trusted-users and 'file:///nonexistent-nixmake-cache' is not in its trusted-substituters, " +
          "so nothing is fetched from it and everything is built here. Add 'file:///nonexistent-nixmake-cache' to trusted-substituters (and its key to trusted-public-keys) in the daemon's nix.conf, " +
          'or nobody to trusted-users, and restart the daemon',
      ]);
    } finally {
      fs.chmodSync(socketDir, mode);
    }
  });
});

describe('Ctrl-C', () => {
  const start = (dir: string, env: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, [CLI, 'build', '--json', '-C', dir], { env: { ...process.env, ...env } });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const done = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 0))));
    return { child, done, out: () => stdout };
  };
  const until = async (f: () => boolean): Promise<void> => {
    for (let i = 0; i < 400 && !f(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(f()).toBe(true);
  };

  it('while waiting for another build’s project lock: exits 130 at once; the next build equals a clean one', async () => {
    const dir = project(tree());
    const first = start(dir, { NIXMAKE_TEST_PAUSE_AFTER_ANALYSIS_MS: '3000' });
    await until(() => first.out().includes('"event":"analysis"'));
    const second = start(dir);
    await until(() => second.out().includes('waiting for another nixmake (pid'));
    const t0 = Date.now();
    second.child.kill('SIGINT');
    expect(await second.done).toBe(130);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(await first.done).toBe(0);
    noLock(dir);
    expect(build(dir).counts).toMatchObject({ submitted: 0 });
    expectEqualsClean(dir);
  });

  for (const [when, marker] of [
    ['during the analysis', '"event":"analysis"'],
    ['while a node builds', '"event":"node-started"'],
  ] as const) {
    it(`${when}: exits 130, leaves no lock, and the next build equals a clean one`, async () => {
      const dir = project(tree());
      const b = start(dir, { NIXMAKE_TEST_PAUSE_AFTER_ANALYSIS_MS: '1500' });
      await until(() => b.out().includes(marker));
      b.child.kill('SIGINT');
      expect(await b.done).toBe(130);
      noLock(dir);
      const next = build(dir);
      expect(next.code, next.stderr).toBe(0);
      expectEqualsClean(dir);
    });
  }
});
