/**
 * PrivateNixDaemon: a nix-daemon of our own on the system's store, with its
 * own NIX_CONF_DIR (sandbox on and required, build users, the host's /usr /bin /lib
 * /lib64 visible, no substituters) and its socket in a temporary folder, so
 * a comparator's builds do not depend on what the system daemon's nix.conf
 * says. `env` is what a client (nix-instantiate, nix-store) needs to talk to
 * it. `stop` ends it (its process group: it runs in a session of its own)
 * and removes the folder; a daemon still running when the process exits is
 * stopped then.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcessGroup } from './ProcessGroup.js';

const NIX_CONF = ['sandbox = true', 'sandbox-fallback = false', 'build-users-group = nixbld', 'extra-sandbox-paths = /usr /bin /lib /lib64', 'substituters =', ''].join('\n');

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

export class PrivateNixDaemon {
  private constructor(
    private readonly group: ProcessGroup,
    readonly env: Readonly<Record<string, string>>,
  ) {}

  get dir(): string {
    return this.group.dir;
  }

  /**
   * Starts a daemon and waits (up to 10 s) for its socket; throws with the daemon's log otherwise.
   * `daemonEnv` goes to the daemon's own environment (NIX_SSHOPTS for its build hook's ssh).
   */
  static start(daemonEnv: Readonly<Record<string, string>> = {}): PrivateNixDaemon {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nix-floor-'));
    fs.mkdirSync(path.join(dir, 'conf'));
    fs.mkdirSync(path.join(dir, 'xdg'));
    fs.writeFileSync(path.join(dir, 'conf/nix.conf'), NIX_CONF);
    const socket = path.join(dir, 'socket');
    const env = { NIX_CONF_DIR: path.join(dir, 'conf'), XDG_CONFIG_HOME: path.join(dir, 'xdg'), NIX_DAEMON_SOCKET_PATH: socket };
    const own: NodeJS.ProcessEnv = { ...process.env, ...env, ...daemonEnv };
    // A NIX_REMOTE naming another daemon would make this one its client.
    delete own['NIX_REMOTE'];
    delete own['NIX_CONFIG'];
    const daemon = new PrivateNixDaemon(ProcessGroup.start(dir, 'daemon.log', 'nix-daemon', [], own), { ...env, NIX_REMOTE: `unix://${socket}` });
    for (let i = 0; i < 100 && !fs.existsSync(socket); i++) sleep(100);
    if (!fs.existsSync(socket)) {
      const text = daemon.group.logTail('daemon.log');
      daemon.stop();
      throw new Error(`nix-floor: its nix-daemon did not open ${socket}: ${text}`);
    }
    return daemon;
  }

  stop(): void {
    this.group.stop();
  }
}
