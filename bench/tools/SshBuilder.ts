/**
 * SshBuilder: a Nix remote builder on this machine, for the tests and the
 * benchmark. An sshd of its own on a free localhost port (its own host and
 * client keys and config: `UsePAM no`, `StrictModes no`, `PermitRootLogin
 * prohibit-password`, root's key only) in front of a second, chroot store
 * (`local?root=DIR/remote`), where the remote end's `nix-daemon --stdio`
 * builds sandboxed as root with a stock nix.conf of its own (sshd's
 * `SetEnv NIX_CONF_DIR`).
 *
 * `machine` is the line for `builders` (Nix's machine format, with the
 * client key and the host key), and `daemonEnv` what the *local* daemon
 * needs in its own environment: Nix 2.8's URIs take no port, so the host is
 * an alias (`nixmake-remote`) that `NIX_SSHOPTS=-F <ssh_config>` resolves
 * to the port, with `HostKeyAlias` so that the host key Nix writes for the
 * alias matches. It does not start that daemon (the caller's kind does).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ProcessGroup } from './ProcessGroup.js';

/** The remote end's nix.conf: the test suite's stock settings. */
const REMOTE_NIX_CONF = ['sandbox = true', 'build-users-group = nixbld', 'substituters =', ''].join('\n');

export const SSHD = '/usr/sbin/sshd';

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/** A localhost port nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function keygen(file: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nixmake-remote', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

export class SshBuilder {
  private constructor(
    private readonly group: ProcessGroup,
    /** The chroot store's root: its store is `<storeRoot>/nix/store`. */
    readonly storeRoot: string,
    /** The `builders` line: `ssh-ng://nixmake-remote?remote-store=… x86_64-linux KEY JOBS 1 - - HOSTKEY`. */
    readonly machine: string,
    /** For the local daemon's environment (not the client's: the daemon's hook runs ssh). */
    readonly daemonEnv: Readonly<Record<string, string>>,
    /** A `builders` line for a host alias whose port nothing listens on. */
    readonly closedMachine: string,
  ) {}

  get dir(): string {
    return this.group.dir;
  }

  /** Starts sshd and waits (up to 10 s) until it answers; throws with its log otherwise. */
  static async start(opts: { jobs: number; port?: number }): Promise<SshBuilder> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-ssh-builder-'));
    const port = opts.port ?? (await freePort());
    const closedPort = await freePort();
    const storeRoot = path.join(dir, 'remote');
    fs.mkdirSync(path.join(dir, 'remote-conf'), { recursive: true });
    fs.mkdirSync(storeRoot);
    fs.writeFileSync(path.join(dir, 'remote-conf/nix.conf'), REMOTE_NIX_CONF);
    keygen(path.join(dir, 'host_key'));
    keygen(path.join(dir, 'client_key'));
    fs.copyFileSync(path.join(dir, 'client_key.pub'), path.join(dir, 'authorized_keys'));
    // sshd refuses to start without its privilege separation folder.
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    fs.writeFileSync(
      path.join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${dir}/host_key`,
        `AuthorizedKeysFile ${dir}/authorized_keys`,
        `PidFile ${dir}/sshd.pid`,
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        `SetEnv NIX_CONF_DIR=${dir}/remote-conf`,
        // Many builds at once each open a connection.
        'MaxStartups 100:30:200',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'ssh_config'),
      [
        ...['Host nixmake-remote', '  HostName 127.0.0.1', `  Port ${port}`, '  User root', '  HostKeyAlias nixmake-remote', '  BatchMode yes'],
        ...['Host nixmake-closed', '  HostName 127.0.0.1', `  Port ${closedPort}`, '  User root', '  BatchMode yes', ''],
      ].join('\n'),
    );
    const group = ProcessGroup.start(dir, 'sshd.log', SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')]);
    const hostKey = Buffer.from(fs.readFileSync(path.join(dir, 'host_key.pub'), 'utf8').trim()).toString('base64');
    const machine = `ssh-ng://nixmake-remote?remote-store=local?root=${storeRoot} x86_64-linux ${dir}/client_key ${opts.jobs} 1 - - ${hostKey}`;
    const closed = `ssh-ng://nixmake-closed x86_64-linux ${dir}/client_key 1 1 - - ${hostKey}`;
    const b = new SshBuilder(group, storeRoot, machine, { NIX_SSHOPTS: `-F ${dir}/ssh_config` }, closed);
    const probe = ['-F', path.join(dir, 'ssh_config'), '-i', path.join(dir, 'client_key'), '-o', `UserKnownHostsFile=${dir}/known_hosts`, '-o', 'StrictHostKeyChecking=accept-new'];
    for (let i = 0; i < 100; i++) {
      if (spawnSync('ssh', [...probe, 'nixmake-remote', 'true'], { stdio: 'ignore' }).status === 0) return b;
      sleep(100);
    }
    const text = group.logTail('sshd.log');
    b.stop();
    throw new Error(`sshd on port ${port} did not answer: ${text}`);
  }

  /** The store paths the remote store holds (base names). */
  storePaths(): string[] {
    const store = path.join(this.storeRoot, 'nix/store');
    return fs.existsSync(store) ? fs.readdirSync(store) : [];
  }

  stop(): void {
    this.group.stop();
  }
}
