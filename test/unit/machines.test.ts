import { describe, expect, it } from 'vitest';
import { MachineSpecError, parseMachines, remoteSlots, sshTarget } from '../../store/machines.js';

const noFiles = (): string | undefined => undefined;

describe('parseMachines (Nix 2.8 machines.cc)', () => {
  it('reads every column, defaults for - and missing ones, ssh:// for a bare host', () => {
    const [a, b] = parseMachines('ssh-ng://root@h1?remote-store=local?root=/x x86_64-linux,i686-linux /k 4 2 big-parallel,kvm benchmark c3NoLWVkMjU1MTkgQUFBQQ==; h2', noFiles);
    expect(a).toEqual({
      uri: 'ssh-ng://root@h1?remote-store=local?root=/x',
      systems: ['x86_64-linux', 'i686-linux'],
      sshKey: '/k',
      maxJobs: 4,
      speedFactor: 2,
      supportedFeatures: ['big-parallel', 'kvm'],
      mandatoryFeatures: ['benchmark'],
      hostKey: 'c3NoLWVkMjU1MTkgQUFBQQ==',
    });
    expect(b).toEqual({ uri: 'ssh://h2', systems: ['x86_64-linux'], sshKey: '', maxJobs: 1, speedFactor: 1, supportedFeatures: [], mandatoryFeatures: [], hostKey: '' });
  });

  it('expands @files (a missing one is empty), newlines and comments', () => {
    const files: Record<string, string> = { '/etc/nix/machines': 'ssh://a - - 3 # three\n\n@/missing\n' };
    const ms = parseMachines('@/etc/nix/machines\nlocal?root=/x - - 2', (p) => files[p]);
    expect(ms.map((m) => [m.uri, m.maxJobs])).toEqual([
      ['ssh://a', 3],
      ['local?root=/x', 2],
    ]);
    expect(parseMachines('', noFiles)).toEqual([]);
  });

  it('refuses what the hook would refuse', () => {
    expect(() => parseMachines('ssh://a x86_64-linux - two', noFiles)).toThrow(MachineSpecError);
    expect(() => parseMachines('ssh://a x86_64-linux - 2 1 - - not*base64', noFiles)).toThrow(/host key \(column 8\)/);
  });

  it('counts the slots of machines that take this system without mandatory features', () => {
    const ms = parseMachines('ssh://a x86_64-linux - 3; ssh://b aarch64-linux - 8; ssh://c x86_64-linux - 2 1 - kvm; ssh://d', noFiles);
    expect(remoteSlots(ms)).toBe(4);
  });

  it("gives the host and the remote program the hook's ssh runs", () => {
    const [ng, legacy, other, prog] = parseMachines('ssh-ng://u@h?remote-store=local?root=/x; ssh://h2; local?root=/y; ssh-ng://h3?remote-program=/opt/nix-daemon', noFiles);
    expect(sshTarget(ng!)).toEqual({ host: 'u@h', command: 'nix-daemon --version' });
    expect(sshTarget(legacy!)).toEqual({ host: 'h2', command: 'nix-store --version' });
    expect(sshTarget(other!)).toBeUndefined();
    expect(sshTarget(prog!)).toEqual({ host: 'h3', command: '/opt/nix-daemon --version' });
  });
});
