/**
 * machines: Nix's `builders` setting read as Nix 2.8 reads it
 * (src/libstore/machines.cc): lines separated by newlines or `;`, `#`
 * comments, `@FILE` for a machines file (a missing one is empty), and per
 * line `URI [SYSTEMS [SSH-KEY [JOBS [SPEED [FEATURES [MANDATORY
 * [HOST-KEY]]]]]]]`, `-` or nothing for a default. A URI without a scheme
 * (and not a path or a store word) is `ssh://URI`. Used to count the remote
 * job slots (`-j`'s default), to check a spec before the daemon's hook
 * rejects it with a message nixmake would never see, and to repeat the
 * hook's ssh command when a connection fails (pure; files read through the
 * function passed in).
 */

export interface Machine {
  readonly uri: string;
  readonly systems: readonly string[];
  /** `-i` for ssh; '' when not set. */
  readonly sshKey: string;
  readonly maxJobs: number;
  readonly speedFactor: number;
  readonly supportedFeatures: readonly string[];
  readonly mandatoryFeatures: readonly string[];
  /** The host's public key, base64 of its `ssh-ed25519 AAAA…` line; '' when not set. */
  readonly hostKey: string;
}

export class MachineSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MachineSpecError';
  }
}

const STORE_WORDS = /^(auto|daemon|local)(\?|$)|^\?/;

function expandLines(builders: string, readFile: (path: string) => string | undefined, depth: number): string[] {
  const out: string[] = [];
  for (const raw of builders.split(/[\n;]/)) {
    const hash = raw.indexOf('#');
    const line = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    if (line === '') continue;
    if (line.startsWith('@')) {
      if (depth > 32) throw new MachineSpecError(`too many nested machines files at '${line}'`);
      out.push(...expandLines(readFile(line.slice(1).trim()) ?? '', readFile, depth + 1));
      continue;
    }
    out.push(line);
  }
  return out;
}

function parseLine(line: string, thisSystem: string): Machine {
  const t = line.split(/[ \t\r\n]+/).filter((x) => x !== '');
  const isSet = (i: number): boolean => t[i] !== undefined && t[i] !== '-';
  const uint = (i: number): number => {
    const v = t[i] as string;
    if (!/^[0-9]+$/.test(v) || Number(v) > 0xffff_ffff) {
      throw new MachineSpecError(`bad machine specification: column ${i + 1} of '${line}' must be a number, got '${v}'`);
    }
    return Number(v);
  };
  const list = (i: number): string[] => (isSet(i) ? (t[i] as string).split(',').filter((x) => x !== '') : []);
  const uri = t[0] as string;
  const hostKey = isSet(7) ? (t[7] as string) : '';
  if (hostKey !== '' && !/^[A-Za-z0-9+/]+=*$/.test(hostKey)) {
    throw new MachineSpecError(`bad machine specification: the host key (column 8) of '${line}' is not base64 (give base64 of the host's public key line)`);
  }
  return {
    uri: uri.includes('://') || uri.includes('/') || STORE_WORDS.test(uri) ? uri : `ssh://${uri}`,
    systems: isSet(1) ? list(1) : [thisSystem],
    sshKey: isSet(2) ? (t[2] as string) : '',
    maxJobs: isSet(3) ? uint(3) : 1,
    speedFactor: Math.max(1, isSet(4) ? uint(4) : 1),
    supportedFeatures: list(5),
    mandatoryFeatures: list(6),
    hostKey,
  };
}

/** The machines a `builders` value names; throws `MachineSpecError` where Nix's hook would fail. */
export function parseMachines(builders: string, readFile: (path: string) => string | undefined, thisSystem = 'x86_64-linux'): Machine[] {
  return expandLines(builders, readFile, 0).map((l) => parseLine(l, thisSystem));
}

/** Job slots the machines offer for `system`. */
export function remoteSlots(machines: readonly Machine[], system = 'x86_64-linux'): number {
  return machines.filter((m) => m.systems.includes(system) && m.mandatoryFeatures.length === 0).reduce((n, m) => n + m.maxJobs, 0);
}

/** An ssh:// or ssh-ng:// machine's host (`user@host`) and the remote program its store runs; undefined for other stores. */
export function sshTarget(m: Machine): { host: string; command: string } | undefined {
  const s = /^(ssh|ssh-ng):\/\/([^?/]+)(?:\?(.*))?$/.exec(m.uri);
  if (!s) return undefined;
  const params = new URLSearchParams(s[3] ?? '');
  const program = params.get('remote-program') ?? (s[1] === 'ssh' ? 'nix-store' : 'nix-daemon');
  return { host: s[2] as string, command: `${program} --version` };
}
