/**
 * expandSources: each target's source globs → the sorted list of
 * translation units it compiles, as normalised project-relative paths.
 *
 * A positive pattern that matches no file is an error at its JSON path, as
 * is a `linkInputs` file that is missing or outside the root.
 * Header files matched by a glob are skipped (they are found by the include
 * analyzer); other non-C/C++ files are an error. It does not read file
 * contents.
 *
 * One TU per file: names that reach the same file (`./src/x.c` and a glob
 * matching `src/x.c`, a symlink to a source, a symlinked folder) are one TU,
 * named by the first of those names in sorted order. A source whose real
 * path lies outside the project root is refused unless it lies in one of
 * `externalDirs`: the store is world-readable. Symlink loops end: a folder
 * that is its own ancestor (by real path) is not read again.
 *
 * Generators' outputs (`generators.*.outputs`) are files of the project
 * that are not on disk: a pattern matching one names it (matchGlob), and a
 * file of that name on disk is ignored (the generator's output wins).
 */
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import type { Diagnostic, Result } from '../core/Diagnostic.js';
import { languageOf, isHeaderPath } from '../analyzers/language.js';
import { CONFIG_FILE } from './Config.js';
import type { Config } from './Config.js';
import { isInside } from './isInside.js';
import { matchGlob } from './matchGlob.js';
import { realpathOrSelf, realpathOrUndefined } from '../core/realPath.js';

/** Folders nixmake itself writes, never sources. */
const ALWAYS_IGNORED = ['.nixmake/**', 'node_modules/**', '.git/**'];

/**
 * How many lexical paths may lead into one real folder. Symlinks can form a
 * DAG (each of two links in a folder pointing at the next folder) whose
 * paths double at every level; past this, the glob is refused.
 */
export const MAX_PATHS_TO_A_FOLDER = 64;

export type SourceLists = ReadonlyMap<string, readonly string[]>;

/** `listedDirs`, when given, receives every folder the globs listed (absolute): a file added to one could be a new source. */
export function expandSources(config: Config, listedDirs?: Set<string>): Result<SourceLists> {
  const errors: Diagnostic[] = [];
  const error = (jsonPath: string, message: string): void => {
    errors.push({ severity: 'error', message, location: { file: CONFIG_FILE }, jsonPath });
  };
  const realRoot = realpathOrSelf(config.root);
  const external = config.externalDirs.map(realpathOrSelf);
  // Real paths are absolute and normalised, so a prefix test is enough (and this runs once per source).
  const under = (dir: string, real: string): boolean => real.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep) || real === dir;
  const out = new Map<string, string[]>();
  const generated = [...config.generators.values()].flatMap((g) => g.outputs);
  const isGenerated = new Set(generated);
  for (const t of config.targets.values()) {
    const negatives = t.sources.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    /** real path → every name that reached it, and the pattern (its JSON path) that first did. */
    const byReal = new Map<string, { names: string[]; at: string }>();
    t.sources.forEach((pattern, i) => {
      if (pattern.startsWith('!')) return;
      const at = `targets.${t.name}.sources[${i}]`;
      if (pattern.startsWith('/') || pattern.split('/').includes('..')) {
        error(at, `"${pattern}" must stay inside the project root`);
        return;
      }
      const { walk, files } = globFiles(config.root, pattern, negatives);
      if (listedDirs) for (const d of walk.listedDirs()) listedDirs.add(d);
      if (walk.crowded !== undefined) {
        error(at, `"${pattern}": symlinks lead into the folder ${walk.crowded} by more than ${MAX_PATHS_TO_A_FOLDER} paths; narrow the glob or remove links`);
        return;
      }
      const made = generated.filter((f) => !isHeaderPath(f) && matchGlob(f, pattern) && !negatives.some((n) => matchGlob(f, n)));
      const sources = files.filter((f) => !isHeaderPath(f) && !isGenerated.has(f));
      for (const f of made) {
        if (languageOf(f) === undefined) error(at, `"${f}" (a generator's output matched by "${pattern}") is not a C, C++ or assembly source`);
        else if (!byReal.has(`generated:${f}`)) byReal.set(`generated:${f}`, { names: [f], at });
      }
      if (sources.length === 0 && made.length === 0) {
        const why = files.length > 0 ? 'matches only header files' : 'matches no file';
        error(at, `"${pattern}" ${why}`);
      }
      for (const f of sources) {
        if (languageOf(f) === undefined) {
          error(at, `"${f}" (matched by "${pattern}") is not a C, C++ or assembly source`);
          continue;
        }
        const real = walk.realpath(f);
        if (real === undefined) {
          error(at, `"${f}" (matched by "${pattern}") cannot be resolved (a broken or looping symlink?)`);
          continue;
        }
        const seen = byReal.get(real);
        if (seen) seen.names.push(f);
        else byReal.set(real, { names: [f], at });
      }
    });
    const found: string[] = [];
    for (const [real, { names, at }] of byReal) {
      const name = names.length === 1 ? (names[0] as string) : ([...names].sort()[0] as string);
      if (real.startsWith('generated:')) {
        found.push(name);
        continue;
      }
      if (!under(realRoot, real) && !external.some((d) => under(d, real))) {
        error(at, `"${name}" is a link to ${real}, outside the project root; list its folder in "externalDirs" to build it`);
        continue;
      }
      found.push(name);
    }
    out.set(t.name, found.sort());
    t.linkInputs.forEach((f, i) => {
      const real = realpathOrUndefined(path.join(config.root, f));
      const at = `targets.${t.name}.linkInputs[${i}]`;
      if (real === undefined || !fs.statSync(real).isFile()) error(at, `"${f}" is not a file of the project (the link reads it: a version or linker script)`);
      else if (!under(realRoot, real) && !external.some((d) => under(d, real))) error(at, `"${f}" is a link to ${real}, outside the project root; list its folder in "externalDirs" to use it`);
    });
  }
  if (errors.length > 0) return { ok: false, errors, warnings: [] };
  return { ok: true, value: out, warnings: [] };
}

/**
 * The files one glob matches under `root` (names as TUs are named:
 * normalised, project-relative), with symlink loops cut; `walk` tells
 * whether symlinks led into a folder too often (`walk.crowded`).
 */
export function globFiles(root: string, pattern: string, negatives: readonly string[]): { walk: LoopSafeWalk; files: string[] } {
  const walk = new LoopSafeWalk(root);
  const files = fg
    .sync(pattern, {
      cwd: root,
      onlyFiles: true,
      dot: false,
      followSymbolicLinks: true,
      ignore: [...ALWAYS_IGNORED, ...negatives],
      fs: walk.adapter,
    })
    .map((f) => (f.startsWith('./') || f.includes('//') || f.includes('/./') ? path.posix.normalize(f) : f));
  return { walk, files };
}

/**
 * The file system fast-glob walks through, with symlink loops cut: a folder
 * whose real path is that of one of its lexical ancestors is read as empty
 * (everything in it was found through the ancestor). It also remembers each
 * folder's real path and which entries are symlinks, so the real path of a
 * match usually costs no system call.
 */
export class LoopSafeWalk {
  private readonly realDirs = new Map<string, string | undefined>();
  /** Folders the walk listed, and which of their entries are symlinks. */
  private readonly listed = new Set<string>();
  private readonly symlinks = new Set<string>();
  private readonly timesEntered = new Map<string, number>();
  /** A real folder reached by more than MAX_PATHS_TO_A_FOLDER paths, if any. */
  crowded: string | undefined;
  readonly adapter: Partial<fg.FileSystemAdapter>;

  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    const readdirSync = (dir: string, options: { withFileTypes: true }): fs.Dirent[] => {
      if (this.isLoop(dir)) return [];
      const real = this.realDir(dir);
      if (real !== undefined) {
        const n = (this.timesEntered.get(real) ?? 0) + 1;
        this.timesEntered.set(real, n);
        if (n > MAX_PATHS_TO_A_FOLDER) {
          this.crowded ??= real;
          return [];
        }
      }
      const dirents = fs.readdirSync(dir, options);
      this.listed.add(dir);
      for (const d of dirents) if (typeof d === 'object' && d.isSymbolicLink()) this.symlinks.add(`${dir}/${d.name}`);
      return dirents;
    };
    this.adapter = { readdirSync: readdirSync as unknown as typeof fs.readdirSync };
  }

  /** The folders listed so far, absolute. */
  listedDirs(): string[] {
    return [...this.listed].map((d) => path.resolve(this.root, d));
  }

  /** Whether `dir` is, by real path, one of its own lexical ancestors inside the root. */
  private isLoop(dir: string): boolean {
    const real = this.realDir(dir);
    if (real === undefined) return false;
    for (let a = path.dirname(dir), prev = dir; a !== prev && isInside(this.root, a); prev = a, a = path.dirname(a)) {
      if (this.realDir(a) === real) return true;
    }
    return false;
  }

  private realDir(dir: string): string | undefined {
    if (!this.realDirs.has(dir)) this.realDirs.set(dir, realpathOrUndefined(dir));
    return this.realDirs.get(dir);
  }

  /** The real path of `rel` (a match, relative to the root), or undefined if it cannot be resolved. */
  realpath(rel: string): string | undefined {
    // Plain string work: this runs once per source, and a project may have tens of thousands.
    const abs = `${this.root}/${rel}`;
    const slash = abs.lastIndexOf('/');
    const dir = abs.slice(0, slash);
    // A match the walk listed that is not itself a symlink: its folder's real path and its name, without a system call.
    const real = this.listed.has(dir) && !this.symlinks.has(abs) ? this.realDirs.get(dir) : undefined;
    return real !== undefined ? `${real === '/' ? '' : real}${abs.slice(slash)}` : realpathOrUndefined(abs);
  }
}

