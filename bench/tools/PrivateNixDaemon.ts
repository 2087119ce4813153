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
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const NIX_CONF = ['sandbox = true', 'sandbox-fallback = false', 'build-users-group = nixbld', 'extra-sandbox-paths = /usr /bin /lib /lib64', 'substituters =', ''].join('\n');

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

export class PrivateNixDaemon {
  private stopped = false;
  private readonly onExit = (): void => this.stop();

  private constructor(
    readonly dir: string,
    private readonly pid: number,
    readonly env: Readonly<Record<string, string>>,
  ) {
    process.on('exit', this.onExit);
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
    const log = fs.openSync(path.join(dir, 'daemon.log'), 'w');
    const own: NodeJS.ProcessEnv = { ...process.env, ...env, ...daemonEnv };
    // A NIX_REMOTE naming another daemon would make this one its client.
    delete own['NIX_REMOTE'];
    delete own['NIX_CONFIG'];
    const child = spawn('nix-daemon', [], { detached: true, stdio: ['ignore', log, log], env: own });
    fs.closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new Error('nix-floor: could not start nix-daemon');
    const daemon = new PrivateNixDaemon(dir, child.pid, { ...env, NIX_REMOTE: `unix://${socket}` });
    for (let i = 0; i < 100 && !fs.existsSync(socket); i++) sleep(100);
    if (!fs.existsSync(socket)) {
      const text = fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8').trim();
      daemon.stop();
      throw new Error(`nix-floor: its nix-daemon did not open ${socket}: ${text.split('\n').slice(-3).join(' / ') || 'no output'}`);
    }
    return daemon;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.onExit);
    try {
      process.kill(-this.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
