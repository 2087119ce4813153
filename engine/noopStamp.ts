/**
 * noopStamp: what lets a no-op build stop after a few thousand stats, the
 * way ninja's stat cache and deps log do.
 *
 * After a build that ended with every selected node up to date or built,
 * and nothing said (no warning, no error), `build` writes
 * `.nixmake/noop.json`: the stat (mtime, size, inode) of every file that
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
 * Trust: the stamp is written only when no recorded file or folder changed
 * just before the build began, within its timestamp's granularity (100 ms
 * for sub-second times, 2 s for whole seconds: a change then could go
 * unseen, as in git's "racy clean" case),
 * and any build that takes the full path deletes it first, so a stamp
 * never outlives a build that failed or was interrupted. Store paths stay
 * valid because the GC roots that keep them are unchanged (their folder's
 * mtime), and the result links' targets are checked to exist.
 *
 * It does not decide what to rebuild and does not talk to Nix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NOOP_STAMP_FILE = 'noop.json';
/** Bump when what a stamp records, or what a no-op reports, changes. */
const NOOP_STAMP_VERSION = 3;
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

type FileStat = readonly [path: string, mtimeMs: number, size: number, ino: number];
/** Files grouped by folder, names only inside: a third of the bytes to read and parse at 10,000 TUs. */
type FolderStats = readonly [folder: string, files: readonly (readonly [name: string, mtimeMs: number, size: number, ino: number])[]];
/** mtimeMs -1: the folder did not exist. */
type DirStat = readonly [path: string, mtimeMs: number];

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
  return st && st.isFile() ? [p, st.mtimeMs, st.size, st.ino] : undefined;
}

/** A folder's mtime; -1 for one that does not exist (a probed folder may not: it must stay absent). */
function statDir(p: string): DirStat | undefined {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return [p, -1];
  return st.isDirectory() ? [p, st.mtimeMs] : undefined;
}

/** The stamp, or undefined when one of its files changed too recently to be trusted (or is gone). */
export function makeNoopStamp(inputs: NoopStampInputs, env: NodeJS.ProcessEnv = process.env): NoopStamp | undefined {
  const files: FileStat[] = [];
  for (const p of new Set(inputs.files)) {
    const s = statFile(p);
    if (!s || racy(s[1], inputs.startedMs)) return undefined;
    files.push(s);
  }
  const dirs: DirStat[] = [];
  for (const p of new Set(inputs.dirs)) {
    const s = statDir(p);
    if (!s || (s[1] >= 0 && racy(s[1], inputs.startedMs))) return undefined;
    dirs.push(s);
  }
  for (const p of new Set(inputs.ownDirs)) {
    const s = statDir(p);
    if (!s || s[1] < 0) return undefined;
    dirs.push(s);
  }
  const byFolder = new Map<string, [string, number, number, number][]>();
  for (const [p, mtime, size, ino] of files) {
    const folder = path.dirname(p);
    let list = byFolder.get(folder);
    if (!list) byFolder.set(folder, (list = []));
    list.push([path.basename(p), mtime, size, ino]);
  }
  return {
    version: NOOP_STAMP_VERSION,
    key: stampKey(inputs.root, inputs.targets, env),
    files: [...byFolder],
    dirs,
    links: [...inputs.links],
    report: inputs.report,
  };
}

export function stampFile(stateDir: string): string {
  return path.join(stateDir, NOOP_STAMP_FILE);
}

/** Writes the stamp atomically; a stamp is only a shortcut, so failing to write it is not an error. */
export function writeNoopStamp(stateDir: string, stamp: NoopStamp): void {
  const file = stampFile(stateDir);
  const tmp = `${file}.${process.pid}`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(stamp));
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/** Deletes the stamp: done by every build that takes the full path, before it changes anything. */
export function removeNoopStamp(stateDir: string): void {
  fs.rmSync(stampFile(stateDir), { force: true });
}

/** The stamp in `stateDir` if it was made for `key` and nothing it records has changed; otherwise undefined. */
export function validNoopStamp(stateDir: string, key: string): NoopStamp | undefined {
  let stamp: NoopStamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile(stateDir), 'utf8')) as NoopStamp;
  } catch {
    return undefined;
  }
  if (stamp.version !== NOOP_STAMP_VERSION || stamp.key !== key) return undefined;
  for (const [folder, list] of stamp.files) {
    const prefix = folder.endsWith('/') ? folder : `${folder}/`;
    for (const [name, mtime, size, ino] of list) {
      const st = fs.statSync(prefix + name, { throwIfNoEntry: false });
      if (!st || st.mtimeMs !== mtime || st.size !== size || st.ino !== ino) return undefined;
    }
  }
  for (const [p, mtime] of stamp.dirs) {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if ((st?.mtimeMs ?? -1) !== mtime) return undefined;
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
  return stamp;
}
