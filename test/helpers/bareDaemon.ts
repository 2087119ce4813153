/**
 * bareDaemon: a second nix-daemon on the system's store with a nix.conf of
 * the caller's (and nothing else: no NIX_CONFIG, no NIX_REMOTE, which would
 * make it a client of another daemon), its socket in a temporary folder.
 * Used by the suite's global set-up (a stock daemon for every test) and by
 * tests that need a daemon of their own.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Daemon {
  readonly dir: string;
  readonly socket: string;
  readonly pid: number;
  /** The environment a client of this daemon (or the daemon itself) runs with. */
  readonly env: NodeJS.ProcessEnv;
}

/** `daemonEnv` goes to the daemon's own environment (NIX_SSHOPTS for its build hook's ssh), not to its clients'. */
export async function startBareDaemon(nixConf: string, prefix = 'nixmake-bare-daemon-', daemonEnv: Readonly<Record<string, string>> = {}): Promise<Daemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(dir, 'conf'));
  fs.writeFileSync(path.join(dir, 'conf/nix.conf'), nixConf);
  const socket = path.join(dir, 'socket');
  const env = { ...process.env, NIX_CONF_DIR: path.join(dir, 'conf'), XDG_CONFIG_HOME: path.join(dir, 'xdg'), NIX_DAEMON_SOCKET_PATH: socket };
  delete env['NIX_CONFIG'];
  // A NIX_REMOTE pointing at another daemon would make this one a client of it.
  delete env['NIX_REMOTE'];
  const log = fs.openSync(path.join(dir, 'daemon.log'), 'w');
  const child = spawn('nix-daemon', [], { detached: true, stdio: ['ignore', log, log], env: { ...env, ...daemonEnv } });
  fs.closeSync(log);
  child.unref();
  for (let i = 0; i < 100 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
  if (!fs.existsSync(socket) || child.pid === undefined) throw new Error(`the nix-daemon did not start: ${fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8')}`);
  return { dir, socket, pid: child.pid, env };
}

export function stopBareDaemon(d: Daemon | undefined): void {
  if (!d) return;
  try {
    process.kill(-d.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  fs.rmSync(d.dir, { recursive: true, force: true });
}
