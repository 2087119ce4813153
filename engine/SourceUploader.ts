/**
 * SourceUploader: puts project files into the store, each read once.
 *
 * The bytes hashed are the bytes stored: a file is read, its sha256 is
 * compared with the hash the node's fingerprint was computed from, and the
 * same bytes are serialised (NAR) and sent to the daemon. A file edited
 * after analysis therefore fails the nodes that read it ("changed during the
 * build") instead of giving an object built from other bytes than the memo
 * records. The store path is the one `builtins.path { name = "nixmake-input"; }`
 * gives, so one content is one store path, shared by every object.
 *
 * It does not decide which files a node needs (the graph does), and it
 * does not build anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { contentHash } from '../cache/hashes.js';
import { narOfFile, narSha256Hex } from '../store/nar.js';
import type { NarToAdd, NixStore } from '../store/NixStore.js';
import { makeSourcePath } from '../store/storePath.js';
import { realpathOrSelf } from '../core/realPath.js';

export const INPUT_NAME = 'nixmake-input';

/** A project path that resolves (through symlinks) outside the project: it is never copied into the store unless allowed. */
export class OutsideProjectError extends Error {
  constructor(
    readonly rel: string,
    readonly target: string,
  ) {
    super(
      `${rel} links to ${target}, outside the project: nixmake does not copy files from outside the project into the store; ` +
        `list its folder in "externalDirs" in nixmake.json to allow it`,
    );
    this.name = 'OutsideProjectError';
  }
}

/** A file's bytes differ from what the plan was made from: the build must be run again. */
export class FileChangedError extends Error {
  constructor(readonly rel: string) {
    super(`${rel} changed while nixmake was building; run the build again`);
    this.name = 'FileChangedError';
  }
}

export class SourceUploader {
  private readonly paths = new Map<string, Promise<string>>();
  /** Bytes sent to the daemon (files that were not in the store yet are counted once each). */
  bytes = 0;
  files = 0;

  private readonly realRoot: string;
  private readonly realExternalDirs: readonly string[];

  constructor(
    private readonly root: string,
    private readonly store: NixStore,
    /** The content hash the plan used for a project-relative path. */
    private readonly expectedHash: (rel: string) => string | undefined,
    /** Absolute folders outside the project whose files may enter the store (the config's `externalDirs`). */
    externalDirs: readonly string[] = [],
  ) {
    this.realRoot = realpathOrSelf(root);
    this.realExternalDirs = externalDirs.map(realpathOrSelf);
  }

  /**
   * The store paths of project files, in order: those not asked for before
   * are read and checked here, then added in one batch (one temporary-root
   * and one validity round trip for all of them, not two per file).
   */
  pathsOf(rels: readonly string[]): Promise<string[]> {
    const batch: NarToAdd[] = [];
    const fresh = new Map<string, string | Error>();
    for (const rel of rels) {
      if (this.paths.has(rel) || fresh.has(rel)) continue;
      try {
        const nar = this.read(rel);
        const storePath = makeSourcePath(INPUT_NAME, narSha256Hex(nar));
        batch.push({ name: INPUT_NAME, nar, path: storePath });
        fresh.set(rel, storePath);
      } catch (err) {
        fresh.set(rel, err as Error);
      }
    }
    if (fresh.size > 0) {
      // One batch for them all; each file then waits for its own part (one the daemon refuses fails only its nodes).
      if (batch.length > 0) this.store.addNars(batch).catch(() => undefined);
      const narOf = new Map(batch.map((b) => [b.path, b.nar]));
      for (const [rel, p] of fresh) {
        const entry = p instanceof Error ? Promise.reject(p) : this.store.addNar(INPUT_NAME, narOf.get(p) as Uint8Array, p).then(() => p);
        entry.catch(() => undefined); // awaited by whoever asks; not an unhandled rejection meanwhile
        this.paths.set(rel, entry);
      }
    }
    return Promise.all(rels.map((r) => this.paths.get(r) as Promise<string>));
  }

  /** A file's NAR, checked against the hash the plan used. */
  private read(rel: string): Uint8Array {
    const abs = path.join(this.root, rel);
    // Decide on the file a symlink leads to, before reading it.
    const real = realpathOrSelf(abs);
    if (!inside(real, this.realRoot) && !this.realExternalDirs.some((d) => inside(real, d))) throw new OutsideProjectError(rel, real);
    let bytes: Buffer;
    let executable: boolean;
    try {
      const fd = fs.openSync(abs, 'r');
      try {
        executable = (fs.fstatSync(fd).mode & 0o100) !== 0;
        bytes = fs.readFileSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      throw new FileChangedError(rel);
    }
    if (contentHash(bytes) !== this.expectedHash(rel)) throw new FileChangedError(rel);
    this.files++;
    this.bytes += bytes.length;
    return narOfFile(bytes, executable);
  }
}


function inside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}
