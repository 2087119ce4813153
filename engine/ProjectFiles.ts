/**
 * ProjectFiles: where nixmake keeps its own state inside a project, and
 * the two kinds of links it maintains there: GC roots (one per current
 * node, under .nixmake/gcroots) and `result-<target>` links.
 *
 * Links are replaced atomically (a new link renamed over the old), so a
 * crash leaves either the old link or the new one. Only symlinks are ever
 * replaced: a file or folder of the user's where nixmake would put
 * `.nixmake` or a `result-*` link is an EnvironmentError, never deleted.
 * This module does not talk to Nix; registering a root with the daemon is
 * the store's job.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError, errnoFault } from '../core/EnvironmentError.js';
import { sha256 } from '../cache/hashes.js';
import { readLink, replaceSymlink } from '../core/links.js';

function kindOf(st: fs.Stats): string {
  return st.isDirectory() ? 'a folder' : st.isFile() ? 'a regular file' : 'not a symlink';
}

export class ProjectFiles {
  readonly stateDir: string;
  readonly rootsDir: string;
  readonly memoFile: string;
  readonly tmpDir: string;
  /** Each node's last build log (see buildLogs). */
  readonly logsDir: string;
  /** Where `nixmake compdb` points each entry's output (`-o`). */
  readonly compdbDir: string;

  constructor(readonly root: string) {
    this.stateDir = path.join(root, '.nixmake');
    this.rootsDir = path.join(this.stateDir, 'gcroots');
    this.memoFile = path.join(this.stateDir, 'memo.sqlite');
    this.tmpDir = path.join(this.stateDir, 'tmp');
    this.logsDir = path.join(this.stateDir, 'logs');
    this.compdbDir = path.join(this.stateDir, 'compdb');
  }

  /** Makes `.nixmake/` (a folder, or a symlink to one); throws EnvironmentError when something else is in the way. */
  ensureStateDir(): void {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(this.stateDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw errnoFault(err, this.stateDir) ?? err;
    }
    if (st && !st.isDirectory()) {
      throw new EnvironmentError(this.stateDir, `${this.stateDir} is ${kindOf(st)}, not a folder: nixmake keeps its state (memo, GC roots, lock) there; move or delete it`);
    }
    try {
      fs.mkdirSync(this.stateDir, { recursive: true });
    } catch (err) {
      throw errnoFault(err, this.stateDir) ?? err;
    }
  }

  /**
   * The error for `result-<target>` when it exists and is not a symlink (a
   * folder or file of the user's), which nixmake never replaces.
   */
  resultLinkBlocked(target: string): EnvironmentError | undefined {
    const link = this.resultLink(target);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(link);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) return undefined;
    return new EnvironmentError(
      link,
      `${link} is ${kindOf(st)}, not a link nixmake made: nixmake never replaces it; move or delete it, and build again to get the result link`,
    );
  }

  /** Root names already made (a no-op or a plan asks for every node's, several times). */
  private readonly rootNames = new Map<string, string>();

  /** The GC root link of a node: one per node key, replaced when the node is rebuilt. */
  gcRootFor(nodeKey: string): string {
    let root = this.rootNames.get(nodeKey);
    if (root === undefined) {
      const kind = nodeKey.startsWith('link:') ? 'link' : 'obj';
      this.rootNames.set(nodeKey, (root = path.join(this.rootsDir, `${kind}-${sha256(nodeKey).slice(0, 24)}`)));
    }
    return root;
  }

  /** The GC root of a node's derivation (kept so that a pinned link or a generator can name it as an input later, and for --check). */
  drvRootFor(nodeKey: string): string {
    return `${this.gcRootFor(nodeKey)}-drv`;
  }

  /** The GC root of the builder helper's output. */
  get builderRoot(): string {
    return path.join(this.rootsDir, 'builder');
  }

  /** The GC root of the builder helper's derivation, which every object's derivation names. */
  get builderDrvRoot(): string {
    return `${this.builderRoot}-drv`;
  }

  /** Result links to point once the build's nodes are done (target → output; `announce`: say it with an event). */
  private readonly queuedLinks = new Map<string, { readonly out: string; readonly announce: boolean }>();

  /**
   * Points `result-<target>` at `out` when the build's nodes are done
   * (writeResultLinks), not now: the project root, where the links live, is
   * often a folder the include search probes, and the no-op stamp records
   * it as it was before nixmake changed it (see build.ts).
   */
  queueResultLink(target: string, out: string, announce: boolean): void {
    const before = this.queuedLinks.get(target);
    this.queuedLinks.set(target, { out, announce: announce || before?.announce === true });
  }

  /** Whether pointing the queued result links changes the project root (a link made or repointed). */
  get resultLinksMove(): boolean {
    for (const [target, { out }] of this.queuedLinks) if (this.readLink(this.resultLink(target)) !== out) return true;
    return false;
  }

  /** Points every queued result link; answers those to announce. */
  writeResultLinks(): { readonly target: string; readonly path: string; readonly out: string }[] {
    const said: { target: string; path: string; out: string }[] = [];
    for (const [target, { out, announce }] of this.queuedLinks) {
      this.queuedLinks.delete(target);
      const link = this.resultLink(target);
      this.setLink(link, out);
      if (announce) said.push({ target, path: link, out });
    }
    return said;
  }

  resultLink(target: string): string {
    return path.join(this.root, `result-${target}`);
  }

  readLink(p: string): string | undefined {
    return readLink(p);
  }

  /**
   * Points `link` at `target`, atomically. Only a symlink (or nothing) is
   * replaced: anything else at `link` is an EnvironmentError.
   */
  setLink(link: string, target: string): void {
    if (this.readLink(link) === target) return;
    try {
      const st = fs.lstatSync(link);
      if (!st.isSymbolicLink()) {
        throw new EnvironmentError(link, `${link} is ${kindOf(st)}, not a link nixmake made: nixmake never replaces it; move or delete it, and build again to get the link`);
      }
    } catch (err) {
      if (err instanceof EnvironmentError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw errnoFault(err, link) ?? err;
    }
    replaceSymlink(target, link);
  }

  /** Removes GC roots whose node is not in `keep` (a node that left the graph). */
  pruneRoots(keep: ReadonlySet<string>): number {
    let removed = 0;
    const wanted = new Set([...keep].flatMap((k) => [path.basename(this.gcRootFor(k)), path.basename(this.drvRootFor(k))]));
    wanted.add(path.basename(this.builderRoot));
    wanted.add(path.basename(this.builderDrvRoot));
    let names: string[];
    try {
      names = fs.readdirSync(this.rootsDir);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (!wanted.has(name)) {
        fs.rmSync(path.join(this.rootsDir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** `result-*` links in the project root that point into the Nix store. */
  resultLinks(): string[] {
    return fs
      .readdirSync(this.root)
      .filter((n) => n.startsWith('result-'))
      .map((n) => path.join(this.root, n))
      .filter((p) => (this.readLink(p) ?? '').startsWith('/nix/store/'));
  }
}
