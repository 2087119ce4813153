/**
 * Baseline: what the last silent, successful build verified, handed to the
 * next build when some file changed since (an edit), so that what that
 * build repeats for the nodes the change does not touch costs set lookups
 * rather than hashing every closure again and a stat of every store path.
 *
 * It is the no-op stamp (noopStamp) read again, before the build deletes
 * it, plus `.nixmake/baseline.json`, written with the stamp and named by
 * its nonce: the closure digest each object's fingerprint was made from,
 * and every node's fingerprint and record (output, derivation), all up to
 * date and GC-rooted then. From them it answers:
 *
 * - whether a file the stamp records changed (mtime, ctime, size or
 *   inode; a file that changed during that build or just before it never
 *   matches (see noopStamp), so an unchanged one has the content that build
 *   hashed). Every file of a closure that build used is recorded, so for
 *   those "not changed" is "as it was"; a project with generators gets no
 *   baseline, because its closures name generated files by their project
 *   paths while the stamp records the files in the store;
 * - the digest an object's closure had (ClosureCache reuses a stored
 *   closure with that digest without hashing it again when none of its
 *   files changed: the digest covers exactly those files' paths and
 *   contents);
 * - whether a store path was a node's output then and is still kept by
 *   the project's GC roots (their folder's mtime unchanged: no root was
 *   added, removed or repointed; the no-op stamp trusts the same).
 *
 * The memo carries the same nonce (meta `baseline`), so a memo set aside,
 * replaced or restored since is not vouched for. Anything missing, another
 * stamp's baseline, or a file that cannot be read means no baseline: the build then checks everything, as before. It does
 * not decide what to rebuild.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TrustedClosures, VouchedClosure } from '../analyzers/ClosureCache.js';
import type { ClosureNote, TuClosure } from '../analyzers/includeClosure.js';
import type { Fingerprint } from '../cache/hashes.js';
import type { NodeRecord } from '../cache/Memo.js';
import { writeAtomically } from '../core/writeAtomically.js';
import { BASELINE_FILE, changesSinceStamp, lookAgain, stampKey } from './noopStamp.js';
import type { StampChanges } from './noopStamp.js';

/** The memo's meta key holding the nonce of the baseline written with it: another memo (set aside, replaced) has none. */
export const BASELINE_META = 'baseline';

/** What build writes beside the stamp. */
export interface BaselineRecord {
  readonly nonce: string;
  /** Object key → the closure digest its fingerprint was made from. */
  readonly digests: Readonly<Record<string, string>>;
  /** Node key → the fingerprint it was up to date for, and its record: drv, out, drvHash, narHash. */
  readonly nodes: Readonly<Record<string, readonly [fingerprint: string, drv: string, out: string, drvHash: string, narHash: string]>>;
  /** The toolchain, templates and platform the fingerprints were made with (buildRound's contextId). */
  readonly context: string;
  /** The files an object's settings come from beyond its closure (nixmake.json, the compile database). */
  readonly settingsFiles: readonly string[];
  /** The objects' closures (those with no notes), so the next build need not read them from the memo. */
  readonly closures?: BaselineClosures;
}

/**
 * Closures, each path once: `paths` holds project-relative files and
 * absolute system headers and folders; an object's entry is
 * [its key's index in `keys`, its TU's index, its system list's index in
 * `systems`, its header count, the headers' indices, its probed folders'
 * indices].
 */
export interface BaselineClosures {
  readonly paths: readonly string[];
  readonly keys: readonly string[];
  readonly systems: readonly (readonly number[])[];
  readonly objects: Readonly<Record<string, readonly number[]>>;
  /** The closures' notes (a header not found inside a conditional, …), each once, and each object's as indices. */
  readonly notes?: readonly ClosureNote[];
  readonly objectNotes?: Readonly<Record<string, readonly number[]>>;
}

export class Baseline implements TrustedClosures {
  /** The stamp's changed files under the root, relative: a handful after an edit, so each lookup is cheap. */
  private readonly changedRels = new Set<string>();
  /** The recorded outputs and derivations, while the GC roots folder is unchanged (else none). */
  private readonly storePaths: ReadonlySet<string>;
  private readonly settingsUnchanged: boolean;
  /** The project root with a trailing slash. */
  private readonly prefix: string;
  /** The GC roots folder is unchanged since the stamp: every root in it was made and registered by the builds before. */
  readonly rootsKept: boolean;

  constructor(
    root: string,
    /** What changed since the stamp, and the stats of what did not (the next stamp takes those as they are). */
    readonly changes: StampChanges,
    private readonly record: BaselineRecord,
    /** The project's GC roots folder unchanged: the recorded store paths are still kept. */
    rootsKept: boolean,
  ) {
    const prefix = root.endsWith('/') ? root : `${root}/`;
    this.prefix = prefix;
    for (const abs of changes.changed) if (abs.startsWith(prefix)) this.changedRels.add(abs.slice(prefix.length));
    this.rootsKept = rootsKept;
    this.storePaths = new Set(rootsKept ? Object.keys(record.nodes).flatMap((k) => this.nodeEntry(k)?.slice(1, 3) ?? []) : []);
    // The settings files were stamped with the baseline, so "not changed" is "as they were".
    this.settingsUnchanged = record.settingsFiles.every((f) => !changes.changed.has(f));
  }

  /** Per path of the recorded closures: 1 when it changed since (a file, or a probed folder). */
  private changedPaths: Uint8Array | undefined;
  private absPaths: string[] | undefined;
  /** Per recorded system list: the shared array, and whether any of its files changed (undefined: not known yet). */
  private readonly systemLists = new Map<number, { readonly files: readonly string[]; readonly changed: boolean }>();
  /** The entry each closure made here came from: reused as is by the next baseline (closureTable). */
  private readonly entries = new WeakMap<TuClosure, readonly number[]>();
  private readonly noteEntries = new WeakMap<TuClosure, readonly number[]>();

  closureOf(objectKey: string, cacheKey: string): VouchedClosure | undefined {
    const t = this.record.closures;
    const e: unknown = t === undefined || !Object.hasOwn(t.objects, objectKey) ? undefined : t.objects[objectKey];
    const digest = this.record.digests[objectKey];
    // An entry that does not fit the tables (a file not written by nixmake: not whole numbers, out of range) vouches for nothing.
    if (t === undefined || typeof digest !== 'string' || !isIndexList(e) || e.length < 4 || e.length < 4 + (e[3] as number) || t.keys[e[0] as number] !== cacheKey) return undefined;
    const changed = (this.changedPaths ??= this.markChanged(t));
    const abs = (this.absPaths ??= t.paths.map((p) => (p.startsWith('/') ? p : `${this.prefix}${p}`)));
    if (!pathIndices(e).every((at) => at < changed.length && changed[at] === 0)) return undefined;
    const system = this.systemList(t, e[2] as number, changed);
    if (system === undefined || system.changed) return undefined;
    const n = e[3] as number;
    const headers: string[] = new Array<string>(n);
    const files: string[] = new Array<string>(n + 1);
    files[0] = abs[e[1] as number] as string;
    for (let k = 0; k < n; k++) {
      const i = e[4 + k] as number;
      headers[k] = t.paths[i] as string;
      files[k + 1] = abs[i] as string;
    }
    const probedDirs: string[] = [];
    for (let k = 4 + n; k < e.length; k++) probedDirs.push(t.paths[e[k] as number] as string);
    const noteIndices: unknown = t.objectNotes !== undefined && Object.hasOwn(t.objectNotes, objectKey) ? t.objectNotes[objectKey] : [];
    const allNotes = t.notes ?? [];
    if (!isIndexList(noteIndices) || !noteIndices.every((i) => i < allNotes.length)) return undefined;
    const notes = noteIndices.map((i) => allNotes[i] as ClosureNote);
    const closure: TuClosure = { tu: t.paths[e[1] as number] as string, headers, system: system.files, notes, unresolvedComputed: false, probedDirs };
    this.entries.set(closure, e);
    if (noteIndices.length > 0) this.noteEntries.set(closure, noteIndices);
    return { closure, digest, files: files.concat(system.files) };
  }

  /** The entry a closure of closureOf came from (undefined for any other closure), and its notes' indices. */
  entryOf(c: TuClosure): { readonly entry: readonly number[]; readonly notes: readonly number[] } | undefined {
    const entry = this.entries.get(c);
    return entry === undefined ? undefined : { entry, notes: this.noteEntries.get(c) ?? [] };
  }

  /** The recorded closures' tables, which the next baseline extends. */
  get closureTables(): BaselineClosures | undefined {
    return this.record.closures;
  }

  private markChanged(t: BaselineClosures): Uint8Array {
    const changed = new Uint8Array(t.paths.length);
    t.paths.forEach((p, i) => {
      if (p.startsWith('/') ? this.changes.changed.has(p) || this.changes.changedDirs.has(p) : this.changedRels.has(p)) changed[i] = 1;
    });
    return changed;
  }

  private systemList(t: BaselineClosures, index: number, changed: Uint8Array): { readonly files: readonly string[]; readonly changed: boolean } | undefined {
    let s = this.systemLists.get(index);
    if (s === undefined) {
      const list = t.systems[index];
      if (list === undefined) return undefined;
      s = { files: list.map((i) => t.paths[i] as string), changed: list.some((i) => changed[i] === 1) };
      this.systemLists.set(index, s);
    }
    return s;
  }

  get changedCount(): number {
    return this.changes.changed.size;
  }

  checkedStat(abs: string): readonly [mtimeMs: number, ctimeMs: number, size: number, ino: number] | undefined {
    return this.changes.unchangedFile(abs);
  }

  changedRel(rel: string): boolean {
    return this.changedRels.has(rel);
  }

  changedAbs(abs: string): boolean {
    return this.changes.changed.has(abs);
  }

  /** Names this baseline, its stamp and the memo it was written with. */
  get nonce(): string {
    return this.record.nonce;
  }

  digestOf(objectKey: string): string | undefined {
    return this.record.digests[objectKey];
  }

  /**
   * The object's fingerprint then, if it is the same now: its closure digest
   * is the same, and so is everything else its fingerprint covers: the
   * toolchain, templates and platform (`context`), and its flags, language
   * and source-date setting, which come from the settings files, unchanged.
   */
  objectFingerprint(objectKey: string, closureDigest: string, context: string): Fingerprint | undefined {
    if (!this.settingsUnchanged || context !== this.record.context || this.record.digests[objectKey] !== closureDigest) return undefined;
    return this.nodeEntry(objectKey)?.[0] as Fingerprint | undefined;
  }

  /**
   * The record a node was up to date with at the stamp, if `fp` is the
   * fingerprint it had then and the GC roots folder is unchanged: its roots
   * still name that output and derivation, and the memo still says so (any
   * build since would have deleted the stamp).
   */
  upToDate(nodeKey: string, fp: Fingerprint): NodeRecord | undefined {
    const n = this.rootsKept ? this.nodeEntry(nodeKey) : undefined;
    if (n === undefined || n[0] !== fp) return undefined;
    return { drv: n[1], out: n[2], drvHash: n[3], narHash: n[4] };
  }

  /**
   * Whether pruning to `keep` would remove nothing: the GC roots folder is
   * as the build that wrote the stamp left it, after it pruned its roots and
   * logs to its nodes (a build of the same selection, which succeeded), and
   * every one of those nodes is in `keep`. What this build added is for
   * nodes in `keep`.
   */
  prunedWithin(keep: ReadonlySet<string>): boolean {
    if (!this.rootsKept) return false;
    for (const k in this.record.nodes) if (!keep.has(k)) return false;
    return true;
  }

  /** A node's recorded fingerprint and record, if it has a well-formed one. */
  private nodeEntry(key: string): BaselineRecord['nodes'][string] | undefined {
    const n: unknown = Object.hasOwn(this.record.nodes, key) ? this.record.nodes[key] : undefined;
    return Array.isArray(n) && n.length === 5 && n.every((x) => typeof x === 'string') ? (n as unknown as BaselineRecord['nodes'][string]) : undefined;
  }

  /** A store path that was a node's output or derivation at the stamp and is still rooted. */
  kept(storePath: string): boolean {
    return this.storePaths.has(storePath);
  }
}

function baselineFile(stateDir: string): string {
  return path.join(stateDir, BASELINE_FILE);
}

/**
 * The baseline for a build of `targets` in `root` (state in `stateDir`, GC
 * roots in `rootsDir`), or undefined when there is no stamp made for that
 * selection or its baseline is not there whole.
 */
export function readBaseline(root: string, targets: readonly string[], stateDir: string, rootsDir: string, env: NodeJS.ProcessEnv = process.env): Baseline | undefined {
  const changes = changesSinceStamp(stateDir, stampKey(root, targets, env));
  if (!changes) return undefined;
  let record: BaselineRecord;
  try {
    record = JSON.parse(fs.readFileSync(baselineFile(stateDir), 'utf8')) as BaselineRecord;
  } catch {
    return undefined;
  }
  if (
    typeof record !== 'object' ||
    record === null ||
    record.nonce !== changes.nonce ||
    !isRecord(record.digests) ||
    !isRecord(record.nodes) ||
    typeof record.context !== 'string' ||
    !Array.isArray(record.settingsFiles) ||
    !record.settingsFiles.every((f) => typeof f === 'string')
  ) {
    return undefined;
  }
  if (record.closures !== undefined && !wellFormed(record.closures)) record = { ...record, closures: undefined };
  // What the build depends on before it reads any source, looked at again now that the config is read and the lock
  // held: the stamp's changes may come from the fast path, a while ago (the CLI's load, a wait for the lock).
  const now = lookAgain(changes, record.settingsFiles, [rootsDir]);
  return new Baseline(root, now, record, !now.changedDirs.has(rootsDir));
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** An entry's indices into `paths`: its TU, headers and probed folders (not its key, system list and count). */
const pathIndices = (e: readonly number[]): readonly number[] => [e[1] as number, ...e.slice(4)];

const isIndexList = (l: unknown): l is number[] => Array.isArray(l) && l.every((i) => Number.isInteger(i) && i >= 0);

/** The closure tables' shape (each object's entry is checked when it is used, see closureOf). */
function wellFormed(t: BaselineClosures): boolean {
  return (
    isRecord(t) &&
    Array.isArray(t.paths) &&
    t.paths.every((p) => typeof p === 'string') &&
    Array.isArray(t.keys) &&
    t.keys.every((k) => typeof k === 'string') &&
    Array.isArray(t.systems) &&
    t.systems.every((l) => isIndexList(l) && l.every((i) => i < t.paths.length)) &&
    isRecord(t.objects) &&
    (t.notes === undefined || (Array.isArray(t.notes) && t.notes.every(isNote))) &&
    (t.objectNotes === undefined || isRecord(t.objectNotes))
  );
}

function isNote(n: unknown): n is ClosureNote {
  if (!isRecord(n)) return false;
  return typeof n['file'] === 'string' && typeof n['kind'] === 'string' && typeof n['message'] === 'string' && typeof n['line'] === 'number' && typeof n['column'] === 'number';
}

/**
 * The closures of a build's objects as the baseline records them (all but
 * those with an unresolved computed include, which depend on every header
 * and are walked again; a stamp is not written with one anyway). It extends the tables of the baseline the build started from,
 * whose closures keep their entries as they were, unless more than half of
 * those tables is no longer used: then it starts afresh.
 */
export function closureTable(closures: ReadonlyMap<string, TuClosure>, cacheKeys: ReadonlyMap<string, string>, previous: Baseline | undefined): BaselineClosures {
  const table = previous?.closureTables;
  if (table !== undefined) {
    const made = encodeClosures(closures, cacheKeys, previous, table);
    if (made.paths.length <= 2 * usedPaths(made) + 1024) return made;
  }
  return encodeClosures(closures, cacheKeys, undefined, undefined);
}

function encodeClosures(
  closures: ReadonlyMap<string, TuClosure>,
  cacheKeys: ReadonlyMap<string, string>,
  previous: Baseline | undefined,
  from: BaselineClosures | undefined,
): BaselineClosures {
  const paths = [...(from?.paths ?? [])];
  const keys = [...(from?.keys ?? [])];
  const systems = [...(from?.systems ?? [])];
  const notes = [...(from?.notes ?? [])];
  const objects: Record<string, readonly number[]> = {};
  const objectNotes: Record<string, readonly number[]> = {};
  let noteIndex: Map<string, number> | undefined;
  let pathIndex: Map<string, number> | undefined;
  let keyIndex: Map<string, number> | undefined;
  let systemIndex: Map<string, number> | undefined;
  const systemOf = new Map<readonly string[], number>();
  const indexIn = (map: Map<string, number>, list: string[], v: string): number => {
    let i = map.get(v);
    if (i === undefined) {
      map.set(v, (i = list.length));
      list.push(v);
    }
    return i;
  };
  const pathAt = (p: string): number => indexIn((pathIndex ??= new Map(paths.map((x, i) => [x, i]))), paths, p);
  for (const [key, c] of closures) {
    const cacheKey = cacheKeys.get(key);
    if (cacheKey === undefined || c.unresolvedComputed) continue;
    const old = previous?.entryOf(c);
    if (old !== undefined) {
      objects[key] = old.entry;
      if (old.notes.length > 0) objectNotes[key] = old.notes;
      continue;
    }
    if (c.notes.length > 0) {
      const index = (noteIndex ??= new Map(notes.map((n, i) => [JSON.stringify(n), i])));
      objectNotes[key] = c.notes.map((n): number => {
        const k = JSON.stringify(n);
        let i = index.get(k);
        if (i === undefined) {
          index.set(k, (i = notes.length));
          notes.push(n);
        }
        return i;
      });
    }
    let sys = systemOf.get(c.system);
    if (sys === undefined) {
      const list = c.system.map(pathAt);
      systemIndex ??= new Map(systems.map((l, i) => [l.join(','), i]));
      const listKey = list.join(',');
      sys = systemIndex.get(listKey);
      if (sys === undefined) {
        systemIndex.set(listKey, (sys = systems.length));
        systems.push(list);
      }
      systemOf.set(c.system, sys);
    }
    const k = indexIn((keyIndex ??= new Map(keys.map((x, i) => [x, i]))), keys, cacheKey);
    objects[key] = [k, pathAt(c.tu), sys, c.headers.length, ...c.headers.map(pathAt), ...c.probedDirs.map(pathAt)];
  }
  return { paths, keys, systems, objects, notes, objectNotes };
}

/** How many of the table's paths its closures use. */
function usedPaths(t: BaselineClosures): number {
  const used = new Uint8Array(t.paths.length);
  const usedLists = new Set<number>();
  for (const e of Object.values(t.objects)) {
    for (const i of pathIndices(e)) used[i] = 1;
    usedLists.add(e[2] as number);
  }
  for (const l of usedLists) for (const i of t.systems[l] ?? []) used[i] = 1;
  let n = 0;
  for (const u of used) n += u;
  return n;
}

/** Written with the stamp that names it; failing to write it only costs the next edit some time. */
export function writeBaseline(stateDir: string, record: BaselineRecord): void {
  try {
    writeAtomically(baselineFile(stateDir), JSON.stringify(record));
  } catch {
    // no baseline: the next build after an edit checks everything
  }
}

/** Whether a build of this selection can start from a baseline: not with generators, whose outputs the stamp records in the store. */
export function baselineApplies(generators: number): boolean {
  return generators === 0;
}
