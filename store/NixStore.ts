/**
 * NixStore: everything the engine asks of Nix, behind one small interface.
 * `DaemonStore` carries it out over the daemon's socket (worker protocol);
 * unit tests use a fake.
 *
 * Every operation is in store terms (paths, NARs, derivation texts); this
 * interface knows nothing of plans, fingerprints or the memo, and nothing
 * here spawns a Nix command.
 */

/** Nix's BuildMode: 0 normal, 1 repair, 2 check (rebuild a valid output and compare). */
export type BuildMode = 0 | 1 | 2;

/** What one derivation's build came to. */
export interface BuildOutcome {
  readonly ok: boolean;
  /** The daemon's status name: Built, AlreadyValid, Substituted, PermanentFailure, … */
  readonly status: string;
  /** The daemon's error message when not ok (first line, no colour). */
  readonly message: string;
  /** The build's log lines, as the builder printed them (nixmake's own timing line removed). */
  readonly log: string;
  /** Milliseconds the builder's program (compiler, linker, ar) ran, as the builder measured it. */
  readonly runMs: number | undefined;
  /** The build's own start and stop as the daemon reports them (whole seconds since the epoch). */
  readonly startTime: number;
  readonly stopTime: number;
  /** Where the daemon kept the failed build's tree (`keep-failed`), as it said; undefined when it kept none. */
  readonly keptBuildDir?: string | undefined;
  /** Other messages the daemon said during the build (a substitute it refused, say), without colour. */
  readonly messages?: readonly string[];
  /** The remote builder (its store URI) the daemon's build hook gave the build to; undefined when built here. */
  readonly machine?: string | undefined;
}

export interface PathInfo {
  readonly path: string;
  /** sha256 of the path's NAR serialisation, lowercase hex. */
  readonly narHashHex: string;
  readonly narSize: number;
  readonly references: readonly string[];
  /** The derivation that built it, when the store knows. */
  readonly deriver?: string | undefined;
  /** Its content address (`fixed:r:sha256:…`), when it has one. */
  readonly ca?: string | undefined;
}

/** A NAR to add under `name`, whose store path the caller computed. */
export interface NarToAdd {
  readonly name: string;
  readonly nar: Uint8Array;
  readonly path: string;
}

export interface NixStore {
  /**
   * Makes `path` (the store path of `nar` added recursively under `name`,
   * computed by the caller) valid and keeps it alive until the store is
   * closed: a temporary root first, then the add if it is missing. The
   * caller's path is checked against the daemon's.
   */
  addNar(name: string, nar: Uint8Array, path: string): Promise<void>;
  /**
   * addNar for many at once: every path rooted and checked in one round trip
   * each, then the missing ones added. What an object's inputs cost is then
   * two waits for the daemon, not two per file. One the daemon refuses
   * fails only itself: `addNar` of an item answers for that item alone.
   */
  addNars(items: readonly NarToAdd[]): Promise<void>;
  /** Adds a text file (a derivation) with its references; answers its path (temporarily rooted). */
  addText(name: string, text: string, references: readonly string[]): Promise<string>;
  /** The subset of `paths` that are valid. */
  validPaths(paths: readonly string[]): Promise<Set<string>>;
  /** Keeps `paths` alive until the store is closed, whether or not they are valid yet. */
  addTempRoots(paths: readonly string[]): Promise<void>;
  /**
   * Builds output `out` of a derivation, collecting its log; never throws for
   * a failed build. `onLine` sees each log line as the daemon streams it
   * (nixmake's timing line excepted). `slot` is the job slot building it,
   * which decides where a store with remote slots sends it.
   */
  build(drvPath: string, signal?: AbortSignal, onLine?: (line: string) => void, mode?: BuildMode, slot?: number): Promise<BuildOutcome>;
  pathInfo(path: string): Promise<PathInfo | undefined>;
  /** Points the symlink `gcRoot` at `target` and registers it with Nix as an indirect root. */
  addRoot(target: string, gcRoot: string): Promise<void>;
  /** Closes every connection (dropping the temporary roots). */
  close(): void;
  /**
   * Starts opening a connection now, in the background, when none is open:
   * a build that will need the daemon soon pays for its handshake while it
   * does other work. A failure is left for the first real use to report.
   */
  warm?(): void;
}

/** Nix could not be used at all (daemon down, not installed): not a build failure. */
export class StoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

/** The daemon refused an operation for a reason other than a build failure. */
export class NixCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NixCommandError';
  }
}
