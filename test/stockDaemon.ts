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
import { startBareDaemon, stopBareDaemon } from './helpers/bareDaemon.js';

export const STOCK_NIX_CONF = ['sandbox = true', 'build-users-group = nixbld', 'substituters =', ''].join('\n');

export default async function setup(): Promise<() => void> {
  if (process.env['NIXMAKE_TEST_SYSTEM_DAEMON'] === '1') return () => undefined;
  const daemon = await startBareDaemon(STOCK_NIX_CONF, 'nixmake-stock-daemon-');
  // Every client in the suite (nixmake, nix-store, nix-collect-garbage) talks to this daemon.
  Object.assign(process.env, { NIX_DAEMON_SOCKET_PATH: daemon.socket, NIX_REMOTE: 'daemon', NIXMAKE_TEST_NIX_CONF_DIR: daemon.env['NIX_CONF_DIR'] });
  return () => stopBareDaemon(daemon);
}
