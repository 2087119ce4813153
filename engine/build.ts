/**
 * build: the pipeline, top to bottom —
 *   config → sources → toolchain → include analysis → graph → fingerprints
 *   → plan → execute → record
 * — each stage handing one object to the next. Stages return diagnostics;
 * this function emits them and turns them into an exit code (0, 1, 130).
 *
 * With nothing to build it never contacts Nix: it stats files, reads the
 * memo and checks that the memoised store paths still exist.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileHasher } from '../cache/FileHasher.js';
import { sha256 } from '../cache/hashes.js';
import { openMemo } from '../cache/openMemo.js';
import { ProjectLock } from '../cache/ProjectLock.js';
import { InterruptedError } from '../core/EnvironmentError.js';
import { environmentFault, faultDiagnostic } from './faults.js';
import type { SqliteMemo } from '../cache/Memo.js';
import type { Config } from '../config/Config.js';
import { expandSources } from '../config/expandSources.js';
import { loadConfig } from '../config/loadConfig.js';
import type { NixStore } from '../store/NixStore.js';
import { NixCommandError, StoreUnavailableError } from '../store/NixStore.js';
import { TEMPLATES_DIR } from './builderHelper.js';
import { DERIVATION_LAYOUT } from './derivations.js';
import { buildGraph } from './BuildGraph.js';
import { UserError } from '../core/Diagnostic.js';
import type { Diagnostic } from '../core/Diagnostic.js';
import { analyzeProject } from './analyzeProject.js';
import type { EventSink, PhaseSeconds } from './events.js';
import { BuildLogs, keepingHistory } from './buildLogs.js';
import { execute, keepRoot, labelOf, nothingExecuted } from './execute.js';
import { fingerprintGraph } from './fingerprint.js';
import { plan as makePlan } from './plan.js';
import { ProjectFiles } from './ProjectFiles.js';
import { makeNoopStamp, ownFiles, removeNoopStamp, writeNoopStamp } from './noopStamp.js';
import { toolchainFiles } from '../toolchain/resolveToolchain.js';
import { CONFIG_FILE } from '../config/Config.js';

export interface BuildOptions {
  readonly root: string;
  readonly jobs: number;
  readonly keepGoing: boolean;
  /** Empty: every target. */
  readonly targets: readonly string[];
  readonly dryRun: boolean;
  readonly signal: AbortSignal;
}

export interface BuildDeps {
  readonly emit: EventSink;
  readonly store: (config: Config, files: ProjectFiles) => NixStore;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_INTERRUPTED = 130;

/** The config narrowed to the requested targets and everything they link against. */
export function selectTargets(config: Config, names: readonly string[]): { config: Config; errors: Diagnostic[] } {
  if (names.length === 0) return { config, errors: [] };
  const errors: Diagnostic[] = [];
  const want = new Set<string>();
  const add = (n: string): void => {
    if (want.has(n)) return;
    want.add(n);
    for (const d of config.targets.get(n)?.deps ?? []) add(d);
  };
  for (const n of names) {
    if (config.targets.has(n)) add(n);
    else errors.push({ severity: 'error', message: `unknown target "${n}" (targets: ${[...config.targets.keys()].join(', ')})` });
  }
  return { config: { ...config, targets: new Map([...config.targets].filter(([name]) => want.has(name))) }, errors };
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
    objects_built?: number;
    links_built?: number;
    cut_off?: number;
    substituted?: number;
    up_to_date?: number;
    failed?: number;
    submitted?: number;
    phases?: Omit<PhaseSeconds, 'analysis'>;
  }): void =>
    emit({
      event: 'summary',
      objects_built: s.objects_built ?? 0,
      links_built: s.links_built ?? 0,
      cut_off: s.cut_off ?? 0,
      substituted: s.substituted ?? 0,
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
  const early = [...selected.errors, ...(sources.ok ? [] : sources.errors)];
  if (early.length > 0 || !sources.ok) {
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
  try {
    // From here on the outcome may differ from the last build's: the no-op stamp is void until this one succeeds.
    if (!opts.dryRun) removeNoopStamp(files.stateDir);
    memo = openMemo(files.memoFile, diag);
  } catch (err) {
    lock.release();
    throw err;
  }
  try {
    const { hasher, toolchain, analysis, scanned, files: scanFiles, cached, seconds, closureDigest } = await analyzeProject(scoped, sources.value, memo, opts.dryRun, emit);
    analysisSeconds = seconds;
    emit({ event: 'analysis', tus: analysis.closures.size, cached, files: scanFiles, scanned, seconds: Math.round(seconds * 1000) / 1000 });
    // A header not found is a warning: the sandboxed compile of the TUs concerned gives the verdict (and -k builds the rest).
    analysis.warnings.forEach(diag);
    const graph = buildGraph(scoped, sources.value, analysis.closures);
    const fps = fingerprintGraph(graph, {
      toolchainId: toolchain.id,
      templateHash: templateHash(hasher),
      platform: toolchain.system,
      hashOf: (p) => hasher.hash(p),
      hashOfRel: (rel) => hasher.hashRel(config.root, rel),
      closureDigest,
    });
    const thePlan = makePlan(graph, fps, {
      getNode: (fp) => memo.getNode(fp),
      getCurrent: (k) => memo.getCurrent(k),
      storePathExists: (p) => fs.existsSync(p),
    });
    hasher.flush();

    emit({ event: 'plan', to_build: thePlan.build.length, up_to_date: thePlan.upToDate.length, dry_run: opts.dryRun });
    const durations = memo.loadDurations();
    for (const p of thePlan.build) {
      const expected = durations.get(p.node.key);
      emit({ event: 'node-planned', node: p.node.key, kind: p.node.kind, label: labelOf(p.node), reason: p.reason, ...(expected === undefined ? {} : { expected_seconds: expected }) });
    }
    if (opts.dryRun) {
      summary({ up_to_date: thePlan.upToDate.length });
      return EXIT_OK;
    }
    // A test hook: the window between hashing the inputs and storing them, where an edit must not go unnoticed.
    const pause = Number(process.env['NIXMAKE_TEST_PAUSE_AFTER_ANALYSIS_MS'] ?? 0);
    if (pause > 0) await new Promise((res) => setTimeout(res, pause));

    // A memo another program holds, or this user cannot write, fails here rather than after the first node is built.
    if (thePlan.build.length > 0) memo.checkWritable();
    // The store is opened only when something must be done: a no-op never contacts the daemon.
    let store: NixStore | undefined;
    const theStore = (): NixStore => (store ??= deps.store(config, files));
    let r: Awaited<ReturnType<typeof execute>>;
    const logs = new BuildLogs(files.logsDir);
    try {
      // Up-to-date nodes: keep their bookkeeping true without building anything,
      // in the order of writes execute keeps (GC roots, memo, result link).
      for (const u of thePlan.upToDate) {
        if (files.readLink(files.gcRootFor(u.node.key)) !== u.record.out || files.readLink(files.drvRootFor(u.node.key)) !== u.record.drv) {
          await keepRoot(theStore(), files, u.node.key, u.record);
        }
        if (u.currentStale) memo.recordBuilt(u.node.key, u.fp.fingerprint, u.record, u.fp.inputsJson);
        if (u.node.kind === 'link') files.setLink(files.resultLink(u.node.target), u.record.out);
      }
      r =
        thePlan.build.length === 0
          ? nothingExecuted()
          : await execute(
              thePlan,
              graph,
              { store: theStore(), memo, files, toolchain, emit: keepingHistory(emit, logs, memo), hashOfRel: (rel) => hasher.hashRel(config.root, rel), externalDirs: config.externalDirs },
              { jobs: opts.jobs, keepGoing: opts.keepGoing, signal: opts.signal },
            );
    } finally {
      store?.close();
    }
    if (opts.targets.length === 0 && !r.interrupted) {
      const keep = new Set<string>([...graph.objects.keys(), ...graph.links.keys()]);
      files.pruneRoots(keep);
      logs.prune(keep);
    }
    summary({
      objects_built: r.objectsBuilt,
      links_built: r.linksBuilt,
      cut_off: r.cutOff,
      substituted: r.substituted,
      up_to_date: thePlan.upToDate.length,
      failed: r.failed,
      submitted: r.submitted,
      phases: r.phases,
    });
    if (r.interrupted || opts.signal.aborted) return EXIT_INTERRUPTED;
    if (r.failed > 0) return EXIT_FAILURE;
    if (!said && ![...analysis.closures.values()].some((c) => c.unresolvedComputed)) {
      const closures = [...analysis.closures.values()];
      const stamp = makeNoopStamp({
        root: config.root,
        targets: opts.targets,
        files: [
          path.join(config.root, CONFIG_FILE),
          ...(config.compileCommands === undefined ? [] : [path.resolve(config.root, config.compileCommands)]),
          // Everything fingerprinted was hashed: sources, headers, link inputs, templates.
          ...hasher.hashedPaths(),
          ...[...sources.value.values()].flat().map((tu) => path.join(config.root, tu)),
          ...[...new Set(closures.flatMap((c) => c.headers))].map((h) => path.join(config.root, h)),
          ...new Set(closures.flatMap((c) => c.system)),
          ...toolchainFiles(config.toolchain, config.hostPackages, files.stateDir),
          ...ownFiles(),
        ],
        dirs: [...listedDirs, ...new Set(closures.flatMap((c) => c.probedDirs))],
        ownDirs: [files.rootsDir],
        links: new Map([...graph.links.values()].map((l) => [files.resultLink(l.target), files.readLink(files.resultLink(l.target)) ?? ''])),
        report: { tus: analysis.closures.size, files: 0, upToDate: graph.objects.size + graph.links.size },
        startedMs,
      });
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

function roundPhases(p: PhaseSeconds): PhaseSeconds {
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return { analysis: r(p.analysis), inputs: r(p.inputs), derivations: r(p.derivations), queued: r(p.queued), building: r(p.building), running: r(p.running) };
}
