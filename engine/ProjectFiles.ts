/**
 * ProjectFiles: where nixmake keeps its own state inside a project, and
 * the two kinds of links it maintains there: GC roots (one per current
 * node, under .nixmake/gcroots) and `result-<target>` links.
 *
 * Links are replaced atomically (a new link renamed over the old), so a
 * crash leaves either the old link or the new one. This module does not
 * talk to Nix; registering a root with the daemon is the store's job.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../cache/hashes.js';

export class ProjectFiles {
  readonly stateDir: string;
  readonly rootsDir: string;
  readonly memoFile: string;
  readonly tmpDir: string;

  constructor(readonly root: string) {
    this.stateDir = path.join(root, '.nixmake');
    this.rootsDir = path.join(this.stateDir, 'gcroots');
    this.memoFile = path.join(this.stateDir, 'memo.sqlite');
    this.tmpDir = path.join(this.stateDir, 'tmp');
  }

  /** The GC root link of a node: one per node key, replaced when the node is rebuilt. */
  gcRootFor(nodeKey: string): string {
    const kind = nodeKey.startsWith('link:') ? 'link' : 'obj';
    return path.join(this.rootsDir, `${kind}-${sha256(nodeKey).slice(0, 24)}`);
  }

  /** The GC root of a node's derivation (kept so that links can name it as an input later). */
  drvRootFor(nodeKey: string): string {
    return `${this.gcRootFor(nodeKey)}-drv`;
  }

  /** The GC root of the builder helper's output. */
  get builderRoot(): string {
    return path.join(this.rootsDir, 'builder');
  }

  resultLink(target: string): string {
    return path.join(this.root, `result-${target}`);
  }

  readLink(p: string): string | undefined {
    try {
      return fs.readlinkSync(p);
    } catch {
      return undefined;
    }
  }

  /** Points `link` at `target`, atomically. */
  setLink(link: string, target: string): void {
    if (this.readLink(link) === target) return;
    const tmp = `${link}.tmp-${process.pid}`;
    fs.rmSync(tmp, { force: true });
    fs.symlinkSync(target, tmp);
    fs.renameSync(tmp, link);
  }

  /** Removes GC roots whose node is not in `keep` (a node that left the graph). */
  pruneRoots(keep: ReadonlySet<string>): number {
    let removed = 0;
    const wanted = new Set([...keep].flatMap((k) => [path.basename(this.gcRootFor(k)), path.basename(this.drvRootFor(k))]));
    wanted.add(path.basename(this.builderRoot));
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
