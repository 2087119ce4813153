/**
 * analyzeProject: the stages `build` and `deps` share — the toolchain probe
 * and the include analysis of every TU — run against the project's memo.
 *
 * It writes the scan cache back; the stat cache stays open in the returned
 * hasher, because `build` goes on hashing (fingerprints) and flushes it once.
 * Given a sink, it says how far a long analysis is (`analysis-progress`, at
 * most every 100 ms). Generators' outputs built so far are files of the
 * project for it (read and hashed where they are, in the store); those not
 * built yet resolve, empty.
 */
import { analyzeTargets, ScanCache } from '../analyzers/analyzeTargets.js';
import { ClosureCache } from '../analyzers/ClosureCache.js';
import type { TrustedClosures } from '../analyzers/ClosureCache.js';
import type { TuClosure } from '../analyzers/includeClosure.js';
import type { Analysis, ClosureReady } from '../analyzers/analyzeTargets.js';
import os from 'node:os';
import path from 'node:path';
import { FileHasher } from '../cache/FileHasher.js';
import type { MemoStore } from '../cache/Memo.js';
import type { Config } from '../config/Config.js';
import type { SourceLists } from '../config/expandSources.js';
import { resolveToolchain } from '../toolchain/resolveToolchain.js';
import type { Toolchain } from '../toolchain/Toolchain.js';
import type { EventSink } from './events.js';

/** What the analysis knows before the first closure: enough to fingerprint an object. */
export type KnownEarly = Pick<ProjectAnalysis, 'hasher' | 'toolchain' | 'closureDigest'>;

/** With fewer changed files than this since the baseline, the stat cache reads its records one by one (one SELECT each). */
const LAZY_RECORDS_BELOW = 256;

/** The least time between two `analysis-progress` events. */
const PROGRESS_MS = 100;

export interface ProjectAnalysis {
  readonly hasher: FileHasher;
  readonly toolchain: Toolchain;
  readonly analysis: Analysis;
  /** Files whose scan was not in the memo and were parsed by this run. */
  readonly scanned: number;
  /** Distinct files (TUs and headers) whose scans were used. */
  readonly files: number;
  /** TUs whose closure was reused from the last run without a walk. */
  readonly cached: number;
  /** Of those, the closures the baseline vouched for, unhashed; undefined without a baseline. */
  readonly vouched: number | undefined;
  /** closureDigest of a closure of this analysis, computed once (see ClosureCache). */
  readonly closureDigest: (c: TuClosure) => string;
  readonly seconds: number;
}

/** Threads for a cold scan: every core, or NIXMAKE_SCAN_THREADS (1 scans in the main thread only). */
export function scanThreads(): number {
  const n = Number.parseInt(process.env['NIXMAKE_SCAN_THREADS'] ?? '', 10);
  return Number.isInteger(n) && n > 0 ? n : os.availableParallelism();
}

/**
 * `offline`: never contact the daemon (`--dry-run`, `deps`): a toolchain not imported yet is then
 * analysed in place, and its nodes are planned as new.
 */
export async function analyzeProject(
  config: Config,
  sources: SourceLists,
  memo: MemoStore,
  offline = false,
  emit?: EventSink,
  /** Generators' outputs built so far: project-relative path → the file in the store. */
  generated: ReadonlyMap<string, string> = new Map(),
  /** Generators' outputs not built yet: found where they will be, with no content (so a closure names them, and the caller sees it). */
  unbuilt: readonly string[] = [],
  /** Hears closures as they become known, with what this analysis knows by then (see ClosureListener). */
  listener?: { onClosures(batch: readonly ClosureReady[], known: KnownEarly): void; cost(key: string, tu: string): number; onNewContent?(): void },
  /** What the last silent, successful build verified (engine/Baseline): stored closures it vouches for are not hashed again. */
  trusted?: TrustedClosures,
): Promise<ProjectAnalysis> {
  const t0 = performance.now();
  // Progress at most every PROGRESS_MS: a big tree is walked in one synchronous loop.
  let last = t0;
  const onProgress = (stage: 'scan' | 'walk', done: number, total: number): void => {
    const now = performance.now();
    if (!emit || now - last < PROGRESS_MS) return;
    last = now;
    emit({ event: 'analysis-progress', stage, done, total });
  };
  // With a baseline after an edit, few files are hashed: their records are read as asked. A file the baseline found
  // unchanged is taken as it was: one that changed since stops the build.
  const hasher = new FileHasher(memo, undefined, { lazy: trusted !== undefined && (trusted.changedCount ?? Infinity) < LAZY_RECORDS_BELOW, checked: trusted?.checkedStat?.bind(trusted), onNewContent: listener?.onNewContent });
  // An unbuilt output is redirected to no file: it resolves, but has no hash and no directives.
  const redirects = new Map([...unbuilt.map((rel) => [rel, ''] as const), ...generated].map(([rel, file]) => [path.join(config.root, rel), file]));
  for (const [from, to] of redirects) hasher.redirect(from, to);
  const scans = new ScanCache(memo, hasher, scanThreads(), redirects);
  const toolchain = await resolveToolchain(config.toolchain, memo, hasher, path.join(config.root, '.nixmake'), config.hostPackages, offline);
  const closures = new ClosureCache(memo, memo, hasher, config.root, Date.now, process.env['NIXMAKE_NO_CLOSURE_CACHE'] !== '1', trusted);
  const known: KnownEarly = { hasher, toolchain, closureDigest: (c: TuClosure): string => closures.digestOf(c) };
  const analysis = await analyzeTargets(config, sources, toolchain, scans, closures, onProgress, redirects, listener && { onClosures: (batch) => listener.onClosures(batch, known), cost: listener.cost });
  scans.flush();
  closures.flush();
  return { ...known, analysis, scanned: scans.scanned, files: scans.files, cached: closures.hits, vouched: trusted === undefined ? undefined : closures.vouched, seconds: (performance.now() - t0) / 1000 };
}
