/**
 * workerProtocol: the Nix daemon's worker protocol as data — its constants
 * (magic numbers, stderr message kinds, operation codes, activity and
 * result types, build statuses), the shapes of what operations answer
 * (PathInfo, BuildResult), its errors, and the pure helpers around them
 * (connection errors as sentences, store-path checks, NAR hash forms,
 * BuildResult assembly). Written against Nix 2.8 (protocol 1.34).
 *
 * It does no I/O: DaemonConnection speaks the protocol with these.
 */
import { StoreUnavailableError } from './NixStore.js';

export const PROTOCOL_VERSION = (1 << 8) | 34;
export const MIN_MINOR = 25;
export const WORKER_MAGIC_1 = 0x6e697863;
export const WORKER_MAGIC_2 = 0x6478696f;

export const STDERR_NEXT = 0x6f6c6d67;
export const STDERR_READ = 0x64617461;
export const STDERR_WRITE = 0x64617416;
export const STDERR_LAST = 0x616c7473;
export const STDERR_ERROR = 0x63787470;
export const STDERR_START_ACTIVITY = 0x53545254;
export const STDERR_STOP_ACTIVITY = 0x53544f50;
export const STDERR_RESULT = 0x52534c54;

export const OP = {
  isValidPath: 1,
  addToStore: 7,
  buildPaths: 9,
  addTempRoot: 11,
  addIndirectRoot: 12,
  setOptions: 19,
  queryPathInfo: 26,
  queryValidPaths: 31,
  addToStoreNar: 39,
  buildPathsWithResults: 46,
} as const;

export const ACT_BUILD = 105;
export const RES_BUILD_LOG_LINE = 101;

/** BuildResult::Status at 2.8, by value. */
export const BUILD_STATUS_NAMES = [
  'Built', 'Substituted', 'AlreadyValid', 'PermanentFailure', 'InputRejected', 'OutputRejected',
  'TransientFailure', 'CachedFailure', 'TimedOut', 'MiscFailure', 'DependencyFailed',
  'LogLimitExceeded', 'NotDeterministic', 'ResolvesToAlreadyValid', 'NoSubstituters',
] as const;
export const SUCCESS = new Set(['Built', 'Substituted', 'AlreadyValid', 'ResolvesToAlreadyValid']);

export interface PathInfo {
  path: string;
  deriver?: string;
  /** Exactly as the daemon sent it (2.8: base16 sha256, no prefix). */
  narHash: string;
  /** The NAR's sha256 in lowercase hex. */
  narHashHex: string;
  references: string[];
  registrationTime: number;
  narSize: number;
  ultimate: boolean;
  sigs: string[];
  ca?: string;
}

export interface BuildResult {
  /** The DerivedPath as the daemon echoes it: `DRV!out1,out2` or a store path. */
  path: string;
  status: number;
  statusName: string;
  success: boolean;
  errorMsg: string;
  timesBuilt: number;
  isNonDeterministic: boolean;
  startTime: number;
  stopTime: number;
  /** DrvOutput id (`sha256:HASH!out`) → the Realisation as JSON (`outPath` is a base name). */
  builtOutputs: Record<string, unknown>;
  /** Output name → full store path, from `builtOutputs`. */
  outputs: Record<string, string>;
}

/** What wopAddToStoreNar sends besides the NAR (no deriver, no signatures). */
export interface NarInfoToAdd {
  path: string;
  /** sha256 of the NAR, lowercase hex. */
  narHashHex: string;
  references: readonly string[];
  /** Content address, e.g. `fixed:r:sha256:<nixbase32>`; '' for none. */
  ca: string;
}

/** 0 normal, 1 repair, 2 check. */
export type BuildMode = 0 | 1 | 2;
export type LogLineHandler = (line: string, drvPath: string | undefined) => void;
export type MessageHandler = (text: string) => void;
export type LogField = number | bigint | string;

/** The daemon reported an error for one operation; the connection stays usable. */
export class DaemonError extends Error {
  constructor(
    message: string,
    /** The exit status the daemon attached (minor < 26); 1 otherwise, as Nix's Error. */
    readonly status: number,
    /** Nix's Verbosity of the error (0 = lvlError). */
    readonly level: number,
    readonly traces: readonly string[] = [],
  ) {
    super(message);
    this.name = 'DaemonError';
  }
}

/** The connection was closed on our side (close, destroy, an aborted build); open another. */
export class ConnectionClosedError extends Error {
  constructor(why: string) {
    super(`the connection to the Nix daemon is closed: ${why}`);
    this.name = 'ConnectionClosedError';
  }
}

/** The daemon sent something this client cannot follow; the connection is closed. */
export class DaemonProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DaemonProtocolError';
  }
}

export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '');
}

export function abortError(signal: AbortSignal): Error {
  const e = new Error('the Nix daemon operation was aborted', { cause: signal.reason });
  e.name = 'AbortError';
  return e;
}

/** The StoreUnavailableError for a failed connect(2) on the daemon socket. */
export function describeConnectError(e: NodeJS.ErrnoException, path: string): Error {
  const check = 'check NIX_REMOTE and NIX_DAEMON_SOCKET_PATH';
  switch (e.code) {
    case 'ENOENT':
      return new StoreUnavailableError(
        `cannot connect to the Nix daemon: no socket at ${path} (ENOENT). ` +
          `Start nix-daemon (as root: scripts/nix-daemon.sh, or 'systemctl start nix-daemon'), or ${check}.`,
      );
    case 'ECONNREFUSED':
      return new StoreUnavailableError(
        `cannot connect to the Nix daemon: connection refused on ${path} (ECONNREFUSED): ` +
          `the socket exists but no daemon listens on it. Start nix-daemon ` +
          `(as root: scripts/nix-daemon.sh, or 'systemctl start nix-daemon'), or ${check}.`,
      );
    case 'EACCES':
      return new StoreUnavailableError(
        `cannot connect to the Nix daemon: permission denied on ${path} (EACCES). ` +
          `Fix the permissions of the socket and its folder (or join the group that owns them), or ${check}.`,
      );
    default:
      return new StoreUnavailableError(`cannot connect to the Nix daemon at ${path}: ${e.message}. Is nix-daemon running? ${check}.`);
  }
}

/** The hash part of a 2.8 narHash (base16) or of a later form ('sha256:' + base16/nixbase32, SRI) as hex. */
export function narHashToHex(h: string): string {
  if (h.startsWith('sha256-')) return Buffer.from(h.slice(7), 'base64').toString('hex');
  const body = h.startsWith('sha256:') ? h.slice(7) : h;
  if (/^[0-9a-fA-F]{64}$/.test(body)) return body.toLowerCase();
  if (/^[0-9a-df-np-sv-z]{52}$/.test(body)) {
    // nixbase32: digits are read from the end, 5 bits each, little-endian bytes.
    const alphabet = '0123456789abcdfghijklmnpqrsvwxyz';
    const out = Buffer.alloc(32);
    for (let n = 0; n < 52; n++) {
      const digit = alphabet.indexOf(body[51 - n]!);
      const b = n * 5;
      const i = b >> 3;
      const j = b & 7;
      out[i]! |= (digit << j) & 0xff;
      if (i + 1 < 32) out[i + 1]! |= digit >> (8 - j);
    }
    return out.toString('hex');
  }
  throw new DaemonProtocolError(`unrecognised NAR hash '${h}'`);
}

/** A path argument is not a store path; nothing was sent, the connection is as it was. */
export class InvalidStorePathError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStorePathError';
  }
}

/**
 * Paths the daemon parses before it starts an operation are checked here
 * first: a bad one there makes the 2.8 daemon send the error and then hang
 * up (processConnection rethrows when it cannot yet send stderr).
 */
export function checkStorePath(storeDir: string, p: string): void {
  const base = p.startsWith(`${storeDir}/`) ? p.slice(storeDir.length + 1) : undefined;
  if (base === undefined || !/^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]{1,211}$/.test(base)) {
    throw new InvalidStorePathError(`not a path in the Nix store ${storeDir}: '${p}'`);
  }
}

export function buildResultOf(
  path: string,
  status: number,
  errorMsg: string,
  timesBuilt: number,
  isNonDeterministic: boolean,
  startTime: number,
  stopTime: number,
  builtOutputs: Record<string, unknown>,
): BuildResult {
  const statusName = BUILD_STATUS_NAMES[status] ?? `Unknown(${status})`;
  const storeDir = path.slice(0, path.lastIndexOf('/', path.indexOf('!') < 0 ? path.length : path.indexOf('!')));
  const outputs: Record<string, string> = {};
  for (const [id, real] of Object.entries(builtOutputs)) {
    const out = (real as { outPath?: unknown } | null)?.outPath;
    const bang = id.lastIndexOf('!');
    if (typeof out === 'string' && bang >= 0) outputs[id.slice(bang + 1)] = out.startsWith('/') ? out : `${storeDir}/${out}`;
  }
  return {
    path,
    status,
    statusName,
    success: SUCCESS.has(statusName),
    errorMsg: stripAnsi(errorMsg),
    timesBuilt,
    isNonDeterministic,
    startTime,
    stopTime,
    builtOutputs,
    outputs,
  };
}


