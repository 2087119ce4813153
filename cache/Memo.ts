/**
 * Memo: the SQLite database under `.nixmake/memo.sqlite` that makes a no-op
 * build cheap. Three tables hold what the issue calls the memo:
 *
 * - `files`: path, mtime, size, inode, ctime → content hash (the stat cache);
 * - `scans`: content hash → include directives (the scan cache);
 * - `nodes`: fingerprint → derivation path and output path (the node memo);
 *
 * plus `current` (each node's last built fingerprint and the inputs that made
 * it, for rebuild reasons), `closures` (each TU's last include closure, with
 * what it must be validated against) and `meta` (schema version, toolchain
 * probe).
 *
 * A node is recorded only after Nix has built it, in one transaction, so a
 * crash never leaves a row that points at nothing. This module stores and
 * loads; it does not decide what is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ContentHash, Fingerprint } from './hashes.js';

export const SCHEMA_VERSION = 3;

export interface FileStat {
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly size: number;
  readonly ino: number;
}

export interface FileRecord extends FileStat {
  readonly hash: ContentHash;
}

export interface NodeRecord {
  readonly drv: string;
  readonly out: string;
  /** hashDerivationModulo of `drv` (hex): what a derivation that uses this node's output hashes in. */
  readonly drvHash: string;
  /** sha256 of `out`'s NAR (hex): what early cutoff compares. */
  readonly narHash: string;
}

export interface CurrentRecord {
  readonly fingerprint: Fingerprint;
  /** The fingerprint's inputs as canonical JSON, to explain the next rebuild. */
  readonly inputs: string;
}

/** What the engine needs from the memo; `MemoryMemo` in tests implements it too. */
export interface MemoStore {
  loadFiles(): Map<string, FileRecord>;
  saveFiles(records: ReadonlyMap<string, FileRecord | null>): void;
  getScan(key: string): string | undefined;
  putScans(entries: ReadonlyMap<string, string>): void;
  getNode(fp: Fingerprint): NodeRecord | undefined;
  /** Every TU's stored closure: object node key → JSON (see ClosureCache). */
  loadClosures(): Map<string, string>;
  putClosures(entries: ReadonlyMap<string, string>): void;
  /**
   * Records a built node and makes it the current one for `nodeKey`,
   * atomically; `aliases` are further keys for the same record (a link's
   * result key).
   */
  recordBuilt(nodeKey: string, fp: Fingerprint, rec: NodeRecord, inputs: string, aliases?: readonly Fingerprint[]): void;
  getCurrent(nodeKey: string): CurrentRecord | undefined;
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  close(): void;
}

export class SqliteMemo implements MemoStore {
  private readonly db: Database.Database;
  private readonly stmts;

  /** Opens (creating if needed) the memo; throws on a corrupt or foreign file. */
  constructor(file: string, options: { timeoutMs?: number } = {}) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: options.timeoutMs ?? 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version !== SCHEMA_VERSION) this.migrate(version);
    this.stmts = {
      loadFiles: this.db.prepare('SELECT path, mtime_ms, ctime_ms, size, ino, hash FROM files'),
      putFile: this.db.prepare('INSERT OR REPLACE INTO files (path, mtime_ms, ctime_ms, size, ino, hash) VALUES (?, ?, ?, ?, ?, ?)'),
      delFile: this.db.prepare('DELETE FROM files WHERE path = ?'),
      getScan: this.db.prepare('SELECT result FROM scans WHERE key = ?').pluck(),
      putScan: this.db.prepare('INSERT OR REPLACE INTO scans (key, result) VALUES (?, ?)'),
      getNode: this.db.prepare('SELECT drv, out, drv_hash AS drvHash, nar_hash AS narHash FROM nodes WHERE fingerprint = ?'),
      putNode: this.db.prepare('INSERT OR REPLACE INTO nodes (fingerprint, drv, out, drv_hash, nar_hash, built_at) VALUES (?, ?, ?, ?, ?, ?)'),
      getCurrent: this.db.prepare('SELECT fingerprint, inputs FROM current WHERE node = ?'),
      putCurrent: this.db.prepare('INSERT OR REPLACE INTO current (node, fingerprint, inputs) VALUES (?, ?, ?)'),
      loadClosures: this.db.prepare('SELECT node, value FROM closures'),
      putClosure: this.db.prepare('INSERT OR REPLACE INTO closures (node, value) VALUES (?, ?)'),
      getMeta: this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      putMeta: this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    };
  }

  private migrate(from: number): void {
    if (from !== 0) {
      // Older layouts are a cache: drop them rather than convert.
      for (const t of ['files', 'scans', 'nodes', 'current', 'closures', 'meta']) this.db.exec(`DROP TABLE IF EXISTS ${t}`);
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, mtime_ms REAL NOT NULL, ctime_ms REAL NOT NULL,
        size INTEGER NOT NULL, ino INTEGER NOT NULL, hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS scans (key TEXT PRIMARY KEY, result TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS nodes (fingerprint TEXT PRIMARY KEY, drv TEXT NOT NULL, out TEXT NOT NULL, drv_hash TEXT NOT NULL,
        nar_hash TEXT NOT NULL, built_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS current (node TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, inputs TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS closures (node TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  loadFiles(): Map<string, FileRecord> {
    const out = new Map<string, FileRecord>();
    for (const r of this.stmts.loadFiles.all() as { path: string; mtime_ms: number; ctime_ms: number; size: number; ino: number; hash: string }[]) {
      out.set(r.path, { mtimeMs: r.mtime_ms, ctimeMs: r.ctime_ms, size: r.size, ino: r.ino, hash: r.hash as ContentHash });
    }
    return out;
  }

  saveFiles(records: ReadonlyMap<string, FileRecord | null>): void {
    if (records.size === 0) return;
    this.db.transaction(() => {
      for (const [p, r] of records) {
        if (r === null) this.stmts.delFile.run(p);
        else this.stmts.putFile.run(p, r.mtimeMs, r.ctimeMs, r.size, r.ino, r.hash);
      }
    })();
  }

  getScan(key: string): string | undefined {
    return this.stmts.getScan.get(key) as string | undefined;
  }

  putScans(entries: ReadonlyMap<string, string>): void {
    if (entries.size === 0) return;
    this.db.transaction(() => {
      for (const [k, v] of entries) this.stmts.putScan.run(k, v);
    })();
  }

  getNode(fp: Fingerprint): NodeRecord | undefined {
    return this.stmts.getNode.get(fp) as NodeRecord | undefined;
  }

  loadClosures(): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of this.stmts.loadClosures.all() as { node: string; value: string }[]) out.set(r.node, r.value);
    return out;
  }

  putClosures(entries: ReadonlyMap<string, string>): void {
    if (entries.size === 0) return;
    this.db.transaction(() => {
      for (const [k, v] of entries) this.stmts.putClosure.run(k, v);
    })();
  }

  recordBuilt(nodeKey: string, fp: Fingerprint, rec: NodeRecord, inputs: string, aliases: readonly Fingerprint[] = []): void {
    this.db.transaction(() => {
      for (const key of [fp, ...aliases]) this.stmts.putNode.run(key, rec.drv, rec.out, rec.drvHash, rec.narHash, Date.now());
      this.stmts.putCurrent.run(nodeKey, fp, inputs);
    })();
  }

  getCurrent(nodeKey: string): CurrentRecord | undefined {
    const r = this.stmts.getCurrent.get(nodeKey) as { fingerprint: string; inputs: string } | undefined;
    return r ? { fingerprint: r.fingerprint as Fingerprint, inputs: r.inputs } : undefined;
  }

  getMeta(key: string): string | undefined {
    return this.stmts.getMeta.get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.stmts.putMeta.run(key, value);
  }

  close(): void {
    this.db.close();
  }
}
