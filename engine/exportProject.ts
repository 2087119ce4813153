/**
 * exportProject: `nixmake export` — the pipeline up to the build graph
 * (config, sources, toolchain, include analysis), then an export folder
 * that stock Nix builds object by object: default.nix (nixExpression), the
 * lock (exportLock), the builder helper's source, and copies of the inputs
 * git does not track or that are symbolic links (`nixmake-copied/`), and
 * of those `--patch` patches (exportPatches: file by file, analysed as
 * patched). With `check`, it writes nothing in the export folder and says
 * what is out of date.
 *
 * It builds nothing but a project's generators (and the programs they
 * run), as `build`'s first rounds do: the include closure of a TU that reads
 * a generated header is found in what the generator wrote, so the export
 * locks the closures of this run's generated files. Without generators it
 * contacts the daemon only when the host toolchain has not been imported yet
 * (the lock names its store paths).
 */
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson, sha256 } from '../cache/hashes.js';
import { openMemo } from '../cache/openMemo.js';
import { CONFIG_FILE } from '../config/Config.js';
import type { Config } from '../config/Config.js';
import { expandGeneratorInputs } from '../config/expandGeneratorInputs.js';
import { expandSources } from '../config/expandSources.js';
import { loadConfig } from '../config/loadConfig.js';
import type { Diagnostic } from '../core/Diagnostic.js';
import { storeName } from './BuildGraph.js';
import { buildGraph } from './BuildGraph.js';
import { analyzeProject } from './analyzeProject.js';
import { build, EXIT_OK } from './build.js';
import type { BuildDeps } from './build.js';
import { lastGeneratedFiles } from './lastGeneratedFiles.js';
import { applyPatches } from './exportPatches.js';
import { TEMPLATES_DIR } from './builderHelper.js';
import type { EventSink } from './events.js';
import { COPIED_DIR, exportLock } from './exportLock.js';
import type { ExportFile, ExportTree } from './exportTree.js';
import { exportTree, treeDiff } from './exportTree.js';
import { fingerprintGraph } from './fingerprint.js';
import { gitTracked } from './gitTracked.js';
import { RESERVED_ATTRS } from './nixExpression.js';
import { ProjectFiles } from './ProjectFiles.js';
import { publicHeaders } from './publicHeaders.js';
import { OutsideProjectError } from './SourceUploader.js';
import { isInside } from '../config/isInside.js';
import { realpathOrSelf } from '../core/realPath.js';

export const DEFAULT_EXPORT_DIR = 'nixmake-export';

export interface ExportOptions {
  readonly root: string;
  /** The export folder; relative paths are taken from the project root. */
  readonly out: string;
  readonly check: boolean;
  /** Unified diffs (relative to the root) the export applies, file by file, to what it reads (see exportPatches). */
  readonly patches: readonly string[];
}

/** What the generators' build needs (see `build`'s `generatorsOnly`); unused by a project without generators. */
export interface ExportDeps {
  readonly emit: EventSink;
  readonly store: BuildDeps['store'];
  readonly jobs: number;
  readonly signal: AbortSignal;
}

export interface ExportResult {
  readonly ok: boolean;
  readonly outDir: string;
  /** Project files the export holds copies of (patched ones too). */
  readonly copied: readonly string[];
  /** Those of them that are patched (`--patch`). */
  readonly patched: readonly string[];
  /** With `check`: what is out of date (empty: current). */
  readonly stale: readonly string[];
  readonly generators: number;
  readonly targets: number;
  readonly objects: number;
}

const failed = (outDir: string): ExportResult => ({ ok: false, outDir, copied: [], patched: [], stale: [], generators: 0, targets: 0, objects: 0 });

export async function exportProject(opts: ExportOptions, deps: ExportDeps): Promise<ExportResult> {
  const { emit } = deps;
  const diag = (d: Diagnostic): void => emit({ event: 'diagnostic', diagnostic: d });
  const outDir = path.resolve(opts.root, opts.out);
  const config = loadConfig(opts.root, diag);
  if (!config) return failed(outDir);
  const sources = expandSources(config);
  const generatorInputs = expandGeneratorInputs(config);
  if (!sources.ok || !generatorInputs.ok) {
    [...(sources.ok ? [] : sources.errors), ...(generatorInputs.ok ? [] : generatorInputs.errors)].forEach(diag);
    return failed(outDir);
  }
  const patched = applyPatches(config.root, opts.patches);
  if (!patched.ok) {
    patched.errors.forEach(diag);
    return failed(outDir);
  }
  // The generators run on the project's files (their build reads them from disk), not on patched ones.
  const patchedInputs = [...generatorInputs.value].flatMap(([name, ins]) => ins.files.filter((f) => patched.value.files.has(f)).map((f) => ({ name, f })));
  for (const { name, f } of patchedInputs) diag({ severity: 'error', message: `a patch touches ${f}, an input of generator ${name}: patching generators' inputs is not supported; patch the project instead`, location: { file: f } });
  if (patchedInputs.length > 0) return failed(outDir);
  if (config.generators.size > 0) {
    const code = await build({ root: opts.root, jobs: deps.jobs, keepGoing: false, targets: [], dryRun: false, signal: deps.signal, generatorsOnly: true }, { emit, store: deps.store });
    if (code !== EXIT_OK) return failed(outDir);
  }
  const headers = publicHeaders(config.root, config.publicHeaders);
  if (!headers.ok) {
    headers.errors.forEach(diag);
    return failed(outDir);
  }
  const files = new ProjectFiles(config.root);
  files.ensureStateDir();
  const memo = openMemo(files.memoFile, diag);
  let tree: ExportTree;
  let copied: string[];
  let counts: { generators: number; targets: number; objects: number };
  try {
    // The generators' outputs as the rounds above just made them (current in the memo), and the patched
    // files: both read from elsewhere than the project, as analyzeProject reads generated files.
    const generated = lastGeneratedFiles(config, memo);
    const patchedDir = path.join(files.stateDir, 'patched');
    fs.rmSync(patchedDir, { recursive: true, force: true });
    for (const [rel, bytes] of patched.value.files) {
      const to = path.join(patchedDir, rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.writeFileSync(to, bytes);
      generated.set(rel, to);
    }
    const { hasher, toolchain, analysis, closureDigest } = await analyzeProject(config, sources.value, memo, false, undefined, generated);
    // A header not found is a warning (see analyzeTargets): the export's compile says the rest, as a build's does.
    analysis.warnings.forEach(diag);
    const graph = buildGraph(config, sources.value, analysis.closures, generatorInputs.value);
    // The derivation's systemHeadersHash, as execute computes it from the fingerprint's inputs.
    const fps = fingerprintGraph(graph, {
      toolchainId: toolchain.id,
      templateHash: '',
      platform: toolchain.system,
      hashOf: (p) => hasher.hash(p),
      hashOfRel: (rel) => hasher.hashRel(config.root, rel),
      closureDigest,
    });
    const systemHeadersHash = (key: string): string => {
      const inputs = fps.get(key)?.inputs;
      return sha256(canonicalJson(inputs?.kind === 'object' ? inputs.system : {}));
    };
    hasher.flush();

    const tracked = gitTracked(config.root);
    if (!tracked.ok) diag({ severity: 'warning', message: `not copying untracked files: ${config.root} is not a git work tree git can read (${tracked.why}); every input is read from the project` });
    const isLink = (rel: string): boolean => fs.lstatSync(path.join(config.root, rel), { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
    const lock = exportLock({
      graph,
      toolchain,
      systemHeadersHash,
      // A symbolic link would enter the store as a link (builtins.path does not follow it), nixmake stores its target's bytes.
      copied: (rel) => patched.value.files.has(rel) || (tracked.ok && !tracked.files.has(rel)) || isLink(rel),
      patches: patched.value.touched,
      publicHeaders: headers.value,
      root: toPosix(path.relative(outDir, config.root)) || '.',
      packageName: storeName(path.basename(config.root)),
    });
    // As SourceUploader: a file whose real path is outside the project (and externalDirs) is read by no one.
    const outside = Object.keys(lock.files).flatMap((rel) => {
      const real = realpathOrSelf(path.join(config.root, rel));
      return [config.root, ...config.externalDirs].some((d) => isInside(realpathOrSelf(d), real)) ? [] : [{ rel, real }];
    });
    if (outside.length > 0) {
      for (const o of outside) diag({ severity: 'error', message: new OutsideProjectError(o.rel, o.real).message, location: { file: o.rel } });
      return failed(outDir);
    }
    copied = Object.entries(lock.files).flatMap(([rel, from]) => (from === 'copied' ? [rel] : []));
    const copies = new Map(copied.map((rel) => [rel, patchedInput(patched.value.files.get(rel), config.root, rel) ?? readInput(config.root, rel)]));
    tree = exportTree(lock, fs.readFileSync(path.join(TEMPLATES_DIR, 'builder', 'nixmake-builder.c')), copies);
    counts = { generators: graph.generators.size, targets: graph.links.size, objects: graph.objects.size };
    for (const t of graph.links.values()) {
      if (RESERVED_ATTRS.has(t.target)) diag({ severity: 'warning', message: `target "${t.target}" is named like an attribute of the export's own; build it as targets.${t.target}`, location: { file: CONFIG_FILE } });
    }
  } finally {
    memo.close();
  }

  const patchedCopies = copied.filter((r) => patched.value.files.has(r));
  if (opts.check) {
    const stale = treeDiff(tree, (rel) => readExportFile(outDir, rel), listFiles(path.join(outDir, COPIED_DIR)).map((r) => `${COPIED_DIR}/${r}`));
    return { ok: true, outDir, copied, patched: patchedCopies, stale, ...counts };
  }
  writeTree(outDir, tree);
  warnIfSourcesInside(config, outDir, diag);
  return { ok: true, outDir, copied, patched: patchedCopies, stale: [], ...counts };
}


function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** A project file's bytes (symbolic links followed, as nixmake stores them) and executable bit. */
function readInput(root: string, rel: string): ExportFile {
  const abs = path.join(root, rel);
  return { bytes: fs.readFileSync(abs), executable: (fs.statSync(abs).mode & 0o100) !== 0 };
}

/** A patched file's copy: the patched bytes, with the project file's executable bit. */
function patchedInput(bytes: Buffer | undefined, root: string, rel: string): ExportFile | undefined {
  return bytes === undefined ? undefined : { bytes, executable: readInput(root, rel).executable };
}

function readExportFile(outDir: string, rel: string): ExportFile | undefined {
  const abs = path.join(outDir, rel);
  const st = fs.lstatSync(abs, { throwIfNoEntry: false });
  if (!st?.isFile()) return undefined;
  return { bytes: fs.readFileSync(abs), executable: (st.mode & 0o100) !== 0 };
}

function listFiles(dir: string, rel = ''): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    return e.isDirectory() ? listFiles(dir, r) : [r];
  });
}

/**
 * Writes the tree: each file through a temporary name and a rename; the
 * copies' folder is replaced as a whole (it is the export's own), so copies
 * of files that are no longer inputs do not linger.
 */
function writeTree(outDir: string, tree: ExportTree): void {
  fs.mkdirSync(outDir, { recursive: true });
  const copiedDir = path.join(outDir, COPIED_DIR);
  const staging = path.join(outDir, `.${COPIED_DIR}.${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  for (const [rel, f] of tree) {
    const inCopies = rel.startsWith(`${COPIED_DIR}/`);
    const abs = inCopies ? path.join(staging, rel.slice(COPIED_DIR.length + 1)) : path.join(outDir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const tmp = inCopies ? abs : `${abs}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, f.bytes, { mode: f.executable ? 0o755 : 0o644 });
    fs.chmodSync(tmp, f.executable ? 0o755 : 0o644);
    if (!inCopies) fs.renameSync(tmp, abs);
  }
  fs.rmSync(copiedDir, { recursive: true, force: true });
  if (fs.existsSync(staging)) fs.renameSync(staging, copiedDir);
}

/** The copies are C files too: a glob such as `**\/*.c` would make them sources of the next build. */
function warnIfSourcesInside(config: Config, outDir: string, diag: (d: Diagnostic) => void): void {
  const rel = toPosix(path.relative(config.root, outDir));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return;
  const again = expandSources(config);
  if (!again.ok) return;
  for (const [target, tus] of again.value) {
    const inside = tus.filter((tu) => tu.startsWith(`${rel}/`));
    if (inside.length > 0) {
      diag({
        severity: 'warning',
        message: `targets.${target}.sources now matches ${inside[0] ?? ''}${inside.length > 1 ? ` and ${inside.length - 1} more` : ''} in the export folder; add "!${rel}/**" to its sources`,
        location: { file: CONFIG_FILE },
      });
    }
  }
}
