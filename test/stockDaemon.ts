/**
 * stockDaemon: vitest's global set-up. Starts a second nix-daemon on the
 * same store with a stock nix.conf of its own — the sandbox on, build users,
 * no substituters, no experimental features, nothing of nixmake's — and
 * points every test (and every nixmake and Nix command a test runs) at its
 * socket through NIX_DAEMON_SOCKET_PATH. So the whole suite shows that
 * nixmake works on an unmodified Nix, whatever the system daemon's
 * nix.conf says.
 *
 * The toolchain is imported into the store (toolchain/importToolchain), so
 * nothing of the host is visible in the sandbox: no extra-sandbox-paths.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const STOCK_NIX_CONF = ['sandbox = true', 'build-users-group = nixbld', 'substituters =', ''].join('\n');

export default async function setup(): Promise<() => void> {
  if (process.env['NIXMAKE_TEST_SYSTEM_DAEMON'] === '1') return () => undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-stock-daemon-'));
  fs.mkdirSync(path.join(dir, 'conf'));
  fs.writeFileSync(path.join(dir, 'conf/nix.conf'), STOCK_NIX_CONF);
  const socket = path.join(dir, 'socket');
  const env = { NIX_CONF_DIR: path.join(dir, 'conf'), NIX_DAEMON_SOCKET_PATH: socket };
  const log = fs.openSync(path.join(dir, 'daemon.log'), 'w');
  const child = spawn('nix-daemon', [], { detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...env } });
  fs.closeSync(log);
  for (let i = 0; i < 100 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
  if (!fs.existsSync(socket)) throw new Error(`the test nix-daemon did not start: ${fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8')}`);
  // Every client in the suite (nixmake, nix-store, nix-collect-garbage) talks to this daemon.
  Object.assign(process.env, { NIX_DAEMON_SOCKET_PATH: socket, NIX_REMOTE: 'daemon', NIXMAKE_TEST_NIX_CONF_DIR: env.NIX_CONF_DIR });
  return () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
