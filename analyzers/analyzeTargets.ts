/**
 * analyzeTargets: the include closure of every translation unit of every
 * selected target, with the file system and caches wired in.
 *
 * A TU's closure is reused from the last run when nothing it depends on
 * changed (ClosureCache); otherwise it is walked again. Scans are cached by
 * content hash (in memory for this run, in the memo across runs); on a cold
 * start the TUs are scanned first, on all cores. Existence probes and
 * resolutions are cached for the run only, so a walk always sees the files
 * as they are (a newly added shadowing header takes effect; ClosureCache
 * notices it by the mtime of the folder it appeared in). It does not
 * fingerprint or plan.
 */
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import type { FileHasher } from '../cache/FileHasher.js';
import { sha256 } from '../cache/hashes.js';
import type { MemoStore } from '../cache/Memo.js';
import type { Config } from '../config/Config.js';
import { compileFlags, objectsOf, wholeFlagsOf } from '../config/compileFlags.js';
import { objectKey } from '../core/nodeKeys.js';
import type { Diagnostic } from '../core/Diagnostic.js';
import { EnvironmentError, userName } from '../core/EnvironmentError.js';
import type { Toolchain } from '../toolchain/Toolchain.js';
import { includeClosure } from './includeClosure.js';
import { CLOSURE_VERSION } from './ClosureCache.js';
import type { ClosureCache } from './ClosureCache.js';
import { ResolveCache } from './ResolveCache.js';
import { scanInWorkers, workersAvailable } from './scanInWorkers.js';
import type { ClosureIo, TuClosure } from './includeClosure.js';
import type { Language } from './language.js';
import { driverOf, isPreprocessed, languageOf } from './language.js';
import { scanFile } from './scanFile.js';
import type { ScannedFile } from './scanFile.js';
import { SCANNER_VERSION } from './scanIncludes.js';
import type { Grammar, ScanResult } from './scanIncludes.js';
import { searchPathFromFlags } from './SearchPath.js';
import type { SearchPath } from './SearchPath.js';

export interface Analysis {
  /** Keyed by object node key. */
  readonly closures: Map<string, TuClosure>;
  /** Object node key → what its closure was computed with (flags, search path, versions: ClosureCache's key). */
  readonly cacheKeys: ReadonlyMap<string, string>;
  /**
   * Headers not found outside conditionals, and unresolved computed
   * includes, each once. Never errors: whether a missing header matters is
   * for the sandboxed compile to say, and it fails only the TUs concerned.
   */
  readonly warnings: Diagnostic[];
}

/** `-DNAME=VALUE` defines usable for computed includes. */
function defineMacros(flags: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of flags) {
    const match = /^-D([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(f);
    if (match) m.set(match[1] as string, match[2] as string);
  }
  return m;
}

/** Every macro name the flags define: -DNAME and -DNAME=VALUE. */
function flagMacroNames(flags: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const f of flags) {
    const m = /^-D([A-Za-z_][A-Za-z0-9_]*)/.exec(f);
    if (m) names.add(m[1] as string);
  }
  return names;
}

const DENIED = new Set(['EACCES', 'EPERM']);

/**
 * The error for a header probe `file` that the system refused: names the
 * folder that may not be searched (the outermost one on the way whose
 * parent can be) and the user nixmake runs as.
 */
export function deniedProbe(file: string): EnvironmentError {
  let blocked = path.dirname(file);
  for (let d = blocked; ; ) {
    try {
      fs.accessSync(d, fs.constants.X_OK);
      break;
    } catch {
      blocked = d;
    }
    const parent = path.dirname(d);
    if (parent === d) break;
    d = parent;
  }
  return new EnvironmentError(
    blocked,
    `permission denied: nixmake (as user ${userName()}) cannot read ${blocked} (EACCES), so it cannot tell whether ${file} exists; ` +
      `give that user access to the folder (chmod, chown), or run nixmake as the project's owner`,
  );
}

const NOT_PREPROCESSED: ScanResult = { includes: [], headerMacros: [], definedMacros: [] };

/** A test hook: with a listener, the walk waits this long after each TU (so that what it started gets going). */
const WALK_TEST_PAUSE_MS = Number(process.env['NIXMAKE_TEST_PAUSE_IN_WALK_MS'] ?? 0);
/** At most this many TUs whose file changed are walked before the other TUs' stored closures are checked. */
const EDITED_FIRST = 8;
/** Stored closures checked between two turns of the event loop, while an edited TU's object may be building. */
const CHECKS_PER_TURN = 16;

/** Scans held before they are written to the memo. */
const SCAN_FLUSH_EVERY = 2000;

/** Below this many unscanned files, starting threads costs more than it saves. */
const PARALLEL_MIN = 48;

/**
 * Scan results by content hash: in memory for this run, in the memo across
 * runs. `prefetch` scans a known batch of files (every TU) on all cores
 * before the walk starts; whatever the walk meets later is scanned inline.
 */
export class ScanCache {
  /** Grammar → absolute path → scan: keyed by strings the caller already holds, none built per lookup. */
  private readonly inMemory = new Map<Grammar, Map<string, ScanResult | undefined>>();
  readonly pending = new Map<string, string>();
  /** Files scanned by this run (not found in the memo), for reports. */
  scanned = 0;

  constructor(
    private readonly memo: Pick<MemoStore, 'getScan' | 'putScans'>,
    private readonly hasher: FileHasher,
    private readonly threads: number = 1,
    /** Project paths read elsewhere (generators' outputs: absolute path → the file in the store). */
    private readonly redirects: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** Distinct files whose scan this run looked up. */
  get files(): number {
    let n = 0;
    for (const m of this.inMemory.values()) n += m.size;
    return n;
  }

  private known(grammar: Grammar): Map<string, ScanResult | undefined> {
    let m = this.inMemory.get(grammar);
    if (!m) this.inMemory.set(grammar, (m = new Map()));
    return m;
  }

  private cached(abs: string, grammar: Grammar): { key: string; hash: string; result: string | undefined } | undefined {
    const hash = this.hasher.hash(abs);
    if (!hash) return undefined;
    const key = `${SCANNER_VERSION}:${grammar}:${hash}`;
    return { key, hash, result: this.pending.get(key) ?? this.memo.getScan(key) };
  }

  scan(abs: string, grammar: Grammar): ScanResult | undefined {
    const known = this.known(grammar);
    if (known.has(abs)) return known.get(abs);
    const c = this.cached(abs, grammar);
    let result: ScanResult | undefined;
    if (c?.result) {
      result = JSON.parse(c.result) as ScanResult;
    } else if (c) {
      result = this.remember(c.key, c.hash, scanFile(this.redirects.get(abs) ?? abs, grammar));
    }
    known.set(abs, result);
    return result;
  }

  /** The scan of a file if it is known (this run, or the memo), without parsing it. */
  peek(abs: string, grammar: Grammar): ScanResult | undefined {
    const known = this.known(grammar);
    if (known.has(abs)) return known.get(abs);
    const c = this.cached(abs, grammar);
    if (!c?.result) return undefined;
    const result = JSON.parse(c.result) as ScanResult;
    known.set(abs, result);
    return result;
  }

  /**
   * Scans, in worker threads, those of `files` the memo does not know yet
   * (if there are enough to be worth it); answers how many it scanned.
   */
  async prefetch(files: readonly { abs: string; grammar: Grammar }[], onProgress?: AnalysisProgress): Promise<number> {
    if (this.threads < 2 || !workersAvailable()) return 0;
    const todo = new Map<string, { abs: string; grammar: Grammar; hash: string }>();
    for (const f of files) {
      const c = this.cached(f.abs, f.grammar);
      if (c && !c.result) todo.set(c.key, { ...f, hash: c.hash });
    }
    if (todo.size < PARALLEL_MIN) return 0;
    let results: (ScannedFile | undefined)[];
    try {
      results = await scanInWorkers([...todo.values()].map(({ abs, grammar }) => ({ abs: this.redirects.get(abs) ?? abs, grammar })), this.threads, (done) => onProgress?.('scan', done, todo.size));
    } catch {
      return 0; // the walk scans these files in this thread instead
    }
    const jobs = [...todo];
    jobs.forEach(([key, job], i) => {
      const scanned = results[i];
      this.remember(key, job.hash, scanned);
      // The walk asks for these next: kept as they are, not read back from the memo and parsed again.
      if (scanned && scanned.hash === job.hash) this.known(job.grammar).set(job.abs, scanned.result);
    });
    return todo.size;
  }

  /** Caches a scan under `key` only if it is of the content that key was made from. */
  private remember(key: string, hash: string, scanned: ScannedFile | undefined): ScanResult | undefined {
    this.scanned++;
    if (scanned && scanned.hash === hash) this.pending.set(key, JSON.stringify(scanned.result));
    // Written out as they come, so that a cold scan of a big tree does not hold every scan's JSON.
    if (this.pending.size >= SCAN_FLUSH_EVERY) this.flush();
    return scanned?.result;
  }

  flush(): void {
    this.memo.putScans(this.pending);
    this.pending.clear();
  }
}

/**
 * Scans, on all cores, the project headers the walk is going to meet, a
 * level of includes at a time, starting from files already scanned (the
 * TUs of a cold start): each include is looked for, without macros or
 * conditions, in the folders the TU's search path gives it (the includer's
 * folder for "…", then -iquote and -I; system folders are left out, their
 * headers get the cheap directive scan), and every project file found that
 * is not scanned yet is scanned in the next batch. It may scan a header the
 * walk will not need, and miss one it will (a computed include, a header
 * reached with other flags first): the walk scans those in this thread, as
 * before. Its point is that tree-sitter runs in workers, whose memory is
 * given back (see scanInWorkers), not in this thread, whose memory is not.
 */
async function prefetchProjectHeaders(
  root: string,
  from: readonly { abs: string; grammar: Grammar; sp: SearchPath }[],
  scans: ScanCache,
  isFile: (p: string) => boolean,
  onProgress?: AnalysisProgress,
): Promise<void> {
  const inside = (abs: string): boolean => {
    const r = path.relative(root, abs);
    return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
  };
  const seen = new Set(from.map((f) => `${f.grammar}\0${f.abs}`));
  let level = from;
  while (level.length > 0) {
    const next: { abs: string; grammar: Grammar; sp: SearchPath }[] = [];
    for (const f of level) {
      for (const inc of scans.peek(f.abs, f.grammar)?.includes ?? []) {
        if (inc.form === 'computed') continue;
        const dirs = inc.form === 'quote' ? [path.dirname(f.abs), ...f.sp.quote, ...f.sp.bracket] : f.sp.bracket;
        for (const dir of dirs) {
          const abs = path.resolve(dir, inc.name);
          const key = `${f.grammar}\0${abs}`;
          if (seen.has(key) || !inside(abs) || !isFile(abs)) continue;
          seen.add(key);
          next.push({ abs, grammar: f.grammar, sp: f.sp });
        }
      }
    }
    // Fewer than are worth threads are left for the walk; the others' includes are followed all the same.
    await scans.prefetch(next, onProgress);
    level = next;
  }
}

/** How far analysis is: files scanned in parallel (`scan`), then TUs walked (`walk`). */
export type AnalysisProgress = (stage: 'scan' | 'walk', done: number, total: number) => void;

/** One TU's closure, as soon as it is known. */
export interface ClosureReady {
  readonly key: string;
  readonly target: string;
  readonly tu: string;
  /** The perSource variant of the TU, if the object is one. */
  readonly variant: string | undefined;
  readonly closure: TuClosure;
}

/**
 * Hears closures as they become known: first those of the few TUs whose own
 * file changed since the last run (walked at once; a one-file edit), then
 * those reused from the last run, then each walked one. With a listener,
 * the walk gives the event loop a turn after each TU (and the checks of
 * stored closures one every CHECKS_PER_TURN, when an edited TU went
 * first), so what the listener started (store writes, builds: each step of
 * theirs waits for such a turn) goes on while the analysis does; and it
 * walks the TUs most costly to compile (`cost`) first, so that those start
 * first.
 */
export interface ClosureListener {
  onClosures(batch: readonly ClosureReady[]): void;
  /** Expected compile seconds of the object `key` (its TU `tu`). */
  cost(key: string, tu: string): number;
}

/** Analyzes every TU of every target in `config` (already narrowed to the selected ones). */
export async function analyzeTargets(
  config: Config,
  sources: ReadonlyMap<string, readonly string[]>,
  toolchain: Toolchain,
  scans: ScanCache,
  cache: ClosureCache,
  onProgress?: AnalysisProgress,
  /** Generators' outputs: absolute project path → the file in the store, or '' when not built yet (exists, though not on disk). */
  generated: ReadonlyMap<string, string> = new Map(),
  listener?: ClosureListener,
): Promise<Analysis> {
  const closures = new Map<string, TuClosure>();
  const cacheKeys = new Map<string, string>();
  const warnings: Diagnostic[] = [];
  const isFileCache = new Map<string, boolean>();
  const isFile = (p: string): boolean => {
    let r = isFileCache.get(p);
    if (r === undefined && generated.has(p)) r = true;
    if (r === undefined) {
      try {
        r = fs.statSync(p).isFile();
      } catch (err) {
        // Only absence is "not here": a folder this user may not search would
        // otherwise turn a header it holds into "No such file or directory".
        if (DENIED.has((err as NodeJS.ErrnoException).code ?? '')) throw deniedProbe(p);
        r = false;
      }
      isFileCache.set(p, r);
    }
    return r;
  };
  interface Job {
    readonly key: string;
    readonly target: string;
    readonly tu: string;
    readonly variant: string | undefined;
    readonly lang: Language;
    readonly grammar: Grammar;
    readonly flags: readonly string[];
    readonly io: ClosureIo;
    readonly sp: ReturnType<typeof searchPathFromFlags>;
    /** What a stored closure must have been computed with (see ClosureCache). */
    readonly cacheKey: string;
  }
  const resolver = new ResolveCache(isFile);
  const headersUnder = (dir: string): string[] =>
    fg.sync('**/*.{h,hh,hpp,hxx,inc,def,H,h++,tcc,ipp}', { cwd: dir, absolute: true, onlyFiles: true, ignore: ['.nixmake/**', 'node_modules/**', '.git/**'] });
  const jobs: Job[] = [];
  for (const t of config.targets.values()) {
    // One search path and one io per distinct set of flags, so resolutions are shared.
    const perFlags = new Map<string, Omit<Job, 'key' | 'target' | 'tu' | 'variant'>>();
    for (const { tu, variant } of objectsOf(config, t, sources.get(t.name) ?? [])) {
      const lang = languageOf(tu) ?? 'c';
      const flags = compileFlags(config, t, lang, tu, variant);
      const flagsKey = `${lang}\0${flags.join('\0')}`;
      let shared = perFlags.get(flagsKey);
      if (!shared) {
        const grammar: Grammar = lang === 'c++' ? 'cpp' : 'c';
        // Assembly as is (`.s`) has no preprocessor: a `#` there starts a comment, never an include.
        const scan = isPreprocessed(lang) ? (abs: string, system?: boolean): ScanResult | undefined => scans.scan(abs, system === true ? 'directives' : grammar) : (): ScanResult => NOT_PREPROCESSED;
        const io: ClosureIo = { scan, isFile, headersUnder, resolve: (req, inc, sp) => resolver.resolve(req, inc, sp) };
        const sp = searchPathFromFlags(flags, config.root, toolchain.systemIncludeDirs[driverOf(lang)]);
        const cacheKey = sha256(JSON.stringify([CLOSURE_VERSION, SCANNER_VERSION, config.root, grammar, flags, sp]));
        perFlags.set(flagsKey, (shared = { lang, grammar, flags, io, sp, cacheKey }));
      }
      jobs.push({ key: objectKey(t.name, tu, variant), target: t.name, tu, variant, ...shared });
    }
  }
  const walk: Job[] = [];
  let batch: ClosureReady[] = [];
  const handOver = (): void => {
    if (batch.length > 0) listener?.onClosures(batch);
    batch = [];
  };
  const turn = (): Promise<unknown> => new Promise((resolve) => (WALK_TEST_PAUSE_MS > 0 ? setTimeout(resolve, WALK_TEST_PAUSE_MS) : setImmediate(resolve)));
  const ready = (job: Job, closure: TuClosure): void => {
    closures.set(job.key, closure);
    cacheKeys.set(job.key, job.cacheKey);
    batch.push({ key: job.key, target: job.target, tu: job.tu, variant: job.variant, closure });
  };
  /** Whether the job's stored closure is still valid (then it is ready). */
  const reused = (job: Job): boolean => {
    const stored = cache.get(job.key, job.cacheKey);
    if (stored) ready(job, stored);
    return stored !== undefined;
  };
  const walkOne = (job: Job): void => {
    const closure = cache.intern(includeClosure(config.root, job.tu, job.sp, defineMacros(job.flags), job.io, flagMacroNames(job.flags)));
    cache.put(job.key, job.cacheKey, closure);
    ready(job, closure);
  };
  // With a listener, a few TUs whose own file changed since the last run go first, walked at once: a one-file
  // edit's object then starts building while the other TUs' stored closures are checked (a turn every CHECKS_PER_TURN).
  const edited = listener ? jobs.filter((j) => cache.tuChanged(j.tu)) : [];
  const first = new Set(edited.length <= EDITED_FIRST ? edited : []);
  for (const job of first) {
    if (!reused(job)) walkOne(job);
    handOver();
    await turn();
  }
  let checked = 0;
  for (const job of jobs) {
    if (first.has(job)) continue;
    if (!reused(job)) walk.push(job);
    if (first.size > 0 && ++checked % CHECKS_PER_TURN === 0) {
      handOver();
      await turn();
    }
  }
  handOver();
  if (listener) {
    const cost = new Map(walk.map((j) => [j, listener.cost(j.key, j.tu)]));
    walk.sort((a, b) => (cost.get(b) ?? 0) - (cost.get(a) ?? 0));
  }
  const tus = walk.filter((j) => isPreprocessed(j.lang)).map((j) => ({ abs: path.join(config.root, j.tu), grammar: j.grammar, sp: j.sp }));
  // A cold start: the headers too, on all cores, before the walk meets them.
  if ((await scans.prefetch(tus, onProgress)) > 0) await prefetchProjectHeaders(config.root, tus, scans, isFile, onProgress);
  for (const [i, job] of walk.entries()) {
    onProgress?.('walk', i, walk.length);
    walkOne(job);
    if (!listener) {
      batch = [];
      continue;
    }
    handOver();
    await turn();
  }
  handOver();
  // Reported in target and TU order; a header shared by many TUs reports its warning once. A TU whose flags are
  // set whole (a perSource "flags" entry, the compile database) takes no includeDirs: the warning says where to add it.
  const seen = new Map<string, { index: number; whole: boolean }>();
  for (const job of jobs) {
    const closure = closures.get(job.key);
    if (!closure) continue;
    for (const n of closure.notes) {
      if (n.kind !== 'computed-unresolved' && n.kind !== 'missing') continue;
      const k = `${n.file}:${n.line}:${n.message}`;
      let w = seen.get(k);
      if (w === undefined) {
        w = { index: warnings.push({ severity: 'warning', message: n.message, location: { file: n.file, line: n.line, column: n.column } }) - 1, whole: false };
        seen.set(k, w);
      }
      const t = config.targets.get(job.target);
      const whole = n.kind === 'missing' && t !== undefined && !w.whole ? wholeFlagsOf(config, t, job.tu, job.variant) : undefined;
      if (whole !== undefined) {
        w.whole = true;
        const at = whole === 'the compile database' ? 'its command in the compile database' : `"${whole}"`;
        const first = warnings[w.index] as Diagnostic;
        warnings[w.index] = { ...first, message: `${first.message} (${job.tu} of target ${job.target} takes its flags whole from ${at}: add the folder there, as -I)` };
      }
    }
  }
  return { closures, cacheKeys, warnings };
}

