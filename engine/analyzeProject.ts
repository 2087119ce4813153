/**
 * analyzeProject: the stages `build` and `deps` share — the toolchain probe
 * and the include analysis of every TU — run against the project's memo.
 *
 * It writes the scan cache back; the stat cache stays open in the returned
 * hasher, because `build` goes on hashing (fingerprints) and flushes it once.
 */
import { analyzeTargets, ScanCache } from '../analyzers/analyzeTargets.js';
import type { Analysis } from '../analyzers/analyzeTargets.js';
import { FileHasher } from '../cache/FileHasher.js';
import type { MemoStore } from '../cache/Memo.js';
import type { Config } from '../config/Config.js';
import type { SourceLists } from '../config/expandSources.js';
import { probeToolchain } from '../toolchain/probeToolchain.js';
import type { Toolchain } from '../toolchain/Toolchain.js';

export interface ProjectAnalysis {
  readonly hasher: FileHasher;
  readonly toolchain: Toolchain;
  readonly analysis: Analysis;
}

export function analyzeProject(config: Config, sources: SourceLists, memo: MemoStore): ProjectAnalysis {
  const hasher = new FileHasher(memo);
  const scans = new ScanCache(memo, hasher);
  const toolchain = probeToolchain(config.toolchain, memo, hasher);
  const analysis = analyzeTargets(config, sources, toolchain, scans);
  scans.flush();
  return { hasher, toolchain, analysis };
}
