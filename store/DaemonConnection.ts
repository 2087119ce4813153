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
import {
  ACT_BUILD,
  ConnectionClosedError,
  DaemonError,
  DaemonProtocolError,
  InvalidStorePathError,
  MIN_MINOR,
  OP,
  PROTOCOL_VERSION,
  RES_BUILD_LOG_LINE,
  STDERR_ERROR,
  STDERR_LAST,
  STDERR_NEXT,
  STDERR_READ,
  STDERR_RESULT,
  STDERR_START_ACTIVITY,
  STDERR_STOP_ACTIVITY,
  STDERR_WRITE,
  WORKER_MAGIC_1,
  WORKER_MAGIC_2,
  abortError,
  buildResultOf,
  checkStorePath,
  describeConnectError,
  narHashToHex,
  stripAnsi,
} from './workerProtocol.js';
import { sortedSet, sortUtf8 } from './utf8Order.js';
import type {
  BuildMode,
  BuildResult,
  LogField,
  LogLineHandler,
  MessageHandler,
  NarInfoToAdd,
  PathInfo,
} from './workerProtocol.js';

// What callers know this module for.
export { BUILD_STATUS_NAMES, checkStorePath, ConnectionClosedError, DaemonError, DaemonProtocolError, describeConnectError, InvalidStorePathError, narHashToHex, PROTOCOL_VERSION, stripAnsi } from './workerProtocol.js';
export type { BuildMode, BuildResult, LogField, LogLineHandler, MessageHandler, NarInfoToAdd, PathInfo } from './workerProtocol.js';

/** A build started: its derivation, and the remote machine the build hook gave it to ('' when it builds here). */
export type BuildStartHandler = (drv: string, machine: string) => void;

interface StderrHandlers {
  onLog?: LogLineHandler | undefined;
  onMessage?: MessageHandler | undefined;
  onBuildStart?: BuildStartHandler | undefined;
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

  /** Whether the connection has failed or closed (the daemon hung up, went away, or close() was called). */
  get isBroken(): boolean {
    return this.broken !== undefined;
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
          // DerivationGoal::started: fields are the drv, the hook's machine ('' for a local build), the round and rounds.
          if (type === ACT_BUILD && drv !== undefined) h.onBuildStart?.(drv, typeof fields[1] === 'string' ? fields[1] : '');
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
      const keys = sortUtf8([...s.overrides.keys()]);
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

  /**
   * Keeps every one of `paths` alive until this connection closes, in one
   * round trip: the requests go out together and the daemon, which serves
   * a connection's operations one after another, answers them in order. A
   * refusal of one (in-band, STDERR_ERROR) is thrown after every answer is
   * read, so the stream stays in step.
   */
  addTempRoots(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return Promise.resolve();
    return this.enqueue(async () => {
      this.checkPaths(paths);
      const w = new WireWriter();
      for (const p of paths) w.u64(OP.addTempRoot).string(p);
      this.send(w);
      let refused: DaemonError | undefined;
      for (let i = 0; i < paths.length; i++) {
        try {
          await this.processStderr();
          await this.reader.readU64();
        } catch (e) {
          if (!(e instanceof DaemonError)) throw e;
          refused ??= e;
        }
      }
      if (refused) throw refused;
    });
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
   * text to `onMessage`, each build's start (and machine) to `onBuildStart`. Aborting closes the connection, which makes the
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
    onBuildStart?: BuildStartHandler,
  ): Promise<BuildResult[]> {
    return this.enqueue(async () => {
      const onAbort = () => this.fail(new ConnectionClosedError('a build on this connection was aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.checkPaths(paths.map((p) => (p.includes('!') ? p.slice(0, p.indexOf('!')) : p)));
        const op = this.minor >= 34 ? OP.buildPathsWithResults : OP.buildPaths;
        this.send(new WireWriter().u64(op).strings(paths).u64(mode));
        await this.processStderr({ onLog, onMessage, onBuildStart });
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

  /**
   * Lets the process exit while the socket is still open: a connection
   * closed at the end of a run need not wait for the daemon's worker to
   * hang up (about 10 ms). Not for a connection whose close() is awaited.
   */
  unref(): void {
    this.socket.unref();
  }

  /** Closes the connection now; queued and running operations reject. */
  destroy(): void {
    this.fail(new ConnectionClosedError('destroy() was called'));
  }
}
