/**
 * ClosureCache: each TU's include closure from the last run, reused while
 * nothing it was computed from has changed, so a no-op build does not walk
 * any includes.
 *
 * A stored closure is valid when (1) the key (flags, search path, scanner
 * and closure versions) is the same, (2) the content hash of the TU and of
 * every header in the closure is the same (one closureDigest; hashes come
 * from the stat-validated FileHasher), and (3) every folder where a candidate was
 * probed before a match has the same mtime, so a file added there (a header
 * that would shadow another, or a missing one appearing) forces a new walk;
 * for the project root, where every build points its result links, the same
 * names but those links will do (folderListing).
 * A closure with an unresolved computed include depends on every header
 * under the include folders and is never stored; neither is one whose probed
 * folders changed less than two seconds before the analysis began (a change
 * during the walk, or within the timestamp granularity, could go unseen).
 *
 * With a baseline (engine/Baseline), an object's closure may come whole
 * from the baseline's own table (`closureOf`) instead of the memo: the one
 * the last silent build used, while its closure key is the same and none of
 * its files or probed folders changed since. That build's stamp recorded
 * those folders then, so this also covers a closure the memo did not store
 * because a folder had changed within two seconds of that walk.
 *
 * It does not compute closures: analyzeTargets does, on a miss.
 */
import fs from 'node:fs';
import { folderListing } from '../core/folderListing.js';
import type { FileHasher } from '../cache/FileHasher.js';
import type { MemoStore } from '../cache/Memo.js';
import { closureDigest, systemDigest } from './closureDigest.js';
import type { TuClosure } from './includeClosure.js';

/** Bump when includeClosure's output for the same inputs changes. */
export const CLOSURE_VERSION = 4;
const RACY_MS = 2000;
/** Stored closures held before they are written to the memo. */
const FLUSH_EVERY = 2000;

/**
 * What the last silent, successful build verified (engine/Baseline): a
 * stored closure whose digest is the one that build used for the object,
 * and none of whose files changed since, is reused without hashing its
 * files again (the digest covers exactly their paths and contents).
 */
export interface TrustedClosures {
  /**
   * A project file (relative) that changed since that build. Asked only of
   * files of a closure that build used, all of which it recorded: for them,
   * false means "as it was".
   */
  changedRel(rel: string): boolean;
  /** The same for a file outside the project (absolute). */
  changedAbs(abs: string): boolean;
  /** The closure digest the object's fingerprint was made from then. */
  digestOf(objectKey: string): string | undefined;
  /**
   * The object's closure as that build used it, if it was computed with
   * `cacheKey` and none of its files or probed folders changed since: with
   * its digest and its files (absolute), no memo read and no hashing.
   */
  closureOf?(objectKey: string, cacheKey: string): VouchedClosure | undefined;
  /** How many files changed since that build (a handful after an edit, thousands after a checkout). */
  readonly changedCount?: number;
  /** A file's stat when this build looked for changes, if it was found unchanged then (see FileHasher's `checked`). */
  checkedStat?(abs: string): readonly [mtimeMs: number, ctimeMs: number, size: number, ino: number] | undefined;
}

/** A closure the baseline vouches for, whole. */
export interface VouchedClosure {
  readonly closure: TuClosure;
  readonly digest: string;
  /** The TU, its headers and its system headers, absolute. */
  readonly files: readonly string[];
}

interface Stored {
  readonly key: string;
  readonly digest: string;
  /** Probed folders and their mtimes; the project root also with its listing (folderListing). */
  readonly dirs: readonly (readonly [string, number, string?])[];
  readonly closure: TuClosure;
}

export class ClosureCache {
  /** Closures to store, written out every FLUSH_EVERY so that a cold walk of a big tree does not hold them all. */
  private readonly fresh = new Map<string, string>();
  private readonly mtimes = new Map<string, number>();
  /** One shared array per distinct system-header list (most TUs read the same ones), and its digest part. */
  private readonly systems = new Map<string, readonly string[]>();
  private readonly systemDigests = new Map<readonly string[], string>();
  private readonly digests = new WeakMap<TuClosure, string>();
  /** When this run's analysis started: a folder changed after (or just before) it may have changed mid-walk. */
  private readonly start: number;
  /** TUs whose closure was reused this run. */
  hits = 0;
  /** Of those, the closures the baseline vouched for (not hashed again). */
  vouched = 0;

  constructor(
    private readonly memo: Pick<MemoStore, 'getClosure'>,
    private readonly memoOut: Pick<MemoStore, 'putClosures'>,
    private readonly hasher: FileHasher,
    private readonly root: string,
    now: () => number = Date.now,
    /** false: never reuse a stored closure (NIXMAKE_NO_CLOSURE_CACHE=1, for measuring the walk itself). */
    private readonly enabled = true,
    private readonly trusted?: TrustedClosures,
  ) {
    this.start = now();
  }

  private readonly listings = new Map<string, string | undefined>();

  /**
   * The project root's listing (its names but nixmake's result links), once
   * per run: the root moves whenever a build points a result link, which
   * changes nothing a probe there could find. Stored with a closure only
   * when the root had not changed for two seconds before the analysis (the
   * rule below), so it is the listing the walk saw.
   */
  private listing(dir: string): string | undefined {
    if (!this.listings.has(dir)) this.listings.set(dir, folderListing(dir));
    return this.listings.get(dir);
  }

  private mtime(dir: string): number {
    let m = this.mtimes.get(dir);
    if (m === undefined) {
      try {
        m = fs.statSync(dir).mtimeMs;
      } catch {
        m = -1;
      }
      this.mtimes.set(dir, m);
    }
    return m;
  }

  /**
   * The closure with its system-header list replaced by the one shared array
   * for that list, so later stages can cache per list (by identity).
   */
  intern(c: TuClosure): TuClosure {
    const key = c.system.join('\0');
    const shared = this.systems.get(key);
    if (shared === c.system) return c;
    if (shared) return { ...c, system: shared };
    this.systems.set(key, c.system);
    return c;
  }

  /** closureDigest of a closure, computed once per closure object (and per system list). */
  digestOf(c: TuClosure): string {
    let d = this.digests.get(c);
    if (d === undefined) {
      let sys = this.systemDigests.get(c.system);
      if (sys === undefined) this.systemDigests.set(c.system, (sys = systemDigest(c.system, (p) => this.hasher.hash(p))));
      d = closureDigest(c, (rel) => this.hasher.hashRel(this.root, rel), sys);
      this.digests.set(c, d);
    }
    return d;
  }

  /** Whether a TU's own file changed since the memo last saw it (since the baseline, with one: no stat): its object is likely to be rebuilt. */
  tuChanged(tu: string): boolean {
    return this.trusted ? this.trusted.changedRel(tu) : this.hasher.changedSinceMemo(`${this.root}/${tu}`);
  }

  get(node: string, key: string): TuClosure | undefined {
    const v = this.enabled ? this.trusted?.closureOf?.(node, key) : undefined;
    if (v) {
      this.digests.set(v.closure, v.digest);
      for (const f of v.files) this.dependOn(f, false);
      this.vouched++;
      this.hits++;
      return v.closure;
    }
    const raw = this.enabled ? this.memo.getClosure(node) : undefined;
    if (raw === undefined) return undefined;
    const s = JSON.parse(raw) as Stored;
    if (s.key !== key) return undefined;
    for (const [dir, m, listing] of s.dirs) if (this.mtime(dir) !== m && (listing === undefined || this.listing(dir) !== listing)) return undefined;
    const closure = this.intern(s.closure);
    if (this.trusts(node, s.digest, closure)) {
      this.digests.set(closure, s.digest);
      this.vouched++;
    } else if (this.digestOf(closure) !== s.digest) return undefined;
    this.hits++;
    return closure;
  }

  /** Files of trusted closures already handed to the hasher as depended on. */
  private readonly depended = new Set<string>();
  /** System-header lists (shared arrays, see intern) whose files are all unchanged since the baseline. */
  private readonly systemsUnchanged = new WeakMap<readonly string[], boolean>();

  /** Whether the baseline vouches for this stored closure (see TrustedClosures); its files are then depended on. */
  private trusts(node: string, digest: string, c: TuClosure): boolean {
    const t = this.trusted;
    // The digest names exactly the files of the closure that build used, so they are all in its record.
    if (t === undefined || t.digestOf(node) !== digest || t.changedRel(c.tu)) return false;
    for (const h of c.headers) if (t.changedRel(h)) return false;
    let sys = this.systemsUnchanged.get(c.system);
    if (sys === undefined) this.systemsUnchanged.set(c.system, (sys = !c.system.some((p) => t.changedAbs(p))));
    if (!sys) return false;
    this.dependOn(c.tu, true);
    for (const h of c.headers) this.dependOn(h, true);
    for (const p of c.system) this.dependOn(p, false);
    return true;
  }

  /** Hands a file of a vouched-for closure to the hasher as depended on, once (`rel`: relative to the root). */
  private dependOn(file: string, rel: boolean): void {
    if (this.depended.has(file)) return;
    this.depended.add(file);
    this.hasher.dependOn(rel ? `${this.root}/${file}` : file);
  }

  put(node: string, key: string, closure: TuClosure): void {
    if (closure.unresolvedComputed) return;
    closure = this.intern(closure);
    const dirs = closure.probedDirs.map((d): readonly [string, number, string?] => {
      const m = this.mtime(d);
      const listing = d === this.root ? this.listing(d) : undefined;
      return listing === undefined ? [d, m] : [d, m, listing];
    });
    if (dirs.some(([, m]) => m > this.start - RACY_MS)) return;
    const value = JSON.stringify({ key, digest: this.digestOf(closure), dirs, closure } satisfies Stored);
    this.fresh.set(node, value);
    if (this.fresh.size >= FLUSH_EVERY) this.flush();
  }

  flush(): void {
    this.memoOut.putClosures(this.fresh);
    this.fresh.clear();
  }
}
