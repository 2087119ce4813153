/**
 * buildRound: one round of the pipeline — include analysis → graph →
 * fingerprints → plan → (bookkeeping of up-to-date nodes, execute) — over
 * a config's selected targets and its generators. `build` runs one round,
 * or more in a project with generators: generators' rounds (the programs
 * generators run, and the generators that can run; a tool reading a
 * generated header waits for the round after its generator's), then
 * everything, with the generators' outputs as files of the project for the
 * analysis (they are not on disk; their files in the store are read and
 * hashed instead).
 *
 * It emits the round's `analysis`, `plan` and node events; the summary,
 * the no-op stamp and the pruning of roots are `build`'s.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileHasher } from '../cache/FileHasher.js';
import { sha256 } from '../cache/hashes.js';
import type { SqliteMemo } from '../cache/Memo.js';
import type { Config } from '../config/Config.js';
import type { SourceLists } from '../config/expandSources.js';
import type { GeneratorInputs } from '../config/expandGeneratorInputs.js';
import type { NixStore } from '../store/NixStore.js';
import type { Analysis, ClosureReady } from '../analyzers/analyzeTargets.js';
import type { TuClosure } from '../analyzers/includeClosure.js';
import type { Fingerprint } from '../cache/hashes.js';
import type { Toolchain } from '../toolchain/Toolchain.js';
import { TEMPLATES_DIR } from './builderHelper.js';
import { DERIVATION_LAYOUT } from './derivations.js';
import { buildGraph, objectNode, outputWriters } from './BuildGraph.js';
import type { BuildGraph, GenerateNode, ObjectNode } from './BuildGraph.js';
import { linkKey } from '../core/nodeKeys.js';
import { analyzeProject } from './analyzeProject.js';
import type { KnownEarly } from './analyzeProject.js';
import type { Baseline } from './Baseline.js';
import type { EventSink } from './events.js';
import { BuildLogs, keepingHistory } from './buildLogs.js';
import { executor, keepRoot, labelOf, nothingExecuted } from './execute.js';
import type { ExecuteResult, Executor } from './execute.js';
import { fingerprintGraph } from './fingerprint.js';
import type { FingerprintContext, Fingerprinted } from './fingerprint.js';
import { plan as makePlan } from './plan.js';
import type { Plan, PlannedNode, UpToDateNode } from './plan.js';
import type { ProjectFiles } from './ProjectFiles.js';
import { longestFirst, SOURCE_BYTES_PER_SECOND } from './slotOrder.js';

/** A source's size in bytes; 0 when it cannot be read (its node fails later, saying why). */
function sourceSize(root: string, rel: string): number {
  try {
    return fs.statSync(path.join(root, rel)).size;
  } catch {
    return 0;
  }
}

export interface RoundInputs {
  readonly config: Config;
  readonly sources: SourceLists;
  readonly generatorInputs: ReadonlyMap<string, GeneratorInputs>;
  /** Generators' outputs built so far: project-relative path → the file in the store. */
  readonly generated: ReadonlyMap<string, string>;
  /** Generators' outputs not built yet (every one in the first round): resolved, empty. */
  readonly unbuilt: readonly string[];
  /**
   * A generators' round: only the targets whose TUs read no unbuilt output
   * (and the libraries they link) are built, with the generators all of
   * whose tools and input generators are built here; an unbuilt output read
   * in the final round, or a generators' round that can run no pending
   * generator, stops the round with an error naming the TU.
   */
  readonly generatorsRound: boolean;
  readonly memo: SqliteMemo;
  readonly files: ProjectFiles;
  readonly dryRun: boolean;
  readonly jobs: number;
  readonly keepGoing: boolean;
  readonly signal: AbortSignal;
  readonly emit: EventSink;
  readonly store: () => NixStore;
  /** Hears the round once its plan is made, before anything of it is built (not in a dry run): what it will return, but `executed`. */
  readonly onPlanned?: ((round: Omit<RoundResult, 'executed'>) => void) | undefined;
  /** What the last silent, successful build verified, if there was one for this selection (an edit since). */
  readonly baseline?: Baseline | undefined;
}

export interface RoundResult {
  readonly hasher: FileHasher;
  /** closureDigest of a closure of this round's analysis. */
  readonly closureDigest: (c: TuClosure) => string;
  /** What every object fingerprint of the round shares beyond its config (contextId). */
  readonly fingerprintContext: string;
  readonly toolchain: Toolchain;
  readonly analysis: Analysis;
  readonly graph: BuildGraph;
  readonly fps: ReadonlyMap<string, Fingerprinted>;
  readonly plan: Plan;
  readonly executed: ExecuteResult;
  readonly seconds: number;
  /** Objects read outputs of generators not built yet: errors were said, nothing was built. */
  readonly blocked: boolean;
}

/** The toolchain, templates and platform every object fingerprint covers, as one string (Baseline.objectFingerprint). */
function contextId(c: Pick<FingerprintContext, 'toolchainId' | 'templateHash' | 'platform'>): string {
  return JSON.stringify([c.toolchainId, c.templateHash, c.platform]);
}

function templateHash(hasher: FileHasher): string {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(`${path.relative(TEMPLATES_DIR, p)}:${hasher.hash(p) ?? ''}`);
    }
  };
  walk(TEMPLATES_DIR);
  files.push(`layout:${DERIVATION_LAYOUT}`);
  return sha256(files.join('\n'));
}

/** Whether objects may start while the analysis goes on (see buildRound). */
function overlaps(r: RoundInputs): boolean {
  // The test hook below holds the window between hashing and storing open: nothing may be stored before it.
  return process.env['NIXMAKE_NO_OVERLAP'] !== '1' && !r.dryRun && !r.generatorsRound && Number(process.env['NIXMAKE_TEST_PAUSE_AFTER_ANALYSIS_MS'] ?? 0) <= 0;
}

/**
 * Analysis and builds overlap: as the walk hands closures over, the objects
 * among them that read no generator's output are fingerprinted and planned
 * on their own (a graph of those objects alone: an object's fingerprint
 * needs nothing but its closure), and those to build start at once; the
 * round's plan keeps them as they were planned (plan's `decided`), and the
 * executor holds their events until it is said.
 */
export async function buildRound(r: RoundInputs): Promise<RoundResult> {
  const { config, memo, files, emit } = r;
  const diag = (d: Parameters<EventSink>[0] & { event: 'diagnostic' }): void => emit(d);
  let exec: Executor | undefined;
  let templateHashOnce: string | undefined;
  const fingerprintContext = (k: { hasher: FileHasher; toolchain: Toolchain; closureDigest: (c: TuClosure) => string }): FingerprintContext => {
    const ctx = { toolchainId: k.toolchain.id, templateHash: (templateHashOnce ??= templateHash(k.hasher)), platform: k.toolchain.system };
    const id = contextId(ctx);
    const b = r.baseline;
    return {
      ...ctx,
      hashOf: (p) => k.hasher.hash(p),
      hashOfRel: (rel) => k.hasher.hashRel(config.root, rel),
      closureDigest: k.closureDigest,
      ...(b ? { knownObjectFingerprint: (key: string, digest: string) => b.objectFingerprint(key, digest, id) } : {}),
    };
  };
  const planIo = {
    getNode: (fp: Fingerprint) => memo.getNode(fp),
    getCurrent: (k: string) => memo.getCurrent(k),
    // A node's output or derivation at the last stamp, still GC-rooted, is there (Baseline.kept).
    storePathExists: (p: string) => r.baseline?.kept(p) === true || fs.existsSync(p),
    ...(r.baseline ? { vouched: (key: string, fp: Fingerprint) => r.baseline?.upToDate(key, fp) } : {}),
  };
  const durations = memo.loadDurations();
  // Longest compile first: what it took last time, or a guess from the source's size.
  const expected = (o: Pick<ObjectNode, 'key' | 'tu'>): number => durations.get(o.key) ?? sourceSize(config.root, o.tu) / SOURCE_BYTES_PER_SECOND;
  const executorFor = (k: { hasher: FileHasher; toolchain: Toolchain }): Executor => {
    if (exec) return exec;
    // A memo another program holds, or this user cannot write, fails here rather than after the first node is built.
    memo.checkWritable();
    const logs = new BuildLogs(files.logsDir);
    return (exec = executor(
      { store: r.store(), memo, files, toolchain: k.toolchain, emit: keepingHistory(emit, logs, memo), hashOfRel: (rel) => k.hasher.hashRel(config.root, rel), externalDirs: config.externalDirs, rootsTrusted: r.baseline?.rootsKept === true },
      { jobs: r.jobs, keepGoing: r.keepGoing, signal: r.signal },
    ));
  };
  const writers = outputWriters(config);
  // What the overlap made of each object, reused by the round's own graph, fingerprints and plan.
  const earlyNodes = new Map<string, ObjectNode>();
  const earlyFps = new Map<string, Fingerprinted>();
  const earlyPlan = new Map<string, PlannedNode | UpToDateNode>();
  const startEarly = (batch: readonly ClosureReady[], known: KnownEarly): void => {
    const objects = new Map<string, ObjectNode>();
    for (const c of batch) {
      const t = config.targets.get(c.target);
      if (t) objects.set(c.key, objectNode(config, t, c.tu, c.closure, writers, c.variant));
    }
    const part = { generators: new Map(), objects, links: new Map(), targetOrder: [] };
    const fps = fingerprintGraph(part, fingerprintContext(known));
    const planned = makePlan(part, fps, planIo);
    for (const [k, o] of objects) earlyNodes.set(k, o);
    for (const [k, f] of fps) earlyFps.set(k, f);
    for (const u of planned.upToDate) earlyPlan.set(u.node.key, u);
    for (const p of planned.build) earlyPlan.set(p.node.key, p);
    // Those that read a generator's output wait for the plan, like everything after them.
    const now = planned.build.filter((p) => p.node.kind === 'object' && p.node.generated.size === 0);
    if (now.length === 0 || r.signal.aborted) return;
    const x = executorFor(known);
    for (const item of longestFirst(now, expected)) x.startEarly(item as PlannedNode & { node: ObjectNode });
  };
  try {
    const { hasher, toolchain, analysis, scanned, files: scanFiles, cached, vouched, seconds, closureDigest } = await analyzeProject(config, r.sources, memo, r.dryRun, emit, r.generated, r.unbuilt, overlaps(r) ? { onClosures: startEarly, cost: (key, tu) => expected({ key, tu }), onNewContent: () => r.store().warm?.() } : undefined, r.baseline);
    emit({ event: 'analysis', tus: analysis.closures.size, cached, files: scanFiles, scanned, seconds: Math.round(seconds * 1000) / 1000, ...(vouched === undefined ? {} : { baseline: vouched }) });
    // A header not found is a warning: the sandboxed compile of the TUs concerned gives the verdict (and -k builds the rest).
    for (const w of analysis.warnings) diag({ event: 'diagnostic', diagnostic: w });
    const whole = buildGraph(config, r.sources, analysis.closures, r.generatorInputs, earlyNodes);
    const reads = [...whole.objects.values()].flatMap((o) => [...o.generated].filter(([rel]) => !r.generated.has(rel)).map(([rel, gen]) => ({ o, rel, gen })));
    const graph = r.generatorsRound ? readyPart(whole, new Set(reads.map((x) => x.o.target))) : whole;
    // No progress possible: the TUs that wait for a generator which waits for them.
    const stuck = r.generatorsRound ? ([...graph.generators.values()].some((g) => g.outputs.some((o) => !r.generated.has(o))) ? [] : reads) : reads;
    const blocking = stuck.map(({ o, rel, gen }) => ({
      severity: 'error' as const,
      message:
        `${o.tu} (target ${o.target}) reads ${rel}, an output of generator ${whole.generators.get(gen)?.generator ?? gen}, ` +
        `which cannot run before ${o.target} is built (it runs ${o.target}, or a program that needs it)`,
    }));
    if (blocking.length > 0) {
      await exec?.drain();
      hasher.flush();
      for (const d of blocking) diag({ event: 'diagnostic', diagnostic: d });
      return { hasher, closureDigest, toolchain, analysis, graph, fps: new Map(), plan: { build: [], upToDate: [] }, executed: nothingExecuted(), seconds, blocked: true, fingerprintContext: '' };
    }
    const fpContext = fingerprintContext({ hasher, toolchain, closureDigest });
    const fps = fingerprintGraph(graph, fpContext, earlyFps);
    const planned = makePlan(graph, fps, planIo, earlyPlan);
    hasher.flush();
    const thePlan: Plan = { ...planned, build: longestFirst(planned.build, expected) };

    emit({ event: 'plan', to_build: thePlan.build.length, up_to_date: thePlan.upToDate.length, dry_run: r.dryRun });
    for (const p of thePlan.build) {
      const seconds = durations.get(p.node.key);
      emit({ event: 'node-planned', node: p.node.key, kind: p.node.kind, label: labelOf(p.node), reason: p.reason, ...(seconds === undefined ? {} : { expected_seconds: seconds }) });
    }
    const round: Omit<RoundResult, 'executed'> = { hasher, closureDigest, toolchain, analysis, graph, fps, plan: thePlan, seconds, blocked: false, fingerprintContext: contextId(fpContext) };
    const done = (executed: ExecuteResult): RoundResult => ({ ...round, executed });
    if (r.dryRun) return done(nothingExecuted());
    r.onPlanned?.(round);
    // A test hook: the window between hashing the inputs and storing them, where an edit must not go unnoticed.
    const pause = Number(process.env['NIXMAKE_TEST_PAUSE_AFTER_ANALYSIS_MS'] ?? 0);
    if (pause > 0) await new Promise((res) => setTimeout(res, pause));

    const x = thePlan.build.length > 0 ? executorFor({ hasher, toolchain }) : undefined;
    // Up-to-date nodes: keep their bookkeeping true without building anything,
    // in the order of writes execute keeps (GC roots, memo, result link).
    for (const u of thePlan.upToDate) {
      if (u.rooted !== true && (files.readLink(files.gcRootFor(u.node.key)) !== u.record.out || files.readLink(files.drvRootFor(u.node.key)) !== u.record.drv)) {
        await keepRoot(r.store(), files, u.node.key, u.record);
      }
      if (u.currentStale) memo.recordBuilt(u.node.key, u.fp.fingerprint, u.record, u.fp.inputsJson);
      if (u.node.kind === 'link') files.queueResultLink(u.node.target, u.record.out, false);
    }
    return done(x ? await x.run(thePlan, graph) : nothingExecuted());
  } catch (err) {
    // Nothing started may outlive the round: the store and the memo close after it.
    await exec?.drain();
    throw err;
  }
}

/**
 * What a generators' round builds: the targets not `blocked` (reading no
 * unbuilt output) whose libraries are not blocked either, and the
 * generators all of whose tools and input generators are in it.
 */
export function readyPart(graph: BuildGraph, blocked: ReadonlySet<string>): BuildGraph {
  const out = new Set(blocked);
  // A target that links a blocked library is blocked (targetOrder: libraries first).
  for (const t of graph.targetOrder) {
    if (graph.links.get(linkKey(t))?.libraries.some((l) => out.has(graph.links.get(l)?.target ?? ''))) out.add(t);
  }
  const generators = new Map<string, GenerateNode>();
  for (const g of graph.generators.values()) {
    const toolsReady = g.tools.every((k) => graph.links.has(k) && !out.has(graph.links.get(k)?.target ?? ''));
    if (toolsReady && g.generated.every(([, k]) => generators.has(k))) generators.set(g.key, g);
  }
  return {
    generators,
    objects: new Map([...graph.objects].filter(([, o]) => !out.has(o.target))),
    links: new Map([...graph.links].filter(([, l]) => !out.has(l.target))),
    targetOrder: graph.targetOrder.filter((t) => !out.has(t)),
  };
}

/**
 * The generators' outputs a round made or found up to date: project-relative
 * path → its file in the store. A generator not built (failed, or planned in
 * a dry run) is left out.
 */
export function generatedFiles(round: RoundResult, memo: Pick<SqliteMemo, 'getNode'>): { files: Map<string, string>; missing: string[] } {
  const files = new Map<string, string>();
  const missing: string[] = [];
  for (const g of round.graph.generators.values()) {
    const fp = round.fps.get(g.key);
    const rec = fp === undefined ? undefined : memo.getNode(fp.fingerprint);
    if (!rec || !fs.existsSync(rec.out)) {
      missing.push(g.generator);
      continue;
    }
    for (const o of g.outputs) files.set(o, `${rec.out}/${o}`);
  }
  return { files, missing };
}
