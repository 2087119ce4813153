/**
 * build: the pipeline, top to bottom —
 *   config → sources → toolchain → include analysis → graph → fingerprints
 *   → plan → execute → record
 * — each stage handing one object to the next (buildRound runs those from
 * the analysis on). Stages return diagnostics; this function emits them
 * and turns them into an exit code (0, 1, 130). A project with generators
 * takes more rounds: the generators (and the targets whose programs they
 * run), as many rounds as tools reading generated headers need, then
 * everything, analysed with the generators' outputs.
 *
 * With nothing to build it never contacts Nix: it stats files, reads the
 * memo and checks that the memoised store paths still exist.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { openMemo } from '../cache/openMemo.js';
import { ProjectLock } from '../cache/ProjectLock.js';
import { InterruptedError } from '../core/EnvironmentError.js';
import { environmentFault, faultDiagnostic } from './faults.js';
import type { SqliteMemo } from '../cache/Memo.js';
import type { Config } from '../config/Config.js';
import { expandSources } from '../config/expandSources.js';
import type { SourceLists } from '../config/expandSources.js';
import { expandGeneratorInputs } from '../config/expandGeneratorInputs.js';
import { loadConfig } from '../config/loadConfig.js';
import type { NixStore } from '../store/NixStore.js';
import { NixCommandError, StoreUnavailableError } from '../store/NixStore.js';
import { UserError } from '../core/Diagnostic.js';
import type { Diagnostic } from '../core/Diagnostic.js';
import type { EventSink, PhaseSeconds } from './events.js';
import { BuildLogs } from './buildLogs.js';
import { nothingExecuted } from './execute.js';
import { buildRound, generatedFiles } from './buildRound.js';
import type { RoundResult } from './buildRound.js';
import { ProjectFiles } from './ProjectFiles.js';
import { makeNoopStamp, ownFiles, removeNoopStamp, rootRecord, stampFiles, writeNoopStamp } from './noopStamp.js';
import type { RootRecord, StampFiles } from './noopStamp.js';
import { BASELINE_META, baselineApplies, closureTable, readBaseline, writeBaseline } from './Baseline.js';
import type { Baseline, BaselineClosures, BaselineRecord } from './Baseline.js';
import { toolchainFiles } from '../toolchain/resolveToolchain.js';
import { CONFIG_FILE } from '../config/Config.js';
import { selectTargets } from './selectTargets.js';

export { selectTargets };

export interface BuildOptions {
  readonly root: string;
  readonly jobs: number;
  readonly keepGoing: boolean;
  /** Empty: every target. */
  readonly targets: readonly string[];
  readonly dryRun: boolean;
  readonly signal: AbortSignal;
  /**
   * Stop after the generators' rounds (the generators and the programs they run, nothing else; no
   * pruning, no no-op stamp): what `nixmake export` needs to analyse TUs that read generated files.
   */
  readonly generatorsOnly?: boolean;
}

export interface BuildDeps {
  readonly emit: EventSink;
  readonly store: (config: Config, files: ProjectFiles) => NixStore;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_INTERRUPTED = 130;

async function runBuild(opts: BuildOptions, deps: BuildDeps): Promise<number> {
  const t0 = performance.now();
  const startedMs = Date.now();
  // Whether anything was said: a no-op stamp is written only for a build a no-op would repeat silently.
  let said = false;
  const emit: EventSink = (e) => {
    if (e.event === 'diagnostic') said = true;
    deps.emit(e);
  };
  const diag = (d: Diagnostic): void => emit({ event: 'diagnostic', diagnostic: d });
  let analysisSeconds = 0;
  const summary = (s: {
    generators_built?: number;
    objects_built?: number;
    links_built?: number;
    cut_off?: number;
    substituted?: number;
    built_remotely?: number;
    up_to_date?: number;
    failed?: number;
    submitted?: number;
    phases?: Omit<PhaseSeconds, 'analysis'>;
  }): void =>
    emit({
      event: 'summary',
      ...(s.generators_built === undefined ? {} : { generators_built: s.generators_built }),
      objects_built: s.objects_built ?? 0,
      links_built: s.links_built ?? 0,
      cut_off: s.cut_off ?? 0,
      substituted: s.substituted ?? 0,
      ...(s.built_remotely ? { built_remotely: s.built_remotely } : {}),
      up_to_date: s.up_to_date ?? 0,
      failed: s.failed ?? 0,
      submitted: s.submitted ?? 0,
      seconds: Math.round((performance.now() - t0)) / 1000,
      phases: roundPhases({ analysis: analysisSeconds, inputs: 0, derivations: 0, queued: 0, building: 0, running: 0, ...s.phases }),
    });

  const config = loadConfig(opts.root, (d) => emit({ event: 'diagnostic', diagnostic: d }));
  if (!config) return EXIT_FAILURE;
  const selected = selectTargets(config, opts.targets);
  const scoped = selected.config;
  const listedDirs = new Set<string>();
  const sources = expandSources(scoped, listedDirs);
  const generatorInputs = expandGeneratorInputs(scoped, listedDirs);
  const early = [...selected.errors, ...(sources.ok ? [] : sources.errors), ...(generatorInputs.ok ? [] : generatorInputs.errors)];
  if (early.length > 0 || !sources.ok || !generatorInputs.ok) {
    early.forEach(diag);
    return EXIT_FAILURE;
  }

  const files = new ProjectFiles(config.root);
  // Things of the user's in the way of nixmake's own files: said before anything is built, never deleted.
  files.ensureStateDir();
  const blocked = [...scoped.targets.keys()].flatMap((t) => files.resultLinkBlocked(t) ?? []);
  if (blocked.length > 0) {
    for (const b of blocked) diag(faultDiagnostic(b, config.root));
    return EXIT_FAILURE;
  }
  const lock = new ProjectLock(path.join(files.stateDir, 'lock'));
  await lock.acquire((pid) => diag({ severity: 'warning', message: `waiting for another nixmake (pid ${pid}) working on this project` }), opts.signal);
  let memo: SqliteMemo;
  let baseline: Baseline | undefined;
  try {
    // What the last silent, successful build verified, read before its stamp goes: what changed since (an edit).
    baseline = baselineApplies(scoped.generators.size) ? readBaseline(config.root, opts.targets, files.stateDir, files.rootsDir) : undefined;
    // From here on the outcome may differ from the last build's: the no-op stamp is void until this one succeeds.
    if (!opts.dryRun) removeNoopStamp(files.stateDir);
    memo = openMemo(files.memoFile, diag);
    // The baseline speaks for the memo it was written with: one set aside, replaced or rolled back since has another mark.
    if (baseline && memo.getMeta(BASELINE_META) !== baseline.nonce) baseline = undefined;
  } catch (err) {
    lock.release();
    throw err;
  }
  try {
    let store: NixStore | undefined;
    const theStore = (): NixStore => (store ??= deps.store(config, files));
    const rounds: RoundResult[] = [];
    let rootBefore: RootRecord | undefined;
    const totals = nothingExecuted();
    const add = (x: RoundResult): void => {
      rounds.push(x);
      analysisSeconds += x.seconds;
      const e = x.executed;
      totals.generatorsBuilt += e.generatorsBuilt;
      totals.objectsBuilt += e.objectsBuilt;
      totals.linksBuilt += e.linksBuilt;
      totals.cutOff += e.cutOff;
      totals.substituted += e.substituted;
      totals.builtRemotely += e.builtRemotely;
      totals.failed += e.failed;
      totals.submitted += e.submitted;
      totals.interrupted ||= e.interrupted;
      for (const k of Object.keys(totals.phases) as (keyof typeof totals.phases)[]) totals.phases[k] += e.phases[k];
    };
    const finalSummary = (): void =>
      summary({
        ...(config.generators.size > 0 ? { generators_built: totals.generatorsBuilt } : {}),
        objects_built: totals.objectsBuilt,
        links_built: totals.linksBuilt,
        cut_off: totals.cutOff,
        substituted: totals.substituted,
        built_remotely: totals.builtRemotely,
        up_to_date: rounds.at(-1)?.plan.upToDate.length ?? 0,
        failed: totals.failed,
        submitted: totals.submitted,
        phases: totals.phases,
      });
    const allOutputs = [...scoped.generators.values()].flatMap((g) => g.outputs);
    const settingsFiles = [path.join(config.root, CONFIG_FILE), ...(config.compileCommands === undefined ? [] : [path.resolve(config.root, config.compileCommands)])];
    /** What the stamp records of rounds `rs`: the files and folders their outcome depended on. */
    const stampInputs = (rs: readonly PlannedRound[]): { files: string[]; dirs: string[] } => ({
      files: [
        ...settingsFiles,
        // Everything fingerprinted was hashed, in every round: every TU and header of every closure (project
        // and system, through the closure digests), link inputs, generators' inputs and outputs, templates.
        ...rs.flatMap((x) => x.hasher.hashedPaths()),
        ...toolchainFiles(config.toolchain, config.hostPackages, files.stateDir),
        ...ownFiles(),
      ],
      dirs: [...listedDirs, ...new Set(rs.flatMap((x) => [...x.analysis.closures.values()].flatMap((c) => c.probedDirs)))],
    });
    // The stamp's stats and the baseline's closures, made while the last round's nodes build (this thread waits
    // for the daemon then), and taken at the end if no round hashed another file since.
    let early: EarlyTail | undefined;
    let preparing: NodeJS.Immediate | undefined;
    const prepareTail = (x: PlannedRound): void => {
      const rs = [...rounds, x];
      const inputs = stampInputs(rs);
      const stamp = stampFiles({ root: config.root, ...inputs, startedMs, known: baseline?.changes });
      const closures = baselineApplies(scoped.generators.size) ? closureTable(x.analysis.closures, x.analysis.cacheKeys, baseline) : undefined;
      early = { paths: rs.map((r) => r.hasher.paths), inputs, stamp, digests: baselineDigests(rs), closures };
    };
    const round = (cfg: Config, srcs: SourceLists, generated: ReadonlyMap<string, string>, generatorsRound = false, onPlanned?: (x: PlannedRound) => void): Promise<RoundResult> =>
      buildRound({ config: cfg, sources: srcs, generatorInputs: generatorInputs.value, generated, unbuilt: allOutputs.filter((o) => !generated.has(o)), generatorsRound, memo, files, dryRun: opts.dryRun, jobs: opts.jobs, keepGoing: opts.keepGoing, signal: opts.signal, emit, store: theStore, baseline, onPlanned });
    let last: RoundResult;
    try {
      let generated = new Map<string, string>();
      // Generators' rounds: each builds the generators whose programs (tools) can be built with the
      // outputs made so far; a tool that reads a generated header waits for the round after its generator's.
      const tools = [...new Set([...scoped.generators.values()].flatMap((g) => g.tools))];
      const toolConfig = tools.length === 0 ? { ...scoped, targets: new Map() } : selectTargets(scoped, tools).config;
      const toolSources = new Map([...sources.value].filter(([t]) => toolConfig.targets.has(t)));
      while ([...scoped.generators.values()].some((g) => g.outputs.some((o) => !generated.has(o)))) {
        const x = await round(toolConfig, toolSources, generated, true);
        add(x);
        if (x.blocked) {
          finalSummary();
          return EXIT_FAILURE;
        }
        const made = generatedFiles(x, memo);
        if (totals.interrupted || opts.signal.aborted) {
          finalSummary();
          return EXIT_INTERRUPTED;
        }
        if (made.missing.length > 0) {
          if (!opts.dryRun) diag({ severity: 'error', message: `not built, so the targets were not analysed: generator${made.missing.length === 1 ? '' : 's'} ${made.missing.join(', ')}` });
          finalSummary();
          return opts.dryRun ? EXIT_OK : EXIT_FAILURE;
        }
        generated = new Map([...generated, ...made.files]);
      }
      if (opts.generatorsOnly === true) {
        finalSummary();
        return totals.failed > 0 ? EXIT_FAILURE : EXIT_OK;
      }
      last = await round(scoped, sources.value, generated, false, (x) => {
        preparing = setImmediate(() => {
          preparing = undefined;
          try {
            prepareTail(x);
          } catch {
            early = undefined; // made at the end instead, where a fault is reported
          }
        });
      });
      add(last);
    } finally {
      // A round done before its tail was prepared (nothing to build): the tail is made at the end, not after it.
      if (preparing !== undefined) clearImmediate(preparing);
      store?.close();
      // The project root as it was before nixmake points its result links (noopStamp's rootRecord), then the links.
      // Links that stay as they are leave the root alone: the stamp then stats it as any folder.
      if (files.resultLinksMove) rootBefore = rootRecord(config.root, startedMs);
      for (const l of files.writeResultLinks()) emit({ event: 'result-link', ...l });
    }
    const r = totals;
    const graph = last.graph;
    if (opts.dryRun) {
      summary({ up_to_date: last.plan.upToDate.length });
      return EXIT_OK;
    }
    if (opts.targets.length === 0 && !r.interrupted) {
      const keep = new Set<string>([...graph.generators.keys(), ...graph.objects.keys(), ...graph.links.keys()]);
      // The roots and logs as the last silent build pruned them, every node it kept kept again: nothing to prune.
      if (baseline?.prunedWithin(keep) !== true) {
        files.pruneRoots(keep);
        new BuildLogs(files.logsDir).prune(keep);
      }
    }
    finalSummary();
    if (r.interrupted || opts.signal.aborted) return EXIT_INTERRUPTED;
    if (r.failed > 0) return EXIT_FAILURE;
    const analysis = last.analysis;
    if (!said && ![...analysis.closures.values()].some((c) => c.unresolvedComputed)) {
      const nonce = randomUUID();
      const prepared = early !== undefined && early.paths.length === rounds.length && rounds.every((x, i) => x.hasher.paths === early?.paths[i]) ? early : undefined;
      const stamp = makeNoopStamp(
        {
          root: config.root,
          targets: opts.targets,
          ...(prepared?.inputs ?? stampInputs(rounds)),
          ownDirs: [files.rootsDir],
          links: new Map([...graph.links.values()].map((l) => [files.resultLink(l.target), files.readLink(files.resultLink(l.target)) ?? ''])),
          report: { tus: analysis.closures.size, files: 0, upToDate: graph.generators.size + graph.objects.size + graph.links.size },
          startedMs,
          nonce,
          known: baseline?.changes,
          rootBefore,
        },
        process.env,
        prepared?.stamp,
      );
      // The memo's mark and the baseline, then the stamp that names them (a baseline is taken only with both).
      if (stamp && baselineApplies(scoped.generators.size)) {
        memo.setMeta(BASELINE_META, nonce);
        const closures = prepared ? prepared.closures : closureTable(last.analysis.closures, last.analysis.cacheKeys, baseline);
        writeBaseline(files.stateDir, {
          nonce,
          digests: prepared?.digests ?? baselineDigests(rounds),
          nodes: baselineNodes(last, memo),
          context: last.fingerprintContext,
          settingsFiles,
          ...(closures ? { closures } : {}),
        });
      }
      if (stamp) writeNoopStamp(files.stateDir, stamp);
    }
    return EXIT_OK;
  } catch (err) {
    if (opts.signal.aborted) return EXIT_INTERRUPTED;
    if (err instanceof StoreUnavailableError || err instanceof NixCommandError || err instanceof UserError) {
      diag({ severity: 'error', message: err.message });
      return EXIT_FAILURE;
    }
    throw err;
  } finally {
    try {
      memo.close();
    } catch {
      // the error that brought us here matters more
    }
    lock.release();
  }
}

/**
 * The build, with every fault of the environment (a file nixmake may not
 * read, a folder it may not write, a full disk, a memo another program
 * holds, something in the way of `.nixmake`) as an error diagnostic naming
 * the path, and exit 1; Ctrl-C while waiting is 130. Anything else is a bug
 * and is rethrown.
 */
export async function build(opts: BuildOptions, deps: BuildDeps): Promise<number> {
  try {
    return await runBuild(opts, deps);
  } catch (err) {
    if (err instanceof InterruptedError || opts.signal.aborted) return EXIT_INTERRUPTED;
    const fault = environmentFault(err, opts.root);
    if (!fault) throw err;
    deps.emit({ event: 'diagnostic', diagnostic: faultDiagnostic(fault, opts.root) });
    return EXIT_FAILURE;
  }
}

/** A round as its plan left it (buildRound's onPlanned): all but what was executed. */
type PlannedRound = Omit<RoundResult, 'executed'>;

/** What the stamp and the baseline take from the last round, made while its nodes build (see prepareTail). */
interface EarlyTail {
  /** Each round's hasher.paths then (one per round): the stamp's files are the same while these are. */
  readonly paths: readonly number[];
  readonly inputs: { readonly files: readonly string[]; readonly dirs: readonly string[] };
  readonly stamp: StampFiles | undefined;
  readonly digests: Record<string, string>;
  readonly closures: BaselineClosures | undefined;
}

/** What the next build may take as verified (engine/Baseline): every object's closure digest. */
function baselineDigests(rounds: readonly PlannedRound[]): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const x of rounds) for (const [key, closure] of x.analysis.closures) digests[key] = x.closureDigest(closure);
  return digests;
}

/**
 * Every node's store paths: a node up to date has the record its plan
 * found; one built (or cut off) was recorded under its fingerprint: a
 * lookup each, not a read of every node in the memo.
 */
function baselineNodes(last: RoundResult, memo: Pick<SqliteMemo, 'getNode'>): BaselineRecord['nodes'] {
  const nodes: Record<string, [string, string, string, string, string]> = {};
  for (const u of last.plan.upToDate) nodes[u.node.key] = [u.fp.fingerprint, u.record.drv, u.record.out, u.record.drvHash, u.record.narHash];
  for (const p of last.plan.build) {
    const rec = memo.getNode(p.fp.fingerprint);
    if (rec) nodes[p.node.key] = [p.fp.fingerprint, rec.drv, rec.out, rec.drvHash, rec.narHash];
  }
  return nodes;
}

function roundPhases(p: PhaseSeconds): PhaseSeconds {
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return { analysis: r(p.analysis), inputs: r(p.inputs), derivations: r(p.derivations), queued: r(p.queued), building: r(p.building), running: r(p.running) };
}
