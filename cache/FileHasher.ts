/**
 * FileHasher: path → content hash, re-reading a file only when its stat
 * (mtime, ctime, size, inode) differs from the one recorded with its hash.
 *
 * Loaded from the memo once per run and written back once, in one
 * transaction. A file modified within the last two seconds is hashed but not
 * recorded, so an edit made within the file system's timestamp granularity
 * is never hidden by the cache ("racy" entries, as git calls them).
 *
 * A path may be redirected to another file (`redirect`): a generator's
 * output, asked for at its project path, is hashed where it is (in the
 * store), and that file is what `hashedPaths` lists.
 */
import fs from 'node:fs';
import { UserError } from '../core/Diagnostic.js';
import { errnoFault } from '../core/EnvironmentError.js';
import { contentHash } from './hashes.js';
import type { ContentHash } from './hashes.js';
import type { FileRecord, FileStat, MemoStore } from './Memo.js';

/** The file system as the hasher sees it; tests pass a fake. */
export interface HashFs {
  /**
   * undefined when the path does not exist or is not a regular file; throws
   * EnvironmentError when it cannot tell (permission denied on a folder on
   * the way), so an unreadable file is never taken for a missing one.
   */
  stat(path: string): FileStat | undefined;
  read(path: string): Buffer;
  now(): number;
}

/** errno codes that mean "no such file here" rather than "cannot look". */
const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

export const nodeHashFs: HashFs = {
  stat(p) {
    let s: fs.Stats;
    try {
      s = fs.statSync(p);
    } catch (err) {
      if (ABSENT.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw errnoFault(err, p) ?? err;
    }
    return s.isFile() ? { mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, size: s.size, ino: s.ino } : undefined;
  },
  read(p) {
    try {
      return fs.readFileSync(p);
    } catch (err) {
      throw errnoFault(err, p) ?? err;
    }
  },
  now: () => Date.now(),
};

const RACY_MS = 2000;

export interface HasherOptions {
  /** Read records one by one as asked (a build after an edit, which hashes a few files), not all at once. */
  readonly lazy?: boolean;
  /**
   * The stat a file had when the build checked what changed since the last
   * one (the no-op stamp's check), for a file it found unchanged then: the
   * build took that file as it was, so one found otherwise now changed while
   * the build ran, and the build stops (UserError) rather than use both.
   */
  readonly checked?: ((path: string) => readonly [mtimeMs: number, ctimeMs: number, size: number, ino: number] | undefined) | undefined;
  /** Called once, the first time a file read has content other than the memo's record of it (or has none): something will be built. */
  readonly onNewContent?: (() => void) | undefined;
}

export class FileHasher {
  /** The memo's records: all of them, or (lazily) those asked for so far. */
  private readonly known: Map<string, FileRecord | undefined>;
  private readonly changed = new Map<string, FileRecord | null>();
  private readonly thisRun = new Map<string, ContentHash | undefined>();
  private readonly underRoot = new Map<string, Map<string, ContentHash | undefined>>();
  private readonly redirects = new Map<string, string>();
  private readonly depended = new Set<string>();

  constructor(
    private readonly memo: Pick<MemoStore, 'loadFiles' | 'saveFiles'> & Partial<Pick<MemoStore, 'getFile'>>,
    private readonly fsys: HashFs = nodeHashFs,
    opts: HasherOptions = {},
  ) {
    this.lazy = opts.lazy === true && memo.getFile !== undefined;
    this.known = this.lazy ? new Map() : memo.loadFiles();
    this.checked = opts.checked;
    this.onNewContent = opts.onNewContent;
  }

  private onNewContent: (() => void) | undefined;

  private readonly lazy: boolean;
  private readonly checked: HasherOptions['checked'];

  private recordOf(path: string): FileRecord | undefined {
    if (!this.lazy || this.known.has(path)) return this.known.get(path);
    const r = this.memo.getFile?.(path);
    this.known.set(path, r);
    return r;
  }

  /** From now on, `from` (absolute) is hashed as the file `to` (absolute) is; before anything asked for `from`. */
  redirect(from: string, to: string): void {
    this.redirects.set(from, to);
  }

  /** The content hash of an existing regular file, or undefined if there is none. */
  hash(path: string): ContentHash | undefined {
    const to = this.redirects.get(path);
    if (to !== undefined) return this.hash(to);
    if (this.thisRun.has(path)) return this.thisRun.get(path);
    const st = this.fsys.stat(path);
    const c = this.checked?.(path);
    if (c !== undefined && (!st || st.mtimeMs !== c[0] || st.ctimeMs !== c[1] || st.size !== c[2] || st.ino !== c[3])) {
      throw new UserError(`${path} changed while nixmake was building (after it looked for changes since the last build); run the build again`);
    }
    let result: ContentHash | undefined;
    if (!st) {
      if (this.recordOf(path) !== undefined) this.changed.set(path, null);
    } else {
      const old = this.recordOf(path);
      if (old && old.mtimeMs === st.mtimeMs && old.ctimeMs === st.ctimeMs && old.size === st.size && old.ino === st.ino) {
        result = old.hash;
      } else {
        result = contentHash(this.fsys.read(path));
        if (this.onNewContent !== undefined && old?.hash !== result) {
          const f = this.onNewContent;
          this.onNewContent = undefined;
          f();
        }
        if (this.fsys.now() - st.mtimeMs >= RACY_MS) this.changed.set(path, { ...st, hash: result });
        else if (old) this.changed.set(path, null);
      }
    }
    this.thisRun.set(path, result);
    return result;
  }

  /**
   * `hash(root/rel)` for a project-relative path, memoised by `rel`: the same
   * header is asked for once per TU that reads it, and joining and looking
   * up the absolute path each time was most of a large no-op's cost.
   */
  hashRel(root: string, rel: string): ContentHash | undefined {
    let byRel = this.underRoot.get(root);
    if (!byRel) this.underRoot.set(root, (byRel = new Map()));
    if (byRel.has(rel)) return byRel.get(rel);
    const h = this.hash(`${root}/${rel}`);
    byRel.set(rel, h);
    return h;
  }

  /** Whether a file's content is not what the memo last recorded for it (or it has no record, or is gone). */
  changedSinceMemo(path: string): boolean {
    const h = this.hash(path);
    return h === undefined || this.recordOf(path)?.hash !== h;
  }

  /**
   * A file this run depends on without hashing it: one of a closure reused
   * from the baseline, known unchanged since the last build hashed it.
   */
  dependOn(path: string): void {
    this.depended.add(path);
  }

  /** Grows whenever a path is hashed or depended on for the first time: hashedPaths is the same while this is. */
  get paths(): number {
    return this.thisRun.size + this.depended.size;
  }

  /** Every existing file hashed this run, and those it depends on unhashed (absolute paths): what its fingerprints depended on. */
  hashedPaths(): string[] {
    const out = new Set(this.depended);
    for (const [p, h] of this.thisRun) if (h !== undefined) out.add(p);
    return [...out];
  }

  /** Writes this run's new and removed entries to the memo. */
  flush(): void {
    this.memo.saveFiles(this.changed);
    this.changed.clear();
  }
}
