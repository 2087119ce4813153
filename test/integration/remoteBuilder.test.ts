/**
 * Nix remote builders (issue 18), with a real sshd on a localhost port and a
 * second, chroot store on this machine (bench/tools/SshBuilder). The local
 * daemon is one of the test's own, whose environment carries the ssh
 * options (the daemon's hook runs ssh, not nixmake). With
 * `--option builders SPEC --option max-jobs 0` every node is built on the
 * remote store: each output is in it, and came back to the local store.
 * Logs and errors of remote builds reach the user as local ones do; a
 * builder that ssh cannot reach is named, with ssh's own reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SshBuilder } from '../../bench/tools/SshBuilder.js';
import { startBareDaemon, stopBareDaemon } from '../helpers/bareDaemon.js';
import type { Daemon } from '../helpers/bareDaemon.js';
import { nixmake, run, useTempProjects } from '../helpers/project.js';
import { STOCK_NIX_CONF } from '../stockDaemon.js';

const project = useTempProjects(afterEach);
let remote: SshBuilder | undefined;
let daemon: Daemon | undefined;

beforeAll(async () => {
  remote = await SshBuilder.start({ jobs: 2 });
  daemon = await startBareDaemon(STOCK_NIX_CONF, 'nixmake-remote-daemon-', remote.daemonEnv);
});

afterAll(() => {
  stopBareDaemon(daemon);
  remote?.stop();
});

/** nixmake through the test's daemon (whose hook knows the ssh options); `env` is nixmake's own. */
function viaDaemon(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof nixmake> {
  return nixmake(args, { env: { NIX_DAEMON_SOCKET_PATH: (daemon as Daemon).socket, NIX_REMOTE: 'daemon', ...env } });
}

const remoteOptions = (): string[] => ['--option', 'builders', (remote as SshBuilder).machine, '--option', 'max-jobs', '0'];

/** Unique sources, so that no other test (or machine state) has these outputs. */
function uniqueProject(extra: Record<string, string> = {}): string {
  const nonce = `${process.pid}-${Date.now()}-${Math.random()}`;
  return project({
    'nixmake.json': JSON.stringify({ cflags: ['-Wall'], targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
    'src/main.c': `#include <stdio.h>\nint f(void);\nint main(void) { printf("%d\\n", f()); return 0; }\n/* ${nonce} */\n`,
    'src/f.c': `int f(void) { int unused; return 42; }\n/* ${nonce} */\n`,
    ...extra,
  });
}

describe('remote builders', () => {
  it('with max-jobs 0, builds every node on the remote machine; its logs and errors reach the user as local ones', () => {
    const dir = uniqueProject();
    const r = viaDaemon(['build', '--json', '-C', dir, ...remoteOptions()]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.summary).toMatchObject({ objects_built: 2, links_built: 1, built_remotely: 3, failed: 0 });
    expect(r.events.filter((e) => e['event'] === 'diagnostic')).toEqual([]);
    // Every output was built in the remote store (it holds them), then copied here.
    const built = r.events.filter((e) => e['event'] === 'node-built');
    // The daemon names the machine each build went to (its build activity), and nixmake passes it on.
    expect(built.map((e) => e['machine'])).toEqual(Array(3).fill((remote as SshBuilder).machine.split(' ')[0]));
    const outs = built.map((e) => String(e['out']));
    const there = new Set((remote as SshBuilder).storePaths());
    for (const out of outs) {
      expect(there.has(path.basename(out)), out).toBe(true);
      expect(fs.existsSync(out)).toBe(true);
    }
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('42\n');
    // The compiler's warning, from the remote build, is the node's log, and `nixmake log` has it.
    const f = r.events.find((e) => e['event'] === 'node-built' && e['label'] === 'src/f.c') as Record<string, unknown>;
    expect(f['log']).toContain("src/f.c:1:19: warning: unused variable 'unused'");
    expect(f['timings']).toMatchObject({ running: expect.any(Number) });
    expect(viaDaemon(['log', '-C', dir, 'src/f.c']).stdout).toContain("src/f.c:1:19: warning: unused variable 'unused'");

    // A compile error on the remote machine is reported as a local one: the compiler's message, exit 1.
    fs.writeFileSync(path.join(dir, 'src/f.c'), `int f(void) { return 43 }\n/* ${Date.now()} */\n`);
    const bad = viaDaemon(['build', '-C', dir, ...remoteOptions()]);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toContain('FAILED: src/f.c');
    expect(bad.stderr).toContain("src/f.c:1:24: error: expected ';' before '}' token");
    expect(viaDaemon(['log', '-C', dir, 'src/f.c']).stdout).toContain("error: expected ';' before '}' token");
  });

  it('says why no machine took a build: ssh refused (with ssh\'s reason), no machine for the system; a bad spec; builders with -j 1', () => {
    const dir = uniqueProject();
    const b = remote as SshBuilder;
    const failure = (args: string[], env: NodeJS.ProcessEnv = {}): string => {
      const r = viaDaemon(['build', '--json', '-C', dir, ...args], env);
      expect(r.code, r.stderr).toBe(1);
      const failed = r.events.filter((e) => e['event'] === 'node-failed');
      expect(failed.length).toBeGreaterThan(0);
      return String(failed[0]?.['message']);
    };
    // A key the remote does not accept. The user's NIX_SSHOPTS (which never reach the daemon) let the probe name the host alias.
    const wrongKey = b.machine.replace(`${b.dir}/client_key`, `${b.dir}/host_key`);
    const sshOpts = { NIX_SSHOPTS: b.daemonEnv['NIX_SSHOPTS'] };
    const denied = failure(['--option', 'builders', wrongKey, '--option', 'max-jobs', '0'], sshOpts);
    expect(denied).toContain(`the Nix daemon could not connect to the remote builder '${wrongKey.split(' ')[0]}'`);
    expect(denied).toMatch(/ssh from here \(as \S+, with NIX_SSHOPTS='-F [^']+', the machine's key and host key\) says: root@127\.0\.0\.1: Permission denied \(publickey\)\. /);
    expect(denied).toContain("in the daemon's environment: NIX_SSHOPTS, ssh-agent and ~/.ssh of the user running nixmake do not reach it.");
    expect(denied).not.toContain('remote machines may not have all required system features');
    // Nothing listens on the port.
    const refused = failure(['--option', 'builders', b.closedMachine, '--option', 'max-jobs', '0'], sshOpts);
    expect(refused).toContain("the Nix daemon could not connect to the remote builder 'ssh-ng://nixmake-closed'");
    expect(refused).toMatch(/says: ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused\./);
    // No machine for this system.
    const foreign = failure(['--option', 'builders', b.machine.replace(' x86_64-linux ', ' aarch64-linux '), '--option', 'max-jobs', '0']);
    expect(foreign).toBe(
      "no remote builder takes this build: none of the machines in 'builders' lists the system 'x86_64-linux' with the features it needs, " +
        "and with max-jobs 0 nothing is built on this machine. Add 'x86_64-linux' to a machine's systems (its second column)",
    );
    // max-jobs 0 and no builders at all: Nix's own message says it.
    expect(failure(['--option', 'max-jobs', '0'])).toBe("unable to start any build; either increase '--max-jobs' or enable remote builds.");
    // A spec Nix would refuse is an error before anything is built.
    const bad = viaDaemon(['build', '-C', dir, '--option', 'builders', 'ssh-ng://h x86_64-linux - two', '--option', 'max-jobs', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("nixmake: error: bad machine specification: column 4 of 'ssh-ng://h x86_64-linux - two' must be a number, got 'two'\n");
    // --check must compare here: with max-jobs 0 the hook would take each rebuild and compare nothing.
    const check = viaDaemon(['build', '-C', dir, '--check', '--option', 'builders', b.machine, '--option', 'max-jobs', '0']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('build --check rebuilds every node on this machine and compares it there; with max-jobs 0');
    // Builders and -j no more than the cores: every slot builds here (preferLocalBuild), and nixmake says so.
    const here = viaDaemon(['build', '--json', '-C', dir, '-j', '1', '--option', 'builders', b.machine]);
    expect(here.code, here.stderr).toBe(0);
    expect(here.summary?.built_remotely).toBeUndefined();
    expect(here.events.filter((e) => e['event'] === 'diagnostic').map((e) => e['message'])).toEqual([
      expect.stringMatching(/^with -j 1 every job slot builds on this machine .* so the remote builders go unused: leave -j out \(its default is then \d+: \d+ here and 2 on the builders\)/),
    ]);
    const there = new Set(b.storePaths());
    for (const e of here.events.filter((x) => x['event'] === 'node-built')) expect(there.has(path.basename(String(e['out'])))).toBe(false);
  });

  it('with builders and max-jobs left alone, -j is the cores plus the builders\' slots: the first slots build here, the others remotely', () => {
    const b = remote as SshBuilder;
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`src/g${i}.c`] = `int g${i}(void) { return ${i}; }\n/* ${Date.now()} ${Math.random()} */\n`;
    const dir = uniqueProject(files);
    const cores = os.availableParallelism();
    const r = viaDaemon(['build', '--json', '-C', dir, '--option', 'builders', b.machine]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.filter((e) => e['event'] === 'diagnostic')).toEqual([]);
    const slots = new Map(r.events.filter((e) => e['event'] === 'node-started').map((e) => [e['node'], Number(e['slot'])]));
    expect(Math.max(...slots.values())).toBeLessThan(cores + 2);
    const built = r.events.filter((e) => e['event'] === 'node-built');
    expect(built).toHaveLength(13);
    // Exactly the nodes on the slots past this machine's cores went to the builder.
    for (const e of built) expect([e['label'], e['machine'] !== undefined]).toEqual([e['label'], (slots.get(e['node']) as number) >= cores]);
    const remotely = built.filter((e) => e['machine'] !== undefined).length;
    expect(remotely).toBeGreaterThan(0);
    expect(r.summary?.built_remotely ?? 0).toBe(remotely);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('42\n');
  });
});
