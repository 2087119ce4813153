/**
 * DaemonStore: the NixStore interface over the daemon's Unix socket.
 *
 * It keeps a small pool of connections (one per job slot, plus one), each
 * opened on first use, given the client's settings once (wopSetOptions) and
 * kept open until `close`: the temporary roots a connection registers (and
 * every path it adds) live exactly as long as it does, so nothing a build
 * wrote can be collected before it is built. A build holds one connection
 * for its whole duration, so its log lines are its own.
 *
 * A daemon drops each restricted setting a user it does not trust sends,
 * and builds anyway. It says so in a message (STDERR_NEXT) during
 * wopSetOptions, but Nix 2.8 says it at debug level (later versions warn),
 * so when there are overrides a connection sends its settings twice: first
 * at verbosity 6 (lvlDebug) to hear which were ignored, then at 1 (lvlWarn)
 * for its builds. Those messages go to `onWarning`, once each, as a sentence
 * that says what to do. (Measured: Nix 2.8, a user not in trusted-users,
 * `max-build-log-size` from nixmake.json.)
 *
 * With remote job slots (`RemoteOptions.remoteSlots`), the builds of those
 * slots go to a second pool whose connections send max-jobs 0, so that the
 * daemon gives each to its build hook (nixmake's derivations say
 * preferLocalBuild, which Nix 2.8 honours only while max-jobs is not 0). A
 * build no machine took ("unable to start any build; remote machines may
 * not have all required system features") is explained from the hook's
 * messages (remoteBuildFailure).
 *
 * It does not decide what to build, and it spawns no Nix command.
 */
import { userName } from '../core/EnvironmentError.js';
import { replaceSymlink } from '../core/links.js';
import { DaemonConnection, DaemonError } from './DaemonConnection.js';
import type { Machine } from './machines.js';
import type { ClientSettings } from './nixConfig.js';
import type { BuildMode, BuildOutcome, NarToAdd, NixStore, PathInfo } from './NixStore.js';
import { NixCommandError } from './NixStore.js';
import { explainNoMachine, NO_MACHINE } from './remoteBuildFailure.js';
import type { SshProbe } from './sshProbe.js';

/** The builder's own timing line (nix-templates/builder/nixmake-builder.c). */
const TIMING = /^@nixmake run_ms=([0-9.]+) status=(-?\d+)$/;

/** What the daemon says when `keep-failed` kept a failed build's tree (LocalDerivationGoal::deleteTmpDir). */
const KEPT = /keeping build directory '([^']+)'/;

/** Nix 2.8's daemon.cc, ClientSettings::apply, for a client that is not trusted. */
const RESTRICTED = /ignoring the (?:client|user)-specified setting '([^']+)', because it is a restricted setting and you are not a trusted user/i;

/** daemon.cc's setSubstituters, for a substituter neither trusted-substituters nor the daemon's substituters list. */
const UNTRUSTED_SUBSTITUTER = /ignoring untrusted substituter '([^']+)'/i;

/** What the daemon said about our settings, as a warning that says what to do. */
export function settingWarning(text: string, user: string): string {
  const sub = UNTRUSTED_SUBSTITUTER.exec(text);
  if (sub) {
    return (
      `the Nix daemon ignored the substituter '${sub[1]}': user ${user} is not one of its trusted-users and '${sub[1]}' is not in its trusted-substituters, ` +
      `so nothing is fetched from it and everything is built here. Add '${sub[1]}' to trusted-substituters (and its key to trusted-public-keys) ` +
      `in the daemon's nix.conf, or ${user} to trusted-users, and restart the daemon`
    );
  }
  const m = RESTRICTED.exec(text);
  if (!m) return `the Nix daemon, on the settings nixmake sent it: ${text.replace(/^warning:\s*/, '')}`;
  const consequence =
    m[1] === 'trusted-public-keys' || m[1] === 'extra-trusted-public-keys'
      ? "builds work, but a path signed only by these keys is built here instead of fetched (or add the key to trusted-public-keys in the daemon's nix.conf)"
      : m[1] === 'builders'
        ? "builds work, but only on this machine (or set builders in the daemon's nix.conf)"
        : 'builds work, but without this option';
  return (
    `the Nix daemon ignored the option '${m[1]}' because user ${user} is not one of its trusted-users: ${consequence}. ` +
    `Add ${user} to trusted-users in the daemon's nix.conf (and restart it), or drop '${m[1]}' from nix.options in nixmake.json or from --option`
  );
}

/** What a store knows of remote builders. */
export interface RemoteOptions {
  /** The machines of the `builders` nixmake sent (undefined: none sent; the daemon may have its own). */
  readonly machines: readonly Machine[] | undefined;
  /** How to ask a machine why it cannot be reached: a build no machine took is then explained. */
  readonly probe: SshProbe;
  /** Job slots `from` … `from + count − 1` build on the remote builders (their connections send max-jobs 0). */
  readonly remoteSlots?: { readonly from: number; readonly count: number } | undefined;
}

export class DaemonStore implements NixStore {
  private readonly idle: DaemonConnection[] = [];
  private readonly all: DaemonConnection[] = [];
  private readonly waiting: ((c: DaemonConnection) => void)[] = [];
  private opening = 0;
  private closed = false;
  /** Paths already made valid and rooted through this store. */
  private readonly added = new Map<string, Promise<void>>();
  /** Warnings already reported (every connection sends the same settings). */
  private readonly warned = new Set<string>();

  constructor(
    private readonly socketPath: string,
    private readonly settings: ClientSettings,
    private readonly maxConnections: number,
    /** Called once per distinct message the daemon sent about our settings. */
    private readonly onWarning: (message: string) => void = () => undefined,
    /** Remote builders: explaining a build no machine took; job slots that build remotely. */
    private readonly remote: RemoteOptions | undefined = undefined,
  ) {
    if (remote?.remoteSlots && remote.remoteSlots.count > 0) {
      // Job slots from `from` on build on the builders: their connections say max-jobs 0, so the daemon asks its hook
      // (preferLocalBuild only counts while this machine has slots); the rest build here without asking it.
      this.remotePart = new DaemonStore(socketPath, { ...settings, maxBuildJobs: 0 }, remote.remoteSlots.count, (message) => this.warnOnce(message), {
        machines: remote.machines,
        probe: remote.probe,
      });
    }
  }

  /** The remote slots' pool of connections, which send max-jobs 0. */
  private readonly remotePart: DaemonStore | undefined;

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.onWarning(message);
  }

  /** A failed build's message; Nix's "unable to start any build" said with its cause when the hook's messages tell it. */
  private async failureMessage(message: string, messages: readonly string[]): Promise<string> {
    const first = firstLine(message);
    if (!this.remote || !NO_MACHINE.test(first)) return first;
    return (await explainNoMachine(messages, this.remote.machines, this.settings.maxBuildJobs, this.remote.probe)) ?? first;
  }

  private settingsMessage(text: string): void {
    this.warnOnce(settingWarning(text.trim(), userName()));
  }

  private async acquire(): Promise<DaemonConnection> {
    if (this.warming !== undefined && this.idle.length === 0) await this.warming;
    if (this.closed) throw new NixCommandError('the store connection is closed');
    // An idle connection may have been hung up on since (a store kept across builds, a daemon restarted): drop it.
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (!c.isBroken) return c;
      this.all.splice(this.all.indexOf(c), 1);
    }
    if (this.all.length + this.opening < this.maxConnections) {
      this.opening++;
      try {
        // Messages outside operations that pass their own handler: only setOptions' are ours to report.
        let phase: 'debug' | 'warn' | 'done' = 'debug';
        const conn = await DaemonConnection.open(this.socketPath, {
          onMessage: (text) => {
            const t = text.trim();
            // At debug level only the lines about our settings are ours to report.
            if (phase === 'warn' ? t !== '' : phase === 'debug' && (RESTRICTED.test(t) || /^warning:/.test(t))) this.settingsMessage(t);
          },
        });
        try {
          if (this.settings.overrides.size > 0) await conn.setOptions({ ...this.settings, verbosity: 6 });
          phase = 'warn';
          // Warnings only: build log lines arrive as activity results whatever the verbosity.
          await conn.setOptions({ ...this.settings, verbosity: 1 });
        } catch (err) {
          conn.close();
          throw err;
        }
        phase = 'done';
        // Closed while it was being opened (a warm() nothing used): it must not outlive the store, nor hold the process.
        if (this.closed) {
          letGo(conn);
          throw new NixCommandError('the store connection is closed');
        }
        this.all.push(conn);
        return conn;
      } finally {
        this.opening--;
      }
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  warm(): void {
    if (this.closed || this.all.length + this.opening > 0) return;
    const warming = this.acquire().then(
      (c) => this.release(c),
      () => undefined,
    );
    this.warming = warming;
    void warming.finally(() => {
      if (this.warming === warming) this.warming = undefined;
    });
  }

  /** The connection warm() is opening: the first operation waits for it rather than open another. */
  private warming: Promise<void> | undefined;

  private release(c: DaemonConnection): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.idle.push(c);
  }

  private async with<T>(f: (c: DaemonConnection) => Promise<T>): Promise<T> {
    const c = await this.acquire();
    try {
      return await f(c);
    } finally {
      this.release(c);
    }
  }

  addNar(name: string, nar: Uint8Array, path: string): Promise<void> {
    return this.addNars([{ name, nar, path }]);
  }

  addNars(items: readonly NarToAdd[]): Promise<void> {
    const fresh = new Map<string, NarToAdd>();
    for (const i of items) if (!this.added.has(i.path)) fresh.set(i.path, i);
    if (fresh.size > 0) {
      const batch = (some: readonly NarToAdd[]): Promise<void> =>
        this.with(async (c) => {
          await c.addTempRoots(some.map((i) => i.path));
          const valid = await c.queryValidPaths(some.map((i) => i.path));
          for (const i of some) {
            if (valid.has(i.path)) continue;
            const info = await c.addToStoreNar(i.name, i.nar);
            if (info.path !== i.path) throw new NixCommandError(`the daemon stored ${i.name} at ${info.path}, not at ${i.path}`);
          }
        });
      const whole = batch([...fresh.values()]);
      for (const i of fresh.values()) {
        // One the daemon refuses fails only itself: after a refusal each is tried again on its own.
        const p = whole.catch((err: unknown) => {
          if (!(err instanceof DaemonError) || fresh.size === 1) throw err;
          return batch([i]);
        });
        this.added.set(i.path, p);
        p.catch(() => {
          if (this.added.get(i.path) === p) this.added.delete(i.path);
        });
      }
    }
    return Promise.all(items.map((i) => this.added.get(i.path))).then(() => undefined);
  }

  addText(name: string, text: string, references: readonly string[]): Promise<string> {
    return this.with((c) => c.addTextToStore(name, text, references));
  }

  async validPaths(paths: readonly string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    return this.with((c) => c.queryValidPaths(paths));
  }

  async addTempRoots(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.with((c) => c.addTempRoots(paths));
  }

  async build(drvPath: string, signal?: AbortSignal, onLine?: (line: string) => void, mode: BuildMode = 0, slot?: number): Promise<BuildOutcome> {
    const from = this.remote?.remoteSlots?.from;
    if (this.remotePart && slot !== undefined && from !== undefined && slot >= from) return this.remotePart.build(drvPath, signal, onLine, mode);
    return this.with(async (c) => {
      const lines: string[] = [];
      const messages: string[] = [];
      let runMs: number | undefined;
      let keptBuildDir: string | undefined;
      let machine: string | undefined;
      const onBuildStart = (drv: string, on: string): void => {
        if (drv === drvPath && on !== '') machine = on;
      };
      const onLog = (line: string): void => {
        const m = TIMING.exec(line);
        if (m) {
          runMs = Number(m[1]);
          return;
        }
        lines.push(line);
        // A throwing callback would close the connection (and kill the build): the caller's fault stays its own.
        try {
          onLine?.(line);
        } catch {
          // ignored
        }
      };
      const onMessage = (text: string): void => {
        const k = KEPT.exec(text);
        if (k) keptBuildDir = k[1];
        else if (text.trim() !== '') messages.push(text.trim());
      };
      let results;
      try {
        results = await c.buildPathsWithResults([`${drvPath}!out`], mode, onLog, signal, onMessage, onBuildStart);
      } catch (err) {
        if (err instanceof DaemonError) {
          return { ok: false, status: 'Error', message: await this.failureMessage(err.message, messages), log: lines.join('\n'), runMs, startTime: 0, stopTime: 0, keptBuildDir, messages, machine };
        }
        throw err;
      }
      const r = results[0];
      if (!r) throw new NixCommandError(`the daemon answered no result for ${drvPath}`);
      return {
        ok: r.success,
        status: r.statusName,
        message: r.success ? '' : await this.failureMessage(r.errorMsg, messages),
        log: lines.join('\n'),
        runMs,
        startTime: r.startTime,
        stopTime: r.stopTime,
        keptBuildDir,
        messages,
        machine,
      };
    });
  }

  async pathInfo(path: string): Promise<PathInfo | undefined> {
    const info = await this.with((c) => c.queryPathInfo(path));
    if (!info) return undefined;
    return { path: info.path, narHashHex: info.narHashHex, narSize: info.narSize, references: info.references, deriver: info.deriver, ca: info.ca };
  }

  async addRoot(target: string, gcRoot: string): Promise<void> {
    replaceSymlink(target, gcRoot);
    await this.with((c) => c.addIndirectRoot(gcRoot));
  }

  /** Closes every connection after its queued operations; the process does not wait for the daemon to hang up. */
  close(): void {
    this.remotePart?.close();
    this.closed = true;
    for (const c of this.all) letGo(c);
    this.all.length = 0;
    this.idle.length = 0;
  }
}

/** Closes `c` after its queued operations, without keeping the process alive for the daemon's hang-up. */
function letGo(c: DaemonConnection): void {
  void c.close();
  c.unref();
}

function firstLine(message: string): string {
  const clean = message.replace(/\x1b\[[0-9;]*m/g, '').trim();
  const line = clean.split('\n').find((l) => l.trim() !== '') ?? clean;
  return line.replace(/^error:\s*/, '').trim();
}
