/**
 * TreeWatcher: reports the paths that change under a project root, as
 * project-relative paths, through one inotify watch per folder (Node's
 * `fs.watch` on each folder, not on each file).
 *
 * Why not `fs.watch(root, { recursive: true })`: on Linux, Node 20 watches
 * every file by its inode, so after an editor saves by rename (a temporary
 * file renamed over the old one) further changes to that file are never
 * reported (measured on Node 20.20); it also watches `.git/` and `.nixmake/`
 * file by file. A folder's watch reports creations, writes, deletions and
 * renames of its entries by name, so a save by rename is seen like any write.
 *
 * A folder that appears is watched before it is listed, so a file created in
 * it right after `mkdir` is either listed or reported by the new watch; the
 * files found in it are reported. A folder that vanishes, or is replaced by
 * another, is reported as `rel/` and its watches are dropped. Ignored paths
 * (`isIgnoredPath`) are neither watched nor reported; folders reached through
 * a symlink are not watched. It does not decide what a change means.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isIgnoredPath } from './watchFilter.js';

interface Watched {
  readonly watcher: fs.FSWatcher;
  readonly ino: number;
}

export class TreeWatcher {
  /** Project-relative folder ('' for the root) → its watch. */
  private readonly watched = new Map<string, Watched>();
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly onPaths: (rels: readonly string[]) => void,
    private readonly onWarning: (message: string) => void,
  ) {}

  /** Watches the whole tree. Throws if the root itself cannot be watched. */
  start(): void {
    this.watchFolder('', [], true);
  }

  /** Folders watched now. */
  get folders(): number {
    return this.watched.size;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watched.values()) w.watcher.close();
    this.watched.clear();
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }

  /** Watches `rel` and every folder below it; the files found are pushed onto `found`. */
  private watchFolder(rel: string, found: string[], isRoot = false): void {
    const abs = this.abs(rel);
    let watcher: fs.FSWatcher;
    let ino: number;
    try {
      ino = fs.lstatSync(abs).ino;
      watcher = fs.watch(abs, { persistent: true }, (_type, name) => this.onEvent(rel, name));
    } catch (err) {
      if (isRoot) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return; // gone again before we got to it
      const hint = code === 'ENOSPC' ? ' (out of inotify watches: raise fs.inotify.max_user_watches)' : '';
      this.onWarning(`cannot watch ${abs} for changes: ${(err as Error).message}${hint}`);
      return;
    }
    watcher.on('error', () => this.unwatch(rel));
    this.watched.get(rel)?.watcher.close();
    this.watched.set(rel, { watcher, ino });
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return; // vanished meanwhile; its parent's watch reports it
    }
    for (const e of entries) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (isIgnoredPath(child)) continue;
      if (e.isDirectory()) this.watchFolder(child, found);
      else found.push(child);
    }
  }

  /** Drops the watches of `rel` and of every folder below it. */
  private unwatch(rel: string): void {
    for (const [k, w] of this.watched) {
      if (k === rel || rel === '' || k.startsWith(`${rel}/`)) {
        w.watcher.close();
        this.watched.delete(k);
      }
    }
  }

  private onEvent(dirRel: string, name: string | Buffer | null): void {
    if (this.closed) return;
    if (name === null) {
      // The kernel did not say which entry: look at the whole folder again.
      const found: string[] = [];
      this.watchFolder(dirRel, found, dirRel === '');
      this.onPaths([`${dirRel}/`, ...found]);
      return;
    }
    const rel = dirRel === '' ? name.toString() : `${dirRel}/${name.toString()}`;
    if (isIgnoredPath(rel)) return;
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(this.abs(rel));
    } catch {
      st = undefined;
    }
    const known = this.watched.get(rel);
    if (st?.isDirectory()) {
      if (known?.ino === st.ino) return; // an entry of it changed: its own watch reports that
      if (known) this.unwatch(rel);
      const found: string[] = [];
      this.watchFolder(rel, found);
      this.onPaths(known ? [`${rel}/`, ...found] : found);
      return;
    }
    if (known) {
      // A watched folder vanished or became a file: what was in it is gone.
      this.unwatch(rel);
      this.onPaths(st ? [`${rel}/`, rel] : [`${rel}/`]);
      return;
    }
    this.onPaths([rel]);
  }
}
