import { describe, expect, it } from 'vitest';
import { daemonSocketPath } from '../../store/daemonAddress.js';
import { StoreUnavailableError } from '../../store/NixStore.js';

const DEFAULT = '/nix/var/nix/daemon-socket/socket';

describe('daemonSocketPath', () => {
  it('uses the default socket when NIX_REMOTE is unset, empty, daemon or auto', () => {
    expect(daemonSocketPath({})).toBe(DEFAULT);
    for (const v of ['', 'daemon', 'auto']) expect(daemonSocketPath({ NIX_REMOTE: v })).toBe(DEFAULT);
  });

  it('honours NIX_DAEMON_SOCKET_PATH, then NIX_STATE_DIR', () => {
    expect(daemonSocketPath({ NIX_REMOTE: 'daemon', NIX_DAEMON_SOCKET_PATH: '/run/s' })).toBe('/run/s');
    expect(daemonSocketPath({ NIX_DAEMON_SOCKET_PATH: '/run/s' })).toBe('/run/s');
    expect(daemonSocketPath({ NIX_STATE_DIR: '/var/nix' })).toBe('/var/nix/daemon-socket/socket');
  });

  it('takes the path of a unix:// URI and drops its query', () => {
    expect(daemonSocketPath({ NIX_REMOTE: 'unix:///tmp/d.sock' })).toBe('/tmp/d.sock');
    expect(daemonSocketPath({ NIX_REMOTE: 'unix:///tmp/d.sock?root=/x&trusted=1' })).toBe('/tmp/d.sock');
    expect(daemonSocketPath({ NIX_REMOTE: 'daemon?max-connections=4' })).toBe(DEFAULT);
  });

  it('refuses stores that are not the daemon, saying which values work', () => {
    for (const v of ['local', 'ssh://host', '/some/root', 'unix://', 'ssh-ng://h']) {
      const call = () => daemonSocketPath({ NIX_REMOTE: v });
      expect(call).toThrow(StoreUnavailableError);
      expect(call).toThrow(/builds through the Nix daemon/);
      expect(call).toThrow(/'daemon', 'auto' or 'unix:\/\//);
    }
  });
});
