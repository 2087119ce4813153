/**
 * The planner under random edits, checked against the real compiler.
 *
 * `ShadowProject` is a small C project (three targets, 8–12 TUs, one folder
 * of them compiled by two targets, headers
 * h0.h…h5.h spread over inc/a, inc/b, inc/c and next to the sources) that a
 * test changes at random: edit a `.c` or a header, add a header that shadows
 * another (earlier in the search path, or next to the TUs that quote it;
 * some wrap the shadowed one with `#include_next`), delete a header, rename
 * or move a file, change a target's defines or include dirs, touch a file.
 * A header hK includes only hJ with J < K and nothing has include guards, so
 * without conditionals every `#include` is followed by gcc, as the analyzer
 * follows every one. With `conditional`, some includes sit in `#ifdef` and
 * the targets' defines switch them.
 *
 * The oracle knows nothing of nixmake's analyzer: it runs gcc's dependency
 * output with each target's flags on every TU after every step (`-M` with
 * system headers dropped, which is `-MM`'s list, because `-MM` silently
 * skips a `<header>` it cannot find), and a TU's state is its flags plus the
 * set of (path, content) pairs gcc lists (not the target: two targets that
 * compile a TU with equal flags share its memo entry, as in nixmake). A node
 * must be rebuilt iff its state was never built before (the memo keeps
 * every state built, so undoing an edit rebuilds nothing). An edit that
 * leaves an include gcc cannot resolve is repaired from gcc's own errors
 * (the missing header is written where that compile searches, or the
 * directive is dropped), so every state the planner sees preprocesses.
 * Most steps then backdate what they changed to a distinct past mtime, so
 * the stat and closure caches are trusted as they would be between edits
 * made seconds apart; the rest keep recent mtimes, which they must not trust.
 *
 * `PlanHarness` runs nixmake's stages in-process (analyzeProject →
 * buildGraph → fingerprintGraph → plan) on the real SqliteMemo, and records
 * each planned node as built with a fake store path that its PlanIo says
 * exists, as `execute` would after Nix built it. No daemon, no Nix.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TuClosure } from '../../analyzers/includeClosure.js';
import { SqliteMemo } from '../../cache/Memo.js';
import type { NodeRecord } from '../../cache/Memo.js';
import { expandSources } from '../../config/expandSources.js';
import { parseConfig } from '../../config/parseConfig.js';
import { analyzeProject } from '../../engine/analyzeProject.js';
import { buildGraph, objectKey } from '../../engine/BuildGraph.js';
import { fingerprintGraph } from '../../engine/fingerprint.js';
import { formatReason, plan } from '../../engine/plan.js';
import { seededRandom } from './mutableProject.js';

const INC_DIRS = ['inc/a', 'inc/b', 'inc/c'] as const;
const NAMES = 6;
const VERSIONS = 3;
const MIN_TUS = 8;
const MAX_TUS = 12;

interface TargetModel {
  readonly name: string;
  readonly type: 'static-library' | 'executable';
  readonly sourceDirs: readonly string[];
  readonly deps: readonly string[];
  includeDirs: string[];
  defines: string[];
}

/** Per-target defines an edit chooses among: FEAT_* switch conditional includes, OPT only changes the flags. */
const DEFINE_CHOICES = ['FEAT_A', 'FEAT_B', 'OPT=1', 'OPT=2'] as const;

export type PlanEditKind = 'edit-c' | 'edit-h' | 'shadow' | 'delete-h' | 'rename' | 'flags' | 'touch' | 'add-c' | 'delete-c';

const EDIT_WEIGHTS: readonly (readonly [PlanEditKind, number])[] = [
  ['edit-c', 18],
  ['edit-h', 18],
  ['shadow', 14],
  ['delete-h', 12],
  ['rename', 12],
  ['flags', 12],
  ['touch', 6],
  ['add-c', 4],
  ['delete-c', 4],
];

/** A TU or header kept as chunks: a version line, then one chunk per include (an `#ifdef` block is one chunk). */
type Chunks = string[];

export class ShadowProject {
  /** Project-relative path → chunks, for every source and header on disk. */
  private readonly files = new Map<string, Chunks>();
  private readonly targets: TargetModel[];
  private readonly touched = new Set<string>();
  private nextTu = 0;
  /** Fake seconds for backdated mtimes: distinct per step, long past (so caches may keep what they saw). */
  private clock = Math.floor(Date.now() / 1000) - 30 * 86400;

  constructor(
    readonly dir: string,
    private readonly rand: () => number,
    readonly conditional: boolean,
  ) {
    const dirs = (): string[] => this.shuffle([...INC_DIRS]);
    this.targets = [
      { name: 'core', type: 'static-library', sourceDirs: ['src/core'], deps: [], includeDirs: dirs(), defines: [] },
      { name: 'app', type: 'executable', sourceDirs: ['src/app', 'src/common'], deps: ['core'], includeDirs: dirs(), defines: [] },
      { name: 'tool', type: 'executable', sourceDirs: ['src/tool', 'src/common'], deps: ['core'], includeDirs: dirs(), defines: [] },
    ];
    for (let k = 0; k < NAMES; k++) this.put(`${this.pick(INC_DIRS)}/h${k}.h`, this.newHeader(k, false));
    for (const d of ['src/core', 'src/core', 'src/core', 'src/app', 'src/app', 'src/tool', 'src/tool', 'src/common', 'src/common', 'src/core']) {
      this.put(`${d}/t${this.nextTu++}.c`, this.newTu());
    }
    this.writeConfig();
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)] as T;
  }

  private shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.rand() * (i + 1));
      [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
    }
    return xs;
  }

  private pickEdit(): PlanEditKind {
    let r = this.rand() * EDIT_WEIGHTS.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of EDIT_WEIGHTS) if ((r -= w) < 0) return k;
    return 'edit-c';
  }

  private includeChunk(k: number): string {
    const line = this.rand() < 0.5 ? `#include "h${k}.h"` : `#include <h${k}.h>`;
    if (!this.conditional || this.rand() < 0.6) return line;
    return `#ifdef ${this.pick(['FEAT_A', 'FEAT_B'])}\n${line}\n#endif`;
  }

  private newHeader(k: number, next: boolean): Chunks {
    const chunks = [`/* h${k} v${Math.floor(this.rand() * VERSIONS)} */`];
    if (next) chunks.push(`#include_next <h${k}.h>`);
    for (let j = 0; j < k; j++) if (this.rand() < 0.35) chunks.push(this.includeChunk(j));
    return chunks;
  }

  private newTu(): Chunks {
    const chunks = [`/* tu v${Math.floor(this.rand() * VERSIONS)} */`];
    for (let k = 0; k < NAMES; k++) if (this.rand() < 0.4) chunks.push(this.includeChunk(k));
    return chunks;
  }

  private touch(rel: string): void {
    this.touched.add(rel);
    this.touched.add(path.dirname(rel));
  }

  private put(rel: string, chunks: Chunks): void {
    this.files.set(rel, chunks);
    const p = path.join(this.dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const text = `${chunks.join('\n')}\nint x_${path.basename(rel).replace(/\W/g, '_')};\n`;
    if (fs.existsSync(p) && fs.readFileSync(p, 'utf8') === text) return;
    fs.writeFileSync(p, text);
    this.touch(rel);
  }

  private remove(rel: string): void {
    this.files.delete(rel);
    fs.rmSync(path.join(this.dir, rel));
    this.touch(rel);
  }

  private move(from: string, to: string): void {
    const chunks = this.files.get(from) as Chunks;
    this.files.delete(from);
    this.files.set(to, chunks);
    fs.mkdirSync(path.dirname(path.join(this.dir, to)), { recursive: true });
    fs.renameSync(path.join(this.dir, from), path.join(this.dir, to));
    this.touch(from);
    this.touch(to);
  }

  private writeConfig(): void {
    const targets = Object.fromEntries(
      this.targets.map((t) => [
        t.name,
        { type: t.type, sources: t.sourceDirs.map((d) => `${d}/*.c`), deps: t.deps, includeDirs: t.includeDirs, defines: t.defines },
      ]),
    );
    const text = `${JSON.stringify({ cflags: ['-O1'], targets }, null, 1)}\n`;
    const p = path.join(this.dir, 'nixmake.json');
    if (fs.existsSync(p) && fs.readFileSync(p, 'utf8') === text) return;
    fs.writeFileSync(p, text);
    this.touch('nixmake.json');
  }

  private tus(): string[] {
    return [...this.files.keys()].filter((f) => f.endsWith('.c')).sort();
  }

  private headers(): string[] {
    return [...this.files.keys()].filter((f) => f.endsWith('.h')).sort();
  }

  private tuDirs(): string[] {
    return [...new Set(this.targets.flatMap((t) => t.sourceDirs))].sort();
  }

  private rank(rel: string): number {
    return Number(/h(\d+)\.h$/.exec(rel)?.[1] ?? NAMES);
  }

  /** Changes a file's version (few values, so states recur) or adds or drops one of its includes. */
  private editFile(rel: string): void {
    const chunks = [...(this.files.get(rel) as Chunks)];
    const limit = rel.endsWith('.h') ? this.rank(rel) : NAMES;
    const r = this.rand();
    if (r < 0.4) {
      chunks[0] = (chunks[0] as string).replace(/v\d+/, `v${Math.floor(this.rand() * VERSIONS)}`);
    } else if (r < 0.65 && chunks.length > 1) {
      chunks.splice(1 + Math.floor(this.rand() * (chunks.length - 1)), 1);
    } else if (limit > 0) {
      chunks.splice(1 + Math.floor(this.rand() * chunks.length), 0, this.includeChunk(Math.floor(this.rand() * limit)));
    }
    this.put(rel, chunks);
  }

  /** Applies one random edit and says what it was. */
  edit(kind: PlanEditKind = this.pickEdit()): string {
    const tus = this.tus();
    const headers = this.headers();
    switch (kind) {
      case 'edit-c': {
        const rel = this.pick(tus);
        this.editFile(rel);
        return `edit ${rel}`;
      }
      case 'edit-h': {
        if (headers.length === 0) return this.edit('shadow');
        const rel = this.pick(headers);
        this.editFile(rel);
        return `edit ${rel}`;
      }
      case 'shadow': {
        const k = Math.floor(this.rand() * NAMES);
        const dir = this.rand() < 0.7 ? this.pick(INC_DIRS) : this.pick(this.tuDirs());
        const rel = `${dir}/h${k}.h`;
        if (this.files.has(rel)) return this.edit('edit-h');
        const others = headers.filter((h) => h.endsWith(`/h${k}.h`));
        // A wrapper (#include_next) only in the -I dirs: next to a TU it would search the whole chain again.
        const next = others.length > 0 && dir.startsWith('inc/') && this.rand() < 0.4;
        this.put(rel, this.newHeader(k, next));
        return others.length > 0 ? `add ${rel}${next ? ' (#include_next)' : ''} beside ${others.join(', ')}` : `add ${rel}`;
      }
      case 'delete-h': {
        if (headers.length === 0) return this.edit('shadow');
        // Mostly one of several files of a name (a shadow goes, or what it shadowed); else any.
        const shadowed = headers.filter((h) => headers.some((o) => o !== h && path.basename(o) === path.basename(h)));
        const rel = this.pick(shadowed.length > 0 && this.rand() < 0.7 ? shadowed : headers);
        this.remove(rel);
        return `delete ${rel}`;
      }
      case 'rename': {
        if (this.rand() < 0.5 && headers.length > 0) {
          const from = this.pick(headers);
          const to = `${this.pick(this.rand() < 0.7 ? INC_DIRS : this.tuDirs())}/${path.basename(from)}`;
          if (this.files.has(to)) return this.edit('delete-h');
          this.move(from, to);
          return `move ${from} to ${to}`;
        }
        const from = this.pick(tus);
        const to = `${this.pick(this.tuDirs())}/t${this.nextTu++}.c`;
        if (this.tus().filter((t) => path.dirname(t) === path.dirname(from)).length <= 1) return this.edit('edit-c');
        this.move(from, to);
        return `rename ${from} to ${to}`;
      }
      case 'flags': {
        const t = this.pick(this.targets);
        if (this.rand() < 0.5) {
          const d = this.pick(DEFINE_CHOICES);
          const name = d.split('=')[0] as string;
          const had = t.defines.includes(d);
          t.defines = t.defines.filter((x) => x.split('=')[0] !== name);
          if (!had) t.defines.push(d);
          t.defines.sort();
        } else {
          const dirs = this.shuffle([...INC_DIRS]);
          t.includeDirs = dirs.slice(0, this.rand() < 0.6 ? 3 : 1 + Math.floor(this.rand() * 3));
        }
        this.writeConfig();
        return `flags of ${t.name}: ${[...t.includeDirs.map((d) => `-I${d}`), ...t.defines.map((d) => `-D${d}`)].join(' ')}`;
      }
      case 'touch': {
        const rel = this.pick([...tus, ...headers]);
        this.touch(rel);
        return `touch ${rel}`;
      }
      case 'add-c': {
        if (tus.length >= MAX_TUS) return this.edit('delete-c');
        const rel = `${this.pick(this.tuDirs())}/t${this.nextTu++}.c`;
        this.put(rel, this.newTu());
        return `add ${rel}`;
      }
      case 'delete-c': {
        const deletable = tus.filter((t) => tus.filter((u) => path.dirname(u) === path.dirname(t)).length > 1);
        if (tus.length <= MIN_TUS || deletable.length === 0) return this.edit('add-c');
        const rel = this.pick(deletable);
        this.remove(rel);
        return `delete ${rel}`;
      }
    }
  }

  /** Each target's TUs and the flags nixmake passes the compiler for them (-I, -D, cflags). */
  private compiles(): { target: string; flags: string[]; tus: string[] }[] {
    const tus = this.tus();
    return this.targets.map((t) => ({
      target: t.name,
      flags: [...t.includeDirs.map((d) => `-I${d}`), ...t.defines.map((d) => `-D${d}`), '-O1'],
      tus: tus.filter((f) => t.sourceDirs.includes(path.dirname(f))),
    }));
  }

  /**
   * Runs `gcc -M` on every TU (one process per target, all at once), drops
   * every include gcc reports an error on until none is left, then backdates
   * what the step changed (most steps; the others keep their real, recent
   * mtimes, which nixmake's caches must not trust). Answers each object
   * node's state: a hash of its flags and of the (path, content) of every
   * file gcc read.
   */
  async settle(): Promise<Map<string, string>> {
    for (let round = 0; ; round++) {
      const compiles = this.compiles();
      // Targets with the same flags share one gcc run (a TU in two of them is preprocessed once).
      const groups = new Map<string, { flags: string[]; tus: Set<string> }>();
      for (const c of compiles) {
        const g = groups.get(c.flags.join('\0')) ?? { flags: c.flags, tus: new Set<string>() };
        c.tus.forEach((t) => g.tus.add(t));
        groups.set(c.flags.join('\0'), g);
      }
      const runs = await Promise.all([...groups].map(async ([key, g]) => [key, await gccM(this.dir, g.flags, [...g.tus])] as const));
      const errors = runs.flatMap(([key, r]) =>
        [...r.stderr.matchAll(/^([^\s:]+):(\d+):\d+: (?:fatal )?error: (.*)$/gm)].map((m) => ({ file: m[1] as string, line: Number(m[2]), message: m[3] as string, flags: groups.get(key)?.flags ?? [] })),
      );
      if (errors.length === 0) {
        if (runs.some(([, r]) => r.code !== 0)) throw new Error(`gcc -M failed:\n${runs.map(([, r]) => r.stderr).join('')}`);
        this.backdate();
        const deps = new Map(runs.map(([key, r]) => [key, parseRules(r.stdout)]));
        const states = new Map<string, string>();
        for (const { target, flags, tus } of compiles) {
          for (const tu of tus) {
            const files = deps.get(flags.join('\0'))?.get(tu);
            if (!files) throw new Error(`gcc -M printed no rule for ${tu}`);
            states.set(objectKey(target, tu), this.stateOf(flags, files));
          }
        }
        return states;
      }
      if (round > 100) throw new Error(`cannot repair the project:\n${runs.map(([, r]) => r.stderr).join('')}`);
      // A missing header is mostly written where that compile searches, else the include is dropped:
      // last line first, so dropping one include leaves the line numbers of the others right.
      const seen = new Set<string>();
      for (const e of errors.sort((a, b) => a.file.localeCompare(b.file) || b.line - a.line)) {
        if (seen.has(`${e.file}:${e.line}`)) continue;
        seen.add(`${e.file}:${e.line}`);
        const missing = /^(h(\d+)\.h): No such file or directory/.exec(e.message);
        const dirs = e.flags.filter((f) => f.startsWith('-I')).map((f) => f.slice(2));
        const rel = missing && dirs.length > 0 ? `${this.pick(dirs)}/${missing[1]}` : undefined;
        if (rel && !this.files.has(rel) && this.rand() < 0.7) this.put(rel, this.newHeader(Number(missing?.[2]), false));
        else this.dropLine(e.file, e.line);
      }
    }
  }

  private dropLine(rel: string, line: number): void {
    const chunks = this.files.get(rel);
    if (!chunks) throw new Error(`gcc reported an error in ${rel}, which the model does not know`);
    let first = 1;
    for (let i = 0; i < chunks.length; i++) {
      const lines = (chunks[i] as string).split('\n').length;
      if (line < first + lines) {
        if (i === 0) throw new Error(`gcc reported an error on the version line of ${rel}`);
        this.put(rel, chunks.filter((_, j) => j !== i));
        return;
      }
      first += lines;
    }
    throw new Error(`gcc reported an error past the includes of ${rel} (line ${line})`);
  }

  private stateOf(flags: readonly string[], files: readonly string[]): string {
    const h = crypto.createHash('sha256').update(flags.join('\0'));
    for (const f of [...new Set(files.map((p) => path.normalize(p)))].sort()) {
      h.update(`\n${f}\0`).update(crypto.createHash('sha256').update(fs.readFileSync(path.join(this.dir, f))).digest('hex'));
    }
    return h.digest('hex');
  }

  private backdate(): void {
    const keep = this.rand() < 0.2;
    this.clock += 1;
    for (const rel of this.touched) {
      const p = path.join(this.dir, rel);
      if (!fs.existsSync(p)) continue;
      const t = keep ? new Date() : this.clock;
      fs.utimesSync(p, t, t);
    }
    this.touched.clear();
  }
}

function gccM(cwd: string, flags: readonly string[], files: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // -M, then system headers dropped, is -MM's list; but -MM takes a missing <header> for a system one and says nothing.
    const child = spawn('gcc', ['-M', ...flags, ...files], { cwd, env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

/** `gcc -M` rules → TU → the project files it read (the TU first, as gcc lists it). */
function parseRules(out: string): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const rule of out.replace(/\\\n/g, ' ').split('\n')) {
    const colon = rule.indexOf(': ');
    if (colon < 0) continue;
    const files = rule.slice(colon + 2).trim().split(/\s+/).filter((f) => f !== '' && !path.isAbsolute(f));
    if (files[0]) deps.set(files[0], files);
  }
  return deps;
}

/** Every state "built" so far: a node must be rebuilt iff its state is not among them. */
export class RebuildOracle {
  private readonly built = new Set<string>();

  /** The nodes whose state is new; then counts every state as built. */
  step(states: ReadonlyMap<string, string>): Set<string> {
    const changed = new Set([...states].filter(([, s]) => !this.built.has(s)).map(([k]) => k));
    for (const s of states.values()) this.built.add(s);
    return changed;
  }
}

export interface HarnessPlan {
  readonly objects: Set<string>;
  readonly links: Set<string>;
  /** "node reason", for messages. */
  readonly explained: string[];
}

/**
 * nixmake's planning stages on a project, in-process, with a memo in its own
 * folder. `sabotage` is for checking the check: it drops headers from every
 * closure before fingerprinting (a planner that misses a dependency).
 */
export class PlanHarness {
  private readonly memoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-plan-memo-'));
  private readonly memo = new SqliteMemo(path.join(this.memoDir, 'memo.sqlite'));
  private readonly store = new Set<string>();

  constructor(
    readonly root: string,
    private readonly sabotage?: (header: string) => boolean,
  ) {}

  /** Plans a build of the project as it is now, then records every planned node as built. */
  async step(): Promise<HarnessPlan> {
    const parsed = parseConfig(fs.readFileSync(path.join(this.root, 'nixmake.json'), 'utf8'), this.root);
    if (!parsed.ok) throw new Error(`config: ${parsed.errors.map((e) => e.message).join('; ')}`);
    const config = parsed.value;
    const sources = expandSources(config);
    if (!sources.ok) throw new Error(`sources: ${sources.errors.map((e) => e.message).join('; ')}`);
    const { hasher, toolchain, analysis, closureDigest } = await analyzeProject(config, sources.value, this.memo);
    // Every state preprocesses (see above), so a header the analyzer cannot find is its bug.
    const missing = [...analysis.closures.values()].flatMap((c) => c.notes.filter((n) => n.kind === 'missing'));
    if (missing.length > 0) throw new Error(`analysis: ${missing.map((n) => `${n.file}:${n.line}: ${n.message}`).join('; ')}`);
    let closures = analysis.closures;
    const drop = this.sabotage;
    if (drop) {
      closures = new Map([...closures].map(([k, c]): [string, TuClosure] => [k, { ...c, headers: c.headers.filter((h) => !drop(h)) }]));
    }
    const graph = buildGraph(config, sources.value, closures);
    const fps = fingerprintGraph(graph, {
      toolchainId: toolchain.id,
      templateHash: 'plan-harness',
      platform: toolchain.system,
      hashOf: (p) => hasher.hash(p),
      hashOfRel: (rel) => hasher.hashRel(this.root, rel),
      closureDigest: drop ? undefined : closureDigest,
    });
    const thePlan = plan(graph, fps, {
      getNode: (fp) => this.memo.getNode(fp),
      getCurrent: (k) => this.memo.getCurrent(k),
      storePathExists: (p) => this.store.has(p),
    });
    hasher.flush();
    // What build does for up-to-date nodes and execute for built ones, with Nix left out.
    for (const u of thePlan.upToDate) if (u.currentStale) this.memo.recordBuilt(u.node.key, u.fp.fingerprint, u.record, u.fp.inputsJson);
    for (const b of thePlan.build) {
      const out = `/nix/store/${b.fp.fingerprint.slice(0, 32)}-${b.node.kind}`;
      const rec: NodeRecord = { drv: `${out}.drv`, out, drvHash: b.fp.fingerprint, narHash: b.fp.fingerprint };
      this.store.add(rec.out).add(rec.drv);
      this.memo.recordBuilt(b.node.key, b.fp.fingerprint, rec, b.fp.inputsJson);
    }
    const pick = (kind: 'object' | 'link'): Set<string> => new Set(thePlan.build.filter((b) => b.node.kind === kind).map((b) => b.node.key));
    return { objects: pick('object'), links: pick('link'), explained: thePlan.build.map((b) => `${b.node.key} ${formatReason(b.reason)}`) };
  }

  close(): void {
    this.memo.close();
    fs.rmSync(this.memoDir, { recursive: true, force: true });
  }
}

export interface PropertyRun {
  readonly steps: number;
  /** The first step whose plan disagreed with the oracle, with what to reproduce it. */
  readonly failure: string | undefined;
  readonly objectsPlanned: number;
  readonly oracleObjects: number;
  /** Objects planned that the oracle did not ask for (conditional includes only). */
  readonly extra: number;
  readonly emptySteps: number;
  readonly edits: Readonly<Record<string, number>>;
  readonly seconds: number;
}

const setDiff = (a: ReadonlySet<string>, b: ReadonlySet<string>): string[] => [...a].filter((x) => !b.has(x)).sort();

/**
 * Runs `steps` random edits on a fresh ShadowProject in `dir`. At each step
 * the plan must contain the oracle's objects, and equal them unless
 * `conditional`; every target with a planned object must relink (its
 * fingerprint names that object's new one), and nothing is planned for a
 * missing output (all of them "exist"). Stops at the first disagreement.
 */
export async function runPlanProperty(opts: {
  dir: string;
  seed: number;
  steps: number;
  conditional: boolean;
  sabotage?: (header: string) => boolean;
}): Promise<PropertyRun> {
  const t0 = performance.now();
  const project = new ShadowProject(opts.dir, seededRandom(opts.seed), opts.conditional);
  const harness = new PlanHarness(opts.dir, opts.sabotage);
  const oracle = new RebuildOracle();
  const edits: Record<string, number> = {};
  let objectsPlanned = 0;
  let oracleObjects = 0;
  let extra = 0;
  let emptySteps = 0;
  let failure: string | undefined;
  const history: string[] = [];
  const deps: Record<string, string[]> = { core: [], app: ['core'], tool: ['core'] };
  let step = 0;
  try {
    for (; step <= opts.steps && failure === undefined; step++) {
      const what = step === 0 ? 'initial build' : project.edit();
      edits[what.split(' ')[0] as string] = (edits[what.split(' ')[0] as string] ?? 0) + 1;
      history.push(`step ${step}: ${what}`);
      const expected = oracle.step(await project.settle());
      let got: HarnessPlan;
      try {
        got = await harness.step();
      } catch (err) {
        failure = [`seed ${opts.seed}, step ${step} in ${opts.dir}: ${(err as Error).message}`, 'the last steps:', ...history.slice(-8)].join('\n');
        break;
      }
      const missing = setDiff(expected, got.objects);
      const unexpected = setDiff(got.objects, expected);
      const relinked = [...got.objects].map((k) => k.split(':')[1] as string);
      const mustLink = new Set(relinked.flatMap((t) => [t, ...Object.keys(deps).filter((d) => deps[d]?.includes(t))]));
      const unlinked = [...mustLink].filter((t) => !got.links.has(`link:${t}`));
      const missingOutputs = got.explained.filter((e) => e.endsWith(' output-missing'));
      const problems = [
        missing.length > 0 ? `not planned, but gcc says their inputs changed: ${missing.join(', ')}` : '',
        !opts.conditional && unexpected.length > 0 ? `planned, but gcc says their inputs did not change: ${unexpected.join(', ')}` : '',
        unlinked.length > 0 ? `targets not relinked: ${unlinked.join(', ')}` : '',
        missingOutputs.length > 0 ? `output-missing with every output present: ${missingOutputs.join(', ')}` : '',
      ].filter(Boolean);
      if (problems.length > 0) {
        failure = [
          `seed ${opts.seed}, step ${step} (${opts.conditional ? 'conditional' : 'unconditional'} includes) in ${opts.dir}:`,
          ...problems,
          `the plan: ${got.explained.join('; ') || 'nothing'}`,
          'the last steps:',
          ...history.slice(-8),
        ].join('\n');
      }
      objectsPlanned += got.objects.size;
      oracleObjects += expected.size;
      extra += unexpected.length;
      if (got.objects.size === 0) emptySteps++;
    }
  } finally {
    harness.close();
  }
  return { steps: step - 1, failure, objectsPlanned, oracleObjects, extra, emptySteps, edits, seconds: (performance.now() - t0) / 1000 };
}
