/**
 * Where the Nix daemon listens, from NIX_REMOTE and NIX_DAEMON_SOCKET_PATH
 * the way Nix 2.8 reads them (the socket default is
 * `$NIX_STATE_DIR/daemon-socket/socket`, NIX_STATE_DIR defaulting to
 * /nix/var/nix).
 *
 * nixmake builds only through the daemon, so store URIs that are not the
 * daemon are refused here with a message saying which values work. Does
 * not check that anything listens there (DaemonConnection does).
 */
import { StoreUnavailableError } from './NixStore.js';

export function daemonSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const remote = env['NIX_REMOTE'] ?? '';
  // Store URIs may carry `?param=value`; nixmake has no use for them.
  const q = remote.indexOf('?');
  const uri = q < 0 ? remote : remote.slice(0, q);
  if (uri === '' || uri === 'daemon' || uri === 'auto') {
    const explicit = env['NIX_DAEMON_SOCKET_PATH'];
    if (explicit) return explicit;
    return `${env['NIX_STATE_DIR'] || '/nix/var/nix'}/daemon-socket/socket`;
  }
  if (uri.startsWith('unix://') && uri.length > 'unix://'.length) return uri.slice('unix://'.length);
  throw new StoreUnavailableError(
    `NIX_REMOTE='${remote}' is not supported: nixmake builds through the Nix daemon. ` +
      `Unset NIX_REMOTE, or set it to 'daemon', 'auto' or 'unix:///path/to/daemon-socket' ` +
      `(NIX_DAEMON_SOCKET_PATH also chooses the socket).`,
  );
}
