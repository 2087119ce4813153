/**
 * noopStamp: what lets a no-op build stop after a few thousand stats, the
 * way ninja's stat cache and deps log do.
 *
 * After a build that ended with every selected node up to date or built,
 * and nothing said (no warning, no error), `build` writes
 * `.nixmake/noop.stamp`: the stat (mtime, size, inode) of every file that
 * build depended on — nixmake.json, the compile database, every file its
 * fingerprints hashed (TUs, headers, link inputs, templates), every TU and
 * header of every closure, the toolchain files its quick key reads,
 * nixmake's own code — the mtime of every folder whose
 * listing mattered (folders the source globs listed, folders probed for
 * headers, the GC roots folder), each result link's target, and the counts
 * a no-op reports. The next `nixmake build` (noopFastPath) stats those; if
 * every one is unchanged it reports the no-op without loading the memo, the
 * parser or the store client. Any difference, or anything unusual, falls
 * back to the full path, which decides for itself.
 *
 * Trust: a file or folder that changed just before the build began, within
 * its timestamp's granularity (100 ms for sub-second times, 2 s for whole
 * seconds: a change then could go unseen, as in git's "racy clean" case), or
 * during it, never matches: one stat'ed after the build is recorded as
 * changed (NaN stats, a null mtime), so the no-op is not answered (the fast
 * path sees that before any stat) and the build that follows hashes it
 * again, while the baseline still vouches for every other file; one the
 * last stamp's check found as recorded keeps that (older) stat, which a
 * change since makes differ.
 * Any build that takes the full path deletes the stamp first, so a stamp
 * never outlives a build that failed or was interrupted. Store paths stay
 * valid because the GC roots that keep them are unchanged (their folder's
 * mtime), and the result links' targets are checked to exist.
 *
 * It does not decide what to rebuild and does not talk to Nix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { folderListing } from '../core/folderListing.js';
import { writeAtomically } from '../core/writeAtomically.js';

export const NOOP_STAMP_FILE = 'noop.stamp';
/** The stamp's companion, named by its nonce (engine/Baseline.ts): deleted with it. */
export const BASELINE_FILE = 'baseline.json';
/** Bump when what a stamp records, or what a no-op reports, changes. */
const NOOP_STAMP_VERSION = 6;
/** Numbers kept per file: mtime, ctime, size, inode. */
const PER_FILE = 4;
/** The file's first four bytes, before its version: "NMS" and a 1. */
const MAGIC = 0x01534d4e;
const HEAD = 24;
/**
 * A file changed this close before the build began may have changed again
 * unseen, within its timestamp's granularity: file systems that keep
 * sub-second times (ext4, xfs, btrfs, tmpfs) stamp with the kernel's coarse
 * clock, a few milliseconds; those that keep whole seconds (or 2 s, FAT) get
 * the wide window. A time on a whole second is taken as the latter.
 */
const RACY_FINE_MS = 100;
const RACY_COARSE_MS = 2000;
const racy = (mtimeMs: number, startedMs: number): boolean => mtimeMs > startedMs - (mtimeMs % 1000 === 0 ? RACY_COARSE_MS : RACY_FINE_MS);

/**
 * A file's ctime is kept beside its mtime: a write that puts the mtime back
 * (`touch -d`, `cp -p`, a checkout keeping times) still moves the ctime,
 * which no program can set. The fast path and the baseline (changesSinceStamp)
 * both compare it, as FileHasher does.
 */
type FileStat = readonly [path: string, mtimeMs: number, ctimeMs: number, size: number, ino: number];
/** Files grouped by folder, names only inside: a third of the bytes to read and parse at 10,000 TUs. */
type FolderStats = readonly [folder: string, files: readonly (readonly [name: string, mtimeMs: number, ctimeMs: number, size: number, ino: number])[]];
/**
 * mtimeMs -1: the folder did not exist; null: it changed too recently to be
 * trusted (never matches, unless by its listing). `listing`: for the project
 * root only (rootRecord), a hash of its names but nixmake's own result
 * links, which a build points after the stamp recorded the root: a root
 * whose mtime moved is unchanged when its listing is the same.
 */
type DirStat = readonly [path: string, mtimeMs: number | null, listing?: string];

/** The project root as the stamp records it, taken before the build points its result links. */
export interface RootRecord {
  readonly path: string;
  readonly mtimeMs: number | null;
  readonly listing: string | undefined;
}

/**
 * The root's record for the stamp, taken when the build's nodes are done and
 * before it points its result links: its mtime then (null when it changed
 * during the build or just before: a change nixmake did not see could hide
 * there) and, with a trusted mtime, its listing, which nothing changed
 * during the build. The next check takes the root as unchanged when either
 * is the same, so the result links nixmake points afterwards do not count.
 */
export function rootRecord(root: string, startedMs: number): RootRecord | undefined {
  const st = fs.statSync(root, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return undefined;
  if (racy(st.mtimeMs, startedMs)) return { path: root, mtimeMs: null, listing: undefined };
  return { path: root, mtimeMs: st.mtimeMs, listing: folderListing(root) };
}

export interface NoopStamp {
  readonly version: number;
  /** The selection and environment it was made for (stampKey). */
  readonly key: string;
  readonly files: readonly FolderStats[];
  readonly dirs: readonly DirStat[];
  /** Result links and the store paths they must name. */
  readonly links: readonly (readonly [link: string, out: string])[];
  /** What a no-op reports. */
  readonly report: { readonly tus: number; readonly files: number; readonly upToDate: number };
  /** Names the baseline written with this stamp (engine/Baseline.ts); another stamp's is not taken. */
  readonly nonce: string;
}

/** What a stamp is made from, gathered by build. */
export interface NoopStampInputs {
  readonly root: string;
  readonly targets: readonly string[];
  /** Every file the build's outcome depended on (absolute). */
  readonly files: Iterable<string>;
  /** Every folder whose listing mattered (absolute). */
  readonly dirs: Iterable<string>;
  /** Folders nixmake itself changed during the build (GC roots): recorded, but not racy. */
  readonly ownDirs: Iterable<string>;
  readonly links: ReadonlyMap<string, string>;
  readonly report: NoopStamp['report'];
  /** When the build began (ms since the epoch). */
  readonly startedMs: number;
  readonly nonce: string;
  /** The project root before the build pointed its result links (rootRecord): recorded as it is, with its listing. */
  readonly rootBefore?: RootRecord | undefined;
  /**
   * The last stamp's stats of the files and folders its check found as
   * recorded (StampChanges): used instead of a stat now. Such a stat is no
   * newer than the content the build used (it read the file after the
   * check, or not at all), so a change since makes it differ next time; a
   * stat taken now could be newer, which is what the racy check is for.
   */
  readonly known?: StampChanges | undefined;
}

/**
 * The environment that changes what a build does without changing a file:
 * nixmake's own variables (cache folder, test hooks) and the cache-folder base.
 */
function environmentKey(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((k) => k.startsWith('NIXMAKE_') || k === 'XDG_CACHE_HOME' || k === 'HOME')
    .sort()
    .map((k) => `${k}=${env[k] ?? ''}`);
}

/** The nixmake that makes or reads a stamp (its dist/ folder): another installation's stamp is not taken. */
const SELF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function stampKey(root: string, targets: readonly string[], env: NodeJS.ProcessEnv): string {
  return JSON.stringify([root, [...new Set(targets)].sort(), environmentKey(env), SELF]);
}

/** nixmake's own compiled code and templates: a different nixmake may build differently. */
export function ownFiles(): string[] {
  const dist = SELF;
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'test' && e.name !== 'bench') walk(p);
      } else if (e.name.endsWith('.js') || e.name.endsWith('.cjs') || dir.includes(`${path.sep}nix-templates`)) out.push(p);
    }
  };
  walk(dist);
  walk(path.resolve(dist, '..', 'nix-templates'));
  return out.sort();
}

function statFile(p: string): FileStat | undefined {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  return st && st.isFile() ? [p, st.mtimeMs, st.ctimeMs, st.size, st.ino] : undefined;
}

/** A folder's mtime; -1 for one that does not exist (a probed folder may not: it must stay absent). */
function statDir(p: string): readonly [string, number] | undefined {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return [p, -1];
  return st.isDirectory() ? [p, st.mtimeMs] : undefined;
}

/**
 * The part of a stamp that can be made before the build's last nodes are
 * done: its files' and folders' stats, all but the project root's and the
 * folders nixmake itself changes (see makeNoopStamp). A stat taken now is
 * as good as one taken at the end: a file changed since the build began is
 * racy either way, and one changed later differs next time.
 */
export interface StampFiles {
  readonly files: readonly FolderStats[];
  readonly dirs: readonly DirStat[];
  /** Whether the project root is among the folders (left to makeNoopStamp). */
  readonly hasRoot: boolean;
}

/** The stats of `inputs`' files and folders (not the root's), or undefined when a file is gone or is not a file any more. */
export function stampFiles(inputs: Pick<NoopStampInputs, 'root' | 'files' | 'dirs' | 'startedMs' | 'known'>): StampFiles | undefined {
  const files: FileStat[] = [];
  const known = inputs.known;
  for (const p of new Set(inputs.files)) {
    const k = known?.unchangedFile(p);
    const s = k === undefined ? statFile(p) : ([p, k[0], k[1], k[2], k[3]] as const);
    if (!s) return undefined;
    files.push(racy(Math.max(s[1], s[2]), inputs.startedMs) ? [p, Number.NaN, Number.NaN, Number.NaN, Number.NaN] : s);
  }
  const dirs: DirStat[] = [];
  let hasRoot = false;
  for (const p of new Set(inputs.dirs)) {
    if (p === inputs.root) {
      hasRoot = true;
      continue;
    }
    const s = dirStat(p, known, inputs.startedMs);
    if (!s) return undefined;
    dirs.push(s);
  }
  const byFolder = new Map<string, [string, number, number, number, number][]>();
  for (const [p, mtime, ctime, size, ino] of files) {
    const folder = path.dirname(p);
    let list = byFolder.get(folder);
    if (!list) byFolder.set(folder, (list = []));
    list.push([path.basename(p), mtime, ctime, size, ino]);
  }
  return { files: [...byFolder], dirs, hasRoot };
}

/** A folder's entry: its recorded mtime if the check found it so, else a stat; racy ones as changed. */
function dirStat(p: string, known: StampChanges | undefined, startedMs: number): DirStat | undefined {
  const k = known?.unchangedDir(p);
  const s = k === undefined ? statDir(p) : ([p, k] as const);
  if (!s) return undefined;
  return s[1] >= 0 && racy(s[1], startedMs) ? [p, null] : s;
}

/**
 * The stamp, or undefined when one of its files is gone (or is not a file
 * any more). `prepared`: stampFiles of the same files and folders, made
 * earlier in the build; the project root (from `rootBefore`, or a stat) and
 * the folders nixmake changed are stat'ed now.
 */
export function makeNoopStamp(inputs: NoopStampInputs, env: NodeJS.ProcessEnv = process.env, prepared?: StampFiles): NoopStamp | undefined {
  const made = prepared ?? stampFiles(inputs);
  if (!made) return undefined;
  const dirs: DirStat[] = [...made.dirs];
  if (made.hasRoot) {
    const r = inputs.rootBefore;
    if (r !== undefined) dirs.push(r.mtimeMs === null || r.listing === undefined ? [r.path, null] : [r.path, r.mtimeMs, r.listing]);
    else {
      const s = dirStat(inputs.root, inputs.known, inputs.startedMs);
      if (!s) return undefined;
      dirs.push(s);
    }
  }
  for (const p of new Set(inputs.ownDirs)) {
    const s = statDir(p);
    if (!s || s[1] < 0) return undefined;
    dirs.push(s);
  }
  return {
    version: NOOP_STAMP_VERSION,
    key: stampKey(inputs.root, inputs.targets, env),
    files: made.files,
    dirs,
    links: [...inputs.links],
    report: inputs.report,
    nonce: inputs.nonce,
  };
}

export function stampFile(stateDir: string): string {
  return path.join(stateDir, NOOP_STAMP_FILE);
}

/**
 * The stamp as bytes, laid out to be read back with one read, one small
 * JSON.parse and no object per file: a 24-byte head (magic, version, the
 * JSON part's length, the file count, the whole file's length), a JSON part (key, folders with how
 * many of the files are in each, dirs, links, report, nonce, and whether
 * anything is recorded as changed), zeros to the next
 * multiple of 8, each file's mtime, ctime, size and inode as four float64 (in the
 * machine's byte order: the stamp never leaves the machine), then the file
 * names joined by NUL, the one byte a name cannot hold.
 */
export function encodeNoopStamp(stamp: NoopStamp): Buffer {
  const folders: [string, number][] = [];
  const names: string[] = [];
  const numbers: number[] = [];
  for (const [folder, list] of stamp.files) {
    folders.push([folder, list.length]);
    for (const [name, mtime, ctime, size, ino] of list) {
      names.push(name);
      numbers.push(mtime, ctime, size, ino);
    }
  }
  // Whether a file or folder is recorded as changed: said once, so the fast path need not look for a NaN among the numbers.
  const changed = numbers.some(Number.isNaN) || stamp.dirs.some(([, m]) => m === null);
  const json = Buffer.from(JSON.stringify({ key: stamp.key, folders, dirs: stamp.dirs, links: stamp.links, report: stamp.report, nonce: stamp.nonce, changed }));
  const pad = Buffer.alloc((8 - ((HEAD + json.length) % 8)) % 8);
  const tail = [json, pad, Buffer.from(new Float64Array(numbers).buffer), Buffer.from(names.join('\0'))];
  const head = Buffer.alloc(HEAD);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(stamp.version, 4);
  head.writeUInt32LE(json.length, 8);
  head.writeUInt32LE(names.length, 12);
  head.writeUInt32LE(HEAD + tail.reduce((n, b) => n + b.length, 0), 16);
  return Buffer.concat([head, ...tail]);
}

interface Decoded {
  readonly version: number;
  readonly key: string;
  readonly folders: readonly (readonly [folder: string, count: number])[];
  /** mtime, ctime, size, inode of file i at PER_FILE × i and on. */
  readonly numbers: Float64Array;
  readonly names: readonly string[];
  readonly dirs: NoopStamp['dirs'];
  readonly links: NoopStamp['links'];
  readonly report: NoopStamp['report'];
  readonly nonce: string;
  /** A file or folder is recorded as changed: it cannot be a no-op. */
  readonly changed: boolean;
}

/** The stamp's parts, or undefined for bytes that are not a whole stamp (truncated, another format). */
function decode(buf: Buffer): Decoded | undefined {
  if (buf.length < HEAD || buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(16) !== buf.length) return undefined;
  const version = buf.readUInt32LE(4);
  const jsonLength = buf.readUInt32LE(8);
  const count = buf.readUInt32LE(12);
  const numbersAt = HEAD + jsonLength + ((8 - ((HEAD + jsonLength) % 8)) % 8);
  const namesAt = numbersAt + 8 * PER_FILE * count;
  if (namesAt > buf.length) return undefined;
  let head: Omit<Decoded, 'version' | 'numbers' | 'names'>;
  try {
    head = JSON.parse(buf.toString('utf8', HEAD, HEAD + jsonLength)) as typeof head;
  } catch {
    return undefined;
  }
  if (!wellFormedHead(head)) return undefined;
  const at = buf.byteOffset + numbersAt;
  const numbers = at % 8 === 0 ? new Float64Array(buf.buffer, at, PER_FILE * count) : new Float64Array(buf.buffer.slice(at, at + 8 * PER_FILE * count));
  const names = count === 0 ? [] : buf.toString('utf8', namesAt).split('\0');
  if (names.length !== count) return undefined;
  return { ...head, version, numbers, names };
}

/** The JSON part's shape, as encodeNoopStamp writes it (anything else: no stamp, never a crash). */
function wellFormedHead(h: unknown): h is Omit<Decoded, 'version' | 'numbers' | 'names'> {
  if (typeof h !== 'object' || h === null) return false;
  const x = h as Record<string, unknown>;
  const pairs = (v: unknown, second: (y: unknown) => boolean): boolean => Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && second(p[1]));
  const r = x['report'] as Record<string, unknown> | null;
  return (
    typeof x['key'] === 'string' &&
    typeof x['nonce'] === 'string' &&
    typeof x['changed'] === 'boolean' &&
    pairs(x['folders'], (n) => Number.isInteger(n) && (n as number) >= 0) &&
    Array.isArray(x['dirs']) &&
    x['dirs'].every((d) => Array.isArray(d) && (d.length === 2 || (d.length === 3 && typeof d[2] === 'string')) && typeof d[0] === 'string' && (d[1] === null || typeof d[1] === 'number')) &&
    pairs(x['links'], (o) => typeof o === 'string') &&
    typeof r === 'object' &&
    r !== null &&
    ['tus', 'files', 'upToDate'].every((k) => typeof r[k] === 'number')
  );
}

/** Writes the stamp atomically; a stamp is only a shortcut, so failing to write it is not an error. */
export function writeNoopStamp(stateDir: string, stamp: NoopStamp): void {
  try {
    writeAtomically(stampFile(stateDir), encodeNoopStamp(stamp));
  } catch {
    // no stamp: the next build takes the full path
  }
}

/** Deletes the stamp: done by every build that takes the full path, before it changes anything. */
export function removeNoopStamp(stateDir: string): void {
  fs.rmSync(stampFile(stateDir), { force: true });
  fs.rmSync(path.join(stateDir, BASELINE_FILE), { force: true });
  fs.rmSync(path.join(stateDir, 'noop.json'), { force: true }); // an older nixmake's stamp, never read again
}

/** What a valid stamp gives the no-op: its report. */
export interface ValidStamp {
  readonly report: NoopStamp['report'];
}

const NO_THROW = { throwIfNoEntry: false } as const;

/**
 * Whether a recorded folder changed: its mtime differs now (-1: it did not
 * exist; null: recorded as changed) and so does its listing, when one was
 * recorded (the project root).
 */
function dirChanged(p: string, mtime: number | null, listing?: string): boolean {
  if ((fs.statSync(p, NO_THROW)?.mtimeMs ?? -1) === mtime) return false;
  return listing === undefined || folderListing(p) !== listing;
}

/** The stamp in `stateDir` if it was made for `key` (and is whole), else undefined. */
function readStamp(stateDir: string, key: string): Decoded | undefined {
  let stamp: Decoded | undefined;
  try {
    stamp = decode(fs.readFileSync(stampFile(stateDir)));
  } catch {
    return undefined;
  }
  return stamp && stamp.version === NOOP_STAMP_VERSION && stamp.key === key ? stamp : undefined;
}

/**
 * Each recorded file in turn, with whether it is as recorded and where its
 * numbers are. Answers false when the stamp does not hold together (its
 * folders do not account for its names).
 */
function eachFile(stamp: Decoded, visit: (abs: string, same: boolean, at: number) => void): boolean {
  const { numbers } = stamp;
  return eachName(stamp, (abs, i) => {
    const at = PER_FILE * i;
    visit(abs, statIs(abs, numbers[at] as number, numbers[at + 1] as number, numbers[at + 2] as number, numbers[at + 3] as number), at);
  });
}

/** Whether the file at `abs` is there with this mtime, ctime, size and inode. */
function statIs(abs: string, mtimeMs: number, ctimeMs: number, size: number, ino: number): boolean {
  const st = fs.statSync(abs, NO_THROW);
  return st !== undefined && st.mtimeMs === mtimeMs && st.ctimeMs === ctimeMs && st.size === size && st.ino === ino;
}

/** Each recorded file's path and position; false when the folders do not account for the names. */
function eachName(stamp: Decoded, visit: (abs: string, i: number) => void): boolean {
  const { names } = stamp;
  let i = 0;
  for (const [folder, count] of stamp.folders) {
    const prefix = folder.endsWith('/') ? folder : `${folder}/`;
    for (const end = Math.min(i + count, names.length); i < end; i++) visit(prefix + (names[i] as string), i);
  }
  return i === names.length && stamp.folders.reduce((n, [, c]) => n + c, 0) === names.length;
}

/**
 * The stamp in `stateDir` if it was made for `key` and nothing it records
 * has changed; otherwise undefined. When a file or folder changed, what it
 * found is kept for the full path in this process (changesSinceStamp), so
 * that the build after an edit stats each file once, not twice.
 */
export function validNoopStamp(stateDir: string, key: string): ValidStamp | undefined {
  const stamp = readStamp(stateDir, key);
  if (!stamp) return undefined;
  // A file or folder recorded as changed (racy): no need to stat the others.
  if (stamp.changed) return undefined;
  const changes = compareStamp(stamp);
  if (!changes) return undefined;
  if (changes.changed.size > 0 || changes.changedDirs.size > 0) {
    handOver(stateDir, key, changes);
    return undefined;
  }
  for (const [link, out] of stamp.links) {
    let target: string;
    try {
      target = fs.readlinkSync(link);
    } catch {
      return undefined;
    }
    if (target !== out || !fs.existsSync(out)) return undefined;
  }
  return { report: stamp.report };
}

/** What changed since the last stamp was written, for the build that follows it (engine/Baseline.ts). */
export interface StampChanges {
  readonly nonce: string;
  /** Every file the stamp records that differs now, is gone, or was recorded as changed (absolute paths). */
  readonly changed: ReadonlySet<string>;
  /** The folders the stamp records whose mtime differs now (absolute paths). */
  readonly changedDirs: ReadonlySet<string>;
  /** A recorded file's mtime, ctime, size and inode, if it was found as recorded; else undefined. */
  unchangedFile(abs: string): readonly [mtimeMs: number, ctimeMs: number, size: number, ino: number] | undefined;
  /** A recorded folder's mtime (-1: absent), if it was found as recorded; else undefined. */
  unchangedDir(abs: string): number | undefined;
}

/** Where the fast path leaves what it found for the full path in the same process (each has its own copy of this module). */
const HANDOVER = Symbol.for('nixmake.stampChanges');
type Handover = { readonly stateDir: string; readonly key: string; readonly changes: StampChanges };

function handOver(stateDir: string, key: string, changes: StampChanges): void {
  (globalThis as Record<symbol, Handover | undefined>)[HANDOVER] = { stateDir, key, changes };
}

function takeHandover(stateDir: string, key: string): StampChanges | undefined {
  const g = globalThis as Record<symbol, Handover | undefined>;
  const h = g[HANDOVER];
  g[HANDOVER] = undefined;
  return h !== undefined && h.stateDir === stateDir && h.key === key ? h.changes : undefined;
}

/**
 * Stats every file and folder of the stamp made for `key` (or takes what the
 * fast path found doing so in this process); undefined when there is no such
 * stamp. Read before the build deletes it.
 */
export function changesSinceStamp(stateDir: string, key: string): StampChanges | undefined {
  const handed = takeHandover(stateDir, key);
  if (handed) return handed;
  const stamp = readStamp(stateDir, key);
  return stamp ? compareStamp(stamp) : undefined;
}

/** Every recorded file and folder compared with what is there now; undefined when the stamp does not hold together. */
function compareStamp(stamp: Decoded): StampChanges | undefined {
  const changed = new Set<string>();
  // Which files differ, by position: the ones found as recorded are indexed by path only if a stamp asks (not on the no-op path).
  const differs = new Uint8Array(stamp.names.length);
  const whole = eachFile(stamp, (abs, isSame, at) => {
    if (!isSame) {
      changed.add(abs);
      differs[at / PER_FILE] = 1;
    }
  });
  if (!whole) return undefined;
  let unchanged: Map<string, number> | undefined;
  const indexUnchanged = (): Map<string, number> => {
    const m = new Map<string, number>();
    eachName(stamp, (abs, i) => {
      if (differs[i] === 0) m.set(abs, PER_FILE * i);
    });
    return m;
  };
  const changedDirs = new Set<string>();
  const unchangedDirs = new Map<string, number>();
  for (const [p, mtime, listing] of stamp.dirs) {
    if (dirChanged(p, mtime, listing)) changedDirs.add(p);
    // Unchanged by its listing only (the root): the next stamp records it afresh, not this mtime.
    else if (mtime !== null && listing === undefined) unchangedDirs.set(p, mtime);
  }
  const { numbers } = stamp;
  return {
    nonce: stamp.nonce,
    changed,
    changedDirs,
    unchangedFile(abs) {
      unchanged ??= indexUnchanged();
      const at = unchanged.get(abs);
      return at === undefined ? undefined : [numbers[at] as number, numbers[at + 1] as number, numbers[at + 2] as number, numbers[at + 3] as number];
    },
    unchangedDir: (abs) => unchangedDirs.get(abs),
  };
}

/**
 * `changes` with `files` and `dirs` looked at again now: one found as
 * recorded by the check but different now counts as changed. For what the
 * build depends on before it reads any source (its settings, the GC roots
 * folder), when the check may be the fast path's, made before the config
 * was read and the lock taken.
 */
export function lookAgain(changes: StampChanges, files: readonly string[], dirs: readonly string[]): StampChanges {
  const moved = [
    ...files.filter((f) => {
      const k = changes.unchangedFile(f);
      return k !== undefined && !statIs(f, ...k);
    }),
    ...dirs.filter((d) => {
      const m = changes.unchangedDir(d);
      return m !== undefined && dirChanged(d, m);
    }),
  ];
  if (moved.length === 0) return changes;
  const gone = new Set(moved);
  return {
    nonce: changes.nonce,
    changed: new Set([...changes.changed, ...moved]),
    changedDirs: new Set([...changes.changedDirs, ...moved]),
    unchangedFile: (abs) => (gone.has(abs) ? undefined : changes.unchangedFile(abs)),
    unchangedDir: (abs) => (gone.has(abs) ? undefined : changes.unchangedDir(abs)),
  };
}
