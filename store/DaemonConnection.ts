/**
 * One connection to the Nix daemon, speaking its worker protocol (client
 * version 1.34, as Nix 2.8's RemoteStore) over a Unix socket: the
 * handshake, the stderr loop every operation ends with (log messages,
 * activities, build log lines, errors), and the few operations nixmake
 * needs. Operations on one connection run one at a time in call order, so
 * concurrent callers are safe; use several connections for parallelism.
 *
 * It does not evaluate Nix, write NARs, make GC root symlinks, choose
 * settings (see nixConfig.ts) or find the socket (see daemonAddress.ts).
 * Daemons older than protocol 1.25 are refused; where 1.25–1.34 differ
 * the encoding follows `minor` (the lower of the daemon's and ours).
 * A DaemonError leaves the connection usable; any other failure (protocol,
 * I/O, abort, a throwing callback) closes it, which makes the daemon stop
 * what it was doing for us.
 */
import { connect, type Socket } from 'node:net';
import { StoreUnavailableError } from './NixStore.js';
import type { ClientSettings } from './nixConfig.js';
import { WireReader, WireWriter } from './wire.js';

export const PROTOCOL_VERSION = (1 << 8) | 34;
const MIN_MINOR = 25;
const WORKER_MAGIC_1 = 0x6e697863;
const WORKER_MAGIC_2 = 0x6478696f;

const STDERR_NEXT = 0x6f6c6d67;
const STDERR_READ = 0x64617461;
const STDERR_WRITE = 0x64617416;
const STDERR_LAST = 0x616c7473;
const STDERR_ERROR = 0x63787470;
const STDERR_START_ACTIVITY = 0x53545254;
const STDERR_STOP_ACTIVITY = 0x53544f50;
const STDERR_RESULT = 0x52534c54;

const OP = {
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

const ACT_BUILD = 105;
const RES_BUILD_LOG_LINE = 101;

/** BuildResult::Status at 2.8, by value. */
export const BUILD_STATUS_NAMES = [
  'Built', 'Substituted', 'AlreadyValid', 'PermanentFailure', 'InputRejected', 'OutputRejected',
  'TransientFailure', 'CachedFailure', 'TimedOut', 'MiscFailure', 'DependencyFailed',
  'LogLimitExceeded', 'NotDeterministic', 'ResolvesToAlreadyValid', 'NoSubstituters',
] as const;
const SUCCESS = new Set(['Built', 'Substituted', 'AlreadyValid', 'ResolvesToAlreadyValid']);

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

function abortError(signal: AbortSignal): Error {
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

interface StderrHandlers {
  onLog?: LogLineHandler | undefined;
  onMessage?: MessageHandler | undefined;
}

export class DaemonConnection {
  /** The daemon's own protocol minor version. */
  readonly daemonMinor: number;
  /** The minor both sides speak: the lower of the daemon's and ours. */
  readonly minor: number;
  /** The daemon's Nix version (sent from protocol 1.33 on). */
  daemonNixVersion: string | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private broken: Error | undefined;
  /** The last error the daemon reported: a daemon that hangs up after one tells us why. */
  private lastDaemonError: DaemonError | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly reader: WireReader,
    readonly socketPath: string,
    daemonVersion: number,
    private readonly defaultOnMessage: MessageHandler | undefined,
    /** The store directory paths are checked against (NIX_STORE_DIR as Nix reads it). */
    readonly storeDir: string,
  ) {
    this.daemonMinor = daemonVersion & 0xff;
    this.minor = Math.min(this.daemonMinor, PROTOCOL_VERSION & 0xff);
  }

  /** Connects and does the handshake of RemoteStore::initConnection (without its setOptions). */
  static async open(
    socketPath: string,
    opts: { signal?: AbortSignal; onMessage?: MessageHandler; storeDir?: string } = {},
  ): Promise<DaemonConnection> {
    const { signal } = opts;
    if (signal?.aborted) throw abortError(signal);
    const socket = connect(socketPath);
    const reader = new WireReader();
    const early = (e: Error) => reader.end(describeConnectError(e, socketPath));
    socket.on('error', early);
    socket.on('data', (b: Buffer) => reader.push(b));
    const closedEarly = () =>
      reader.end(
        new StoreUnavailableError(
          `the Nix daemon at ${socketPath} closed the connection during the handshake (is this user allowed to connect? see allowed-users in nix.conf)`,
        ),
      );
    socket.on('close', closedEarly);
    const onAbort = () => {
      reader.end(abortError(signal!));
      socket.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      socket.write(new WireWriter().u64(WORKER_MAGIC_1).toBuffer());
      const magic = await reader.readU64Big();
      if (magic !== BigInt(WORKER_MAGIC_2)) {
        throw new StoreUnavailableError(`${socketPath} is not a Nix daemon socket (protocol mismatch)`);
      }
      const version = await reader.readU64();
      const major = (version >> 8) & 0xff;
      const minor = version & 0xff;
      if (major !== 1 || minor < MIN_MINOR || version > 0xffff) {
        throw new StoreUnavailableError(
          `the Nix daemon at ${socketPath} speaks protocol ${major}.${minor}; nixmake needs 1.${MIN_MINOR} or later ` +
            `within major version 1 (Nix 2.4 or later). Upgrade the daemon or point NIX_DAEMON_SOCKET_PATH at another one.`,
        );
      }
      const storeDir = opts.storeDir ?? (process.env['NIX_STORE_DIR'] || process.env['NIX_STORE'] || '/nix/store');
      const conn = new DaemonConnection(socket, reader, socketPath, version, opts.onMessage, storeDir);
      socket.removeListener('error', early);
      socket.removeListener('close', closedEarly);
      conn.attach();
      const w = new WireWriter().u64(PROTOCOL_VERSION);
      if (minor >= 14) w.u64(0); // obsolete CPU affinity: none
      if (minor >= 11) w.bool(false); // obsolete reserveSpace
      socket.write(w.toBuffer());
      if (conn.minor >= 33) conn.daemonNixVersion = await conn.reader.readString();
      try {
        await conn.processStderr({ onMessage: opts.onMessage });
      } catch (e) {
        if (e instanceof DaemonError) throw new StoreUnavailableError(`the Nix daemon at ${socketPath} refused the connection: ${e.message}`);
        throw e;
      }
      return conn;
    } catch (e) {
      socket.destroy();
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Reports the socket's end and errors once the handshake is past its version check. */
  private attach(): void {
    this.socket.on('error', (e) => this.fail(this.hungUp(`: ${e.message}`)));
    this.socket.on('close', () => this.fail(this.hungUp()));
  }

  private hungUp(detail = ''): StoreUnavailableError {
    const last = this.lastDaemonError ? ` (its last error: ${this.lastDaemonError.message})` : '';
    return new StoreUnavailableError(`the Nix daemon at ${this.socketPath} closed the connection${detail}${last}`);
  }

  private fail(e: Error): void {
    this.broken ??= e;
    this.reader.end(this.broken);
    this.socket.destroy();
  }

  /** Runs `fn` after every earlier operation; a failure other than DaemonError closes the connection. */
  private enqueue<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const run = this.tail.then(async () => {
      if (this.broken) throw this.broken;
      if (signal?.aborted) throw abortError(signal);
      // Bytes nobody asked for: the daemon is hanging up after an error it
      // could not report in-band (it sends that error twice, then closes).
      if (this.reader.buffered > 0) this.fail(this.hungUp());
      if (this.broken) throw this.broken;
      try {
        return await fn();
      } catch (e) {
        if (e instanceof DaemonError) this.lastDaemonError = e;
        else if (!(e instanceof InvalidStorePathError)) this.fail(e as Error);
        throw e;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Called before anything is sent, so a bad path leaves the connection usable. */
  private checkPaths(paths: readonly string[]): void {
    for (const p of paths) checkStorePath(this.storeDir, p);
  }

  private send(w: WireWriter): void {
    this.socket.write(w.toBuffer());
  }

  private async readFields(): Promise<LogField[]> {
    const r = this.reader;
    const n = await r.readU64();
    const fields: LogField[] = [];
    for (let i = 0; i < n; i++) {
      const type = await r.readU64();
      if (type === 0) {
        const v = await r.readU64Big();
        fields.push(v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
      } else if (type === 1) fields.push(await r.readString());
      else throw new DaemonProtocolError(`unsupported log field type ${type} from the Nix daemon`);
    }
    return fields;
  }

  private async readError(): Promise<DaemonError> {
    const r = this.reader;
    if (this.minor < 26) {
      const msg = await r.readString();
      const status = await r.readU64();
      return new DaemonError(stripAnsi(msg), status, 0);
    }
    const type = await r.readString();
    if (type !== 'Error') throw new DaemonProtocolError(`unexpected error type '${type}' from the Nix daemon`);
    const level = await r.readU64();
    await r.readString(); // the error's name: no longer used
    const msg = await r.readString();
    if ((await r.readU64()) !== 0) throw new DaemonProtocolError('the Nix daemon sent an error position, which protocol 1.34 does not define');
    const traces: string[] = [];
    for (let n = await r.readU64(); n > 0; n--) {
      if ((await r.readU64()) !== 0) throw new DaemonProtocolError('the Nix daemon sent a trace position, which protocol 1.34 does not define');
      traces.push(stripAnsi(await r.readString()));
    }
    return new DaemonError(stripAnsi(msg), 1, level, traces);
  }

  /** Reads stderr messages up to STDERR_LAST; STDERR_ERROR rejects with DaemonError. */
  private async processStderr(h: StderrHandlers = {}): Promise<void> {
    const r = this.reader;
    const onMessage = h.onMessage ?? this.defaultOnMessage;
    // Activity → the drv path of the build it belongs to (its own, or its nearest build ancestor's).
    const buildOf = new Map<bigint, string | undefined>();
    for (;;) {
      const msg = await r.readU64Big();
      switch (Number(msg)) {
        case STDERR_LAST:
          return;
        case STDERR_NEXT: {
          const text = (await r.readString()).replace(/\n$/, '');
          onMessage?.(stripAnsi(text));
          break;
        }
        case STDERR_ERROR:
          throw await this.readError();
        case STDERR_START_ACTIVITY: {
          const id = await r.readU64Big();
          await r.readU64(); // level
          const type = await r.readU64();
          await r.readString(); // text, e.g. "building '/nix/store/…drv'"
          const fields = await this.readFields();
          const parent = await r.readU64Big();
          const drv = type === ACT_BUILD && typeof fields[0] === 'string' ? fields[0] : buildOf.get(parent);
          buildOf.set(id, drv);
          break;
        }
        case STDERR_STOP_ACTIVITY:
          buildOf.delete(await r.readU64Big());
          break;
        case STDERR_RESULT: {
          const id = await r.readU64Big();
          const type = await r.readU64();
          const fields = await this.readFields();
          if (type === RES_BUILD_LOG_LINE && typeof fields[0] === 'string') h.onLog?.(fields[0], buildOf.get(id));
          break;
        }
        case STDERR_READ:
        case STDERR_WRITE:
          throw new DaemonProtocolError(
            `the Nix daemon sent ${Number(msg) === STDERR_READ ? 'STDERR_READ' : 'STDERR_WRITE'}, which no operation nixmake uses needs`,
          );
        default:
          throw new DaemonProtocolError(`unknown message 0x${msg.toString(16)} from the Nix daemon`);
      }
    }
  }

  /** wopSetOptions: the settings for the builds of this connection. */
  setOptions(s: ClientSettings): Promise<void> {
    return this.enqueue(async () => {
      const w = new WireWriter()
        .u64(OP.setOptions)
        .bool(s.keepFailed)
        .bool(s.keepGoing)
        .bool(s.tryFallback)
        .u64(s.verbosity)
        .u64(s.maxBuildJobs)
        .u64(s.maxSilentTime)
        .u64(1) // obsolete useBuildHook
        .u64(s.buildVerbosity)
        .u64(0) // obsolete logType
        .u64(0) // obsolete printBuildTrace
        .u64(s.buildCores)
        .bool(s.useSubstitutes);
      const keys = [...s.overrides.keys()].sort(byteOrder);
      w.u64(keys.length);
      for (const k of keys) w.string(k).string(s.overrides.get(k)!);
      this.send(w);
      await this.processStderr();
    });
  }

  isValidPath(path: string): Promise<boolean> {
    return this.enqueue(async () => {
      this.checkPaths([path]);
      this.send(new WireWriter().u64(OP.isValidPath).string(path));
      await this.processStderr();
      return this.reader.readBool();
    });
  }

  /** The valid ones among `paths`, without substituting. */
  queryValidPaths(paths: readonly string[]): Promise<Set<string>> {
    return this.enqueue(async () => {
      this.checkPaths(paths);
      const w = new WireWriter().u64(OP.queryValidPaths).strings(sortedSet(paths));
      if (this.minor >= 27) w.bool(false); // substitute
      this.send(w);
      await this.processStderr();
      return new Set(await this.reader.readStrings());
    });
  }

  /** The path's metadata, or undefined when it is not valid. */
  queryPathInfo(path: string): Promise<PathInfo | undefined> {
    return this.enqueue(async () => {
      this.checkPaths([path]);
      this.send(new WireWriter().u64(OP.queryPathInfo).string(path));
      await this.processStderr();
      if (!(await this.reader.readBool())) return undefined;
      return this.readPathInfo(path);
    });
  }

  /** ValidPathInfo::read after the path (format >= 16, which every supported minor is). */
  private async readPathInfo(path: string): Promise<PathInfo> {
    const r = this.reader;
    const deriver = await r.readString();
    const narHash = await r.readString();
    const info: PathInfo = {
      path,
      narHash,
      narHashHex: narHashToHex(narHash),
      references: await r.readStrings(),
      registrationTime: await r.readU64(),
      narSize: await r.readU64(),
      ultimate: await r.readBool(),
      sigs: await r.readStrings(),
    };
    if (deriver) info.deriver = deriver;
    const ca = await r.readString();
    if (ca) info.ca = ca;
    return info;
  }

  /**
   * wopAddToStore (1.25 form): `dump` is a NAR for 'fixed:r:…' and the
   * file's bytes for flat 'fixed:…' or 'text:sha256'.
   */
  addToStoreNar(name: string, nar: Uint8Array, cam = 'fixed:r:sha256', references: readonly string[] = []): Promise<PathInfo> {
    // A method the daemon cannot parse would leave our frames unread and the stream out of step.
    if (!/^(text:sha256|fixed:(r:)?(md5|sha1|sha256|sha512))$/.test(cam)) {
      return Promise.reject(new TypeError(`unsupported content-address method '${cam}'`));
    }
    return this.enqueue(async () => {
      this.checkPaths(references);
      const w = new WireWriter().u64(OP.addToStore).string(name).string(cam).strings(sortedSet(references)).bool(false);
      this.send(w.framed(nar));
      await this.processStderr();
      return this.readPathInfo(await this.reader.readString());
    });
  }

  /**
   * wopAddToStoreNar (framed, minor >= 23): adds `nar` as `info.path` with
   * the path info the caller vouches for (references, content address), as
   * `nix-store --import` does. A non-trusted client's path must be signed or
   * content-addressed (`ca`); the daemon checks the NAR against `narHashHex`.
   */
  addNarWithInfo(info: NarInfoToAdd, nar: Uint8Array): Promise<void> {
    if (this.minor < 23) return Promise.reject(new DaemonProtocolError(`wopAddToStoreNar needs protocol 1.23 (the daemon speaks 1.${this.minor})`));
    return this.enqueue(async () => {
      this.checkPaths([info.path, ...info.references]);
      const w = new WireWriter().u64(OP.addToStoreNar).string(info.path).string('').string(info.narHashHex);
      w.strings(sortedSet(info.references)).u64(0).u64(nar.byteLength).bool(false).strings([]).string(info.ca);
      w.bool(false).bool(false); // repair, dontCheckSigs
      this.send(w.framed(nar));
      await this.processStderr();
    });
  }

  /** Adds a text file (like builtins.toFile) and answers its store path. */
  async addTextToStore(name: string, text: string | Uint8Array, references: readonly string[]): Promise<string> {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    return (await this.addToStoreNar(name, bytes, 'text:sha256', references)).path;
  }

  /** Keeps `path` alive until this connection closes. */
  addTempRoot(path: string): Promise<void> {
    return this.simple(new WireWriter().u64(OP.addTempRoot).string(path), [path]);
  }

  /** Records `absLinkPath` (a symlink to a store path that the caller made) as a GC root. */
  addIndirectRoot(absLinkPath: string): Promise<void> {
    return this.simple(new WireWriter().u64(OP.addIndirectRoot).string(absLinkPath));
  }

  private simple(w: WireWriter, paths: readonly string[] = []): Promise<void> {
    return this.enqueue(async () => {
      this.checkPaths(paths);
      this.send(w);
      await this.processStderr();
      await this.reader.readU64();
    });
  }

  /**
   * wopBuildPathsWithResults: one result per path, in order; a failed
   * build is a result, not a rejection. Each build log line goes to `onLog`
   * with its derivation (undefined if it belongs to no build), other daemon
   * text to `onMessage`. Aborting closes the connection, which makes the
   * daemon stop the builds (MonitorFdHup), and rejects with an AbortError.
   * Before protocol 1.34 this is wopBuildPaths: success gives Built
   * (Substituted for plain paths) with no outputs, failure a DaemonError.
   */
  buildPathsWithResults(
    paths: readonly string[],
    mode: BuildMode = 0,
    onLog?: LogLineHandler,
    signal?: AbortSignal,
    onMessage?: MessageHandler,
  ): Promise<BuildResult[]> {
    return this.enqueue(async () => {
      const onAbort = () => this.fail(new ConnectionClosedError('a build on this connection was aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.checkPaths(paths.map((p) => (p.includes('!') ? p.slice(0, p.indexOf('!')) : p)));
        const op = this.minor >= 34 ? OP.buildPathsWithResults : OP.buildPaths;
        this.send(new WireWriter().u64(op).strings(paths).u64(mode));
        await this.processStderr({ onLog, onMessage });
        if (op === OP.buildPaths) {
          // Before 1.34 there are no results: success means every path was built (or was valid already).
          await this.reader.readU64();
          return paths.map((p) => buildResultOf(p, p.includes('!') ? 0 : 1, '', 0, false, 0, 0, {}));
        }
        const n = await this.reader.readU64();
        const results: BuildResult[] = [];
        for (let i = 0; i < n; i++) results.push(await this.readBuildResult());
        return results;
      } catch (e) {
        if (signal?.aborted) throw abortError(signal);
        throw e;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    }, signal);
  }

  private async readBuildResult(): Promise<BuildResult> {
    const r = this.reader;
    const path = await r.readString();
    const status = await r.readU64();
    const errorMsg = await r.readString();
    const timesBuilt = await r.readU64();
    const isNonDeterministic = await r.readBool();
    const startTime = await r.readU64();
    const stopTime = await r.readU64();
    const builtOutputs: Record<string, unknown> = {};
    for (let n = await r.readU64(); n > 0; n--) {
      const id = await r.readString();
      const json = await r.readString();
      try {
        builtOutputs[id] = JSON.parse(json);
      } catch {
        throw new DaemonProtocolError(`the Nix daemon sent a realisation that is not JSON: ${json.slice(0, 200)}`);
      }
    }
    return buildResultOf(path, status, errorMsg, timesBuilt, isNonDeterministic, startTime, stopTime, builtOutputs);
  }

  /** Closes the connection after the operations already queued. */
  async close(): Promise<void> {
    await this.tail;
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.broken ??= new ConnectionClosedError('close() was called');
      this.socket.end();
    });
  }

  /** Closes the connection now; queued and running operations reject. */
  destroy(): void {
    this.fail(new ConnectionClosedError('destroy() was called'));
  }
}

function buildResultOf(
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

function sortedSet(paths: readonly string[]): string[] {
  return [...new Set(paths)].sort(byteOrder);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
