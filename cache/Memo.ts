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
 * what it must be validated against), `durations` (how long each node's last
 * build took, for progress estimates; added to older memos of this schema
 * version when they are opened) and `meta` (schema version, toolchain probe).
 *
 * A node is recorded only after Nix has built it, in one transaction, so a
 * crash never leaves a row that points at nothing. This module stores and
 * loads; it does not decide what is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { EnvironmentError, sqliteFault, userName } from '../core/EnvironmentError.js';
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
  /** One file's record (loadFiles for a run that asks for a few). */
  getFile(path: string): FileRecord | undefined;
  saveFiles(records: ReadonlyMap<string, FileRecord | null>): void;
  getScan(key: string): string | undefined;
  putScans(entries: ReadonlyMap<string, string>): void;
  getNode(fp: Fingerprint): NodeRecord | undefined;
  /** A TU's stored closure: JSON (see ClosureCache), by object node key. */
  getClosure(node: string): string | undefined;
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

/** The memo file is not one this nixmake can use (corrupt, not a database, another schema): set it aside. */
export class MemoUnusableError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`the memo ${file} cannot be used: ${reason}`);
    this.name = 'MemoUnusableError';
  }
}

function prepareAll(db: Database.Database) {
  return {
    loadFiles: db.prepare('SELECT path, mtime_ms, ctime_ms, size, ino, hash FROM files'),
    getFile: db.prepare('SELECT mtime_ms, ctime_ms, size, ino, hash FROM files WHERE path = ?'),
    putFile: db.prepare('INSERT OR REPLACE INTO files (path, mtime_ms, ctime_ms, size, ino, hash) VALUES (?, ?, ?, ?, ?, ?)'),
    delFile: db.prepare('DELETE FROM files WHERE path = ?'),
    getScan: db.prepare('SELECT result FROM scans WHERE key = ?').pluck(),
    putScan: db.prepare('INSERT OR REPLACE INTO scans (key, result) VALUES (?, ?)'),
    getNode: db.prepare('SELECT drv, out, drv_hash AS drvHash, nar_hash AS narHash FROM nodes WHERE fingerprint = ?'),
    putNode: db.prepare('INSERT OR REPLACE INTO nodes (fingerprint, drv, out, drv_hash, nar_hash, built_at) VALUES (?, ?, ?, ?, ?, ?)'),
    getCurrentFingerprint: db.prepare('SELECT fingerprint FROM current WHERE node = ?').pluck(),
    getCurrentInputs: db.prepare('SELECT inputs FROM current WHERE node = ?').pluck(),
    currentNodes: db.prepare('SELECT current.node AS node, current.fingerprint AS fingerprint, nodes.drv AS drv, nodes.out AS out, nodes.drv_hash AS drvHash, nodes.nar_hash AS narHash FROM current JOIN nodes ON nodes.fingerprint = current.fingerprint ORDER BY current.node'),
    putCurrent: db.prepare('INSERT OR REPLACE INTO current (node, fingerprint, inputs) VALUES (?, ?, ?)'),
    getClosure: db.prepare('SELECT value FROM closures WHERE node = ?').pluck(),
    putClosure: db.prepare('INSERT OR REPLACE INTO closures (node, value) VALUES (?, ?)'),
    loadDurations: db.prepare('SELECT node, seconds FROM durations'),
    putDuration: db.prepare('INSERT OR REPLACE INTO durations (node, seconds) VALUES (?, ?)'),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    putMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };
}

/** Throws the fault an error from SQLite stands for: EnvironmentError, MemoUnusableError, or the error itself. */
function rethrow(err: unknown, file: string): never {
  const f = sqliteFault(err, file);
  if (f === 'unusable') throw new MemoUnusableError(file, (err as Error).message);
  throw f ?? err;
}

/** Errors that mean the memo cannot be written by this user, checked before SQLite opens it read-only without a word. */
function checkWritable(file: string): void {
  for (const p of [path.dirname(file), file]) {
    try {
      fs.accessSync(p, fs.constants.W_OK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new EnvironmentError(
        p,
        `${p} is not writable for user ${userName()} (${(err as NodeJS.ErrnoException).code}); nixmake must write its memo there: ` +
          `fix its permissions (chmod u+w, chown), or delete ${path.dirname(file)} (a cache; nixmake clean does it)`,
      );
    }
  }
}

const DURATIONS_TABLE = 'CREATE TABLE IF NOT EXISTS durations (node TEXT PRIMARY KEY, seconds REAL NOT NULL)';

/** How long nodes took to build, by node key (seconds of the daemon's build). */
export interface DurationStore {
  loadDurations(): Map<string, number>;
  recordDuration(nodeKey: string, seconds: number): void;
}

export class SqliteMemo implements MemoStore, DurationStore {
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<typeof prepareAll>;

  /**
   * Opens (creating if needed) the memo. Throws MemoUnusableError for a
   * corrupt or foreign file or another schema version (the caller sets it
   * aside), EnvironmentError for one this user cannot write or another
   * program holds.
   */
  constructor(
    private readonly file: string,
    options: { timeoutMs?: number } = {},
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    checkWritable(file);
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { timeout: options.timeoutMs ?? 5000 });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION) {
        // An older or newer layout is a cache of another nixmake: set it aside rather than convert it.
        if (version !== 0) throw new MemoUnusableError(file, `it has schema version ${version}, this nixmake uses ${SCHEMA_VERSION}`);
        SqliteMemo.create(db);
      }
      // Not part of what a memo must hold to be trusted: a memo of this version without it gains it.
      db.exec(DURATIONS_TABLE);
      this.stmts = prepareAll(db);
      this.stmts.getMeta.get('probe');
      this.db = db;
    } catch (err) {
      db?.close();
      if (err instanceof MemoUnusableError) throw err;
      rethrow(err, file);
    }
  }

  private static create(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, mtime_ms REAL NOT NULL, ctime_ms REAL NOT NULL,
        size INTEGER NOT NULL, ino INTEGER NOT NULL, hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS scans (key TEXT PRIMARY KEY, result TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS nodes (fingerprint TEXT PRIMARY KEY, drv TEXT NOT NULL, out TEXT NOT NULL, drv_hash TEXT NOT NULL,
        nar_hash TEXT NOT NULL, built_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS current (node TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, inputs TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS closures (node TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  /** Runs `f`, turning SQLite's errors into the faults they stand for (a full disk, a lock, a corrupt page). */
  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      rethrow(err, this.file);
    }
  }

  /**
   * Takes and releases the write lock, so that a memo another program holds
   * or this user cannot write is reported before anything is built, not
   * after Nix has built the first node.
   */
  checkWritable(): void {
    this.guard(() => {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('COMMIT');
    });
  }

  loadFiles(): Map<string, FileRecord> {
    return this.guard(() => {
      const out = new Map<string, FileRecord>();
      for (const r of this.stmts.loadFiles.all() as { path: string; mtime_ms: number; ctime_ms: number; size: number; ino: number; hash: string }[]) {
        out.set(r.path, { mtimeMs: r.mtime_ms, ctimeMs: r.ctime_ms, size: r.size, ino: r.ino, hash: r.hash as ContentHash });
      }
      return out;
    });
  }

  getFile(path: string): FileRecord | undefined {
    return this.guard(() => {
      const r = this.stmts.getFile.get(path) as { mtime_ms: number; ctime_ms: number; size: number; ino: number; hash: string } | undefined;
      return r === undefined ? undefined : { mtimeMs: r.mtime_ms, ctimeMs: r.ctime_ms, size: r.size, ino: r.ino, hash: r.hash as ContentHash };
    });
  }

  saveFiles(records: ReadonlyMap<string, FileRecord | null>): void {
    this.guard(() => {
      if (records.size === 0) return;
      this.db.transaction(() => {
        for (const [p, r] of records) {
          if (r === null) this.stmts.delFile.run(p);
          else this.stmts.putFile.run(p, r.mtimeMs, r.ctimeMs, r.size, r.ino, r.hash);
        }
      })();
    });
  }

  getScan(key: string): string | undefined {
    return this.guard(() => {
      return this.stmts.getScan.get(key) as string | undefined;
    });
  }

  putScans(entries: ReadonlyMap<string, string>): void {
    this.guard(() => {
      if (entries.size === 0) return;
      this.db.transaction(() => {
        for (const [k, v] of entries) this.stmts.putScan.run(k, v);
      })();
    });
  }

  getNode(fp: Fingerprint): NodeRecord | undefined {
    return this.guard(() => {
      return this.stmts.getNode.get(fp) as NodeRecord | undefined;
    });
  }

  getClosure(node: string): string | undefined {
    return this.guard(() => this.stmts.getClosure.get(node) as string | undefined);
  }

  putClosures(entries: ReadonlyMap<string, string>): void {
    this.guard(() => {
      if (entries.size === 0) return;
      this.db.transaction(() => {
        for (const [k, v] of entries) this.stmts.putClosure.run(k, v);
      })();
    });
  }

  recordBuilt(nodeKey: string, fp: Fingerprint, rec: NodeRecord, inputs: string, aliases: readonly Fingerprint[] = []): void {
    this.guard(() => {
      this.db.transaction(() => {
        for (const key of [fp, ...aliases]) this.stmts.putNode.run(key, rec.drv, rec.out, rec.drvHash, rec.narHash, Date.now());
        this.stmts.putCurrent.run(nodeKey, fp, inputs);
      })();
    });
  }

  /**
   * The node's current record. Its `inputs` (an object's per-header tables,
   * kilobytes) are read only when asked for: a plan needs them only for the
   * nodes it rebuilds, to say why, and a no-op asks for none.
   */
  getCurrent(nodeKey: string): CurrentRecord | undefined {
    const fingerprint = this.guard(() => this.stmts.getCurrentFingerprint.get(nodeKey) as string | undefined);
    if (fingerprint === undefined) return undefined;
    const read = (): string => this.guard(() => (this.stmts.getCurrentInputs.get(nodeKey) as string | undefined) ?? '{}');
    let inputs: string | undefined;
    return {
      fingerprint: fingerprint as Fingerprint,
      get inputs(): string {
        return (inputs ??= read());
      },
    };
  }

  /** Every node's current record (what its last build gave) and the fingerprint it is current for, by node key. */
  currentNodes(): Map<string, NodeRecord & { readonly fingerprint: Fingerprint }> {
    return this.guard(() => new Map((this.stmts.currentNodes.all() as (NodeRecord & { node: string; fingerprint: Fingerprint })[]).map(({ node, ...rec }) => [node, rec])));
  }

  loadDurations(): Map<string, number> {
    return this.guard(() => new Map((this.stmts.loadDurations.all() as { node: string; seconds: number }[]).map((r) => [r.node, r.seconds])));
  }

  recordDuration(nodeKey: string, seconds: number): void {
    this.guard(() => {
      this.stmts.putDuration.run(nodeKey, seconds);
    });
  }

  getMeta(key: string): string | undefined {
    return this.guard(() => {
      return this.stmts.getMeta.get(key) as string | undefined;
    });
  }

  setMeta(key: string, value: string): void {
    this.guard(() => {
      this.stmts.putMeta.run(key, value);
    });
  }

  close(): void {
    this.db.close();
  }
}
