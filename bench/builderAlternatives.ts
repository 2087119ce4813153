/**
 * builderAlternatives: times the layouts nixmake's derivations could use,
 * through the daemon socket with nixmake's own store/ modules, so the choice
 * between them is made by numbers.
 *
 *   node dist/bench/builderAlternatives.js [--k 100] [--j 2] [--rounds 2]
 *        [--experiments A,B,C] [--programs cc,trivial] [--n 100,1000]
 *        [--k-big K] [--interleave drv|batch] [--growth-tus 1000] [--max-load L] [--json FILE]
 *
 * A. Header layout of one object node (a TU and H=31 headers of ~1 KB; 28
 *    of them shared by every TU, 3 its own, so about 90% shared):
 *    A1 one store path per file, each symlinked by the helper into /build/src
 *       (nixmake before its helper's --workdir);
 *    A1t the same with the links on the sandbox's tmpfs (--workdir; nixmake today);
 *    A2 one directory store path per TU holding the TU and its headers at
 *       their project-relative paths, /build/src a symlink to it (one bind
 *       mount instead of 32 hard links);
 *    A3 one directory store path per header folder (its headers of the
 *       closure) plus the TU as a file.
 *    Run with the real compile (`gcc -c -Iinclude -o $out src/mI.c`) and
 *    with a trivial program (`/bin/true`, the helper makes `$out` a
 *    symlink), and the cost of adding each layout's inputs (addTempRoot +
 *    isValidPath + addToStore per new path, as DaemonStore.addNar does) and
 *    of adding the .drv. The store growth for 1,000 such TUs is computed.
 * B. A link-like node over N objects, objects as files (hard-linked into the
 *    sandbox; their links in the build folder, or with `filet` on the tmpfs
 *    as nixmake does) or as folders holding the .o (bind-mounted): `ar qcsD $out`
 *    over them, or `/bin/true`. The objects are outputs of derivations (they
 *    wrap a prepared .o with ar), as in nixmake, so the link lists them in inputDrvs.
 * C. The floor: the helper running /bin/true with no inputs.
 *
 * Every timed derivation is new (a salt in env), so the daemon builds it.
 * A round of an experiment adds, for each variant, K derivations' inputs and
 * .drv files on J connections (timed per variant), then builds them on the J
 * connections; the time of a derivation is the wall time of its
 * wopBuildPathsWithResults call, and the helper's `@nixmake run_ms` line
 * gives the program's share. With `--interleave drv` (the default) the
 * builds of a round alternate between variants (A1 A2 A3 A1 A2 A3 …), so
 * load from outside hits them alike, and a variant's "batch total" is the
 * sum of its build times over J; with `batch` each variant is built as a
 * batch of its own and the total is that batch's wall time. Rounds repeat
 * with new salts; N=1000 links use K=`--k-big` (default min(K, 30)).
 * Run it under `flock` when other benchmarks share the machine.
 */
import { stats } from './stats.js';
import type { Stats } from './stats.js';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilder } from '../engine/builderHelper.js';
import type { DrvRef } from '../engine/derivations.js';
import { DaemonConnection, DaemonError } from '../store/DaemonConnection.js';
import { daemonSocketPath } from '../store/daemonAddress.js';
import { DaemonStore } from '../store/DaemonStore.js';
import { makeInputAddressedDerivation } from '../store/derivation.js';
import type { InputAddressedSpec } from '../store/derivation.js';
import { narOfFile, narSha256Hex } from '../store/nar.js';
import { readClientSettings } from '../store/nixConfig.js';
import type { ClientSettings } from '../store/nixConfig.js';
import { hashPlaceholder, makeSourcePath, sha256Hex } from '../store/storePath.js';
import { FileHasher } from '../cache/FileHasher.js';
import { HOST_TOOLCHAIN } from '../config/parseConfig.js';
import { resolveToolchain } from '../toolchain/resolveToolchain.js';
import type { Toolchain } from '../toolchain/Toolchain.js';

// ---------------------------------------------------------------- pure part

/** A file of a synthetic project: its project-relative path and bytes. */
export interface InputFile {
  readonly rel: string;
  readonly contents: Buffer;
}

export const SHARED_PER_DIR = 14;
export const OWN_HEADERS = 3;
export const SHARED_DIRS = ['include/core', 'include/util'] as const;
/** Headers per TU: 2 × 14 shared + 3 own = 31. */
export const HEADERS_PER_TU = SHARED_DIRS.length * SHARED_PER_DIR + OWN_HEADERS;

function ident(rel: string): string {
  return rel.replace(/\.h$/, '').replace(/^include\//, '').replace(/[^A-Za-z0-9]/g, '_');
}

/** A header of about 1 KB: a struct, an enum, an inline function, comment filler. `salt` makes new bytes. */
export function headerText(rel: string, salt: string): Buffer {
  const id = ident(rel);
  const guard = `${id.toUpperCase()}_H`;
  const body = [
    `/* ${rel} (${salt}) */`,
    `#ifndef ${guard}`,
    `#define ${guard}`,
    `struct ${id} { int a; int b; long c; double d; const char *name; };`,
    `enum ${id}_kind { ${id.toUpperCase()}_A, ${id.toUpperCase()}_B, ${id.toUpperCase()}_C };`,
    `static inline int ${id}_f(int x) { return x * 7 + (int)${id.toUpperCase()}_C; }`,
    `int ${id}_g(const struct ${id} *p, int n);`,
  ];
  let text = body.join('\n') + '\n';
  const filler = ' * Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\n';
  text += '/*\n';
  while (Buffer.byteLength(text) + filler.length + 20 < 1024) text += filler;
  text += ' */\n#endif\n';
  return Buffer.from(text);
}

export interface SyntheticTu {
  readonly index: number;
  /** src/m<i>.c */
  readonly tu: InputFile;
  /** include/core/*.h and include/util/*.h: the same bytes for every TU of one salt. */
  readonly shared: readonly InputFile[];
  /** include/m<i>/{a,b,c}.h */
  readonly own: readonly InputFile[];
}

/** TU `i`: shared headers salted by `sharedSalt`, its own files by `ownSalt`. */
export function syntheticTu(i: number, sharedSalt: string, ownSalt: string): SyntheticTu {
  const shared: InputFile[] = [];
  for (const dir of SHARED_DIRS) {
    const letter = dir.slice(-4, -3); // core → c, util → u
    for (let k = 0; k < SHARED_PER_DIR; k++) {
      const rel = `${dir}/${letter}${String(k).padStart(2, '0')}.h`;
      shared.push({ rel, contents: headerText(rel, sharedSalt) });
    }
  }
  const own: InputFile[] = [];
  for (let k = 0; k < OWN_HEADERS; k++) {
    const rel = `include/m${i}/${String.fromCharCode(97 + k)}.h`;
    own.push({ rel, contents: headerText(rel, ownSalt) });
  }
  const all = [...shared, ...own];
  const includes = all.map((f) => `#include "${f.rel.slice('include/'.length)}"`);
  const sum = all.map((f) => `${ident(f.rel)}_f(${all.indexOf(f)})`).join(' + ');
  const tu = Buffer.from(`/* src/m${i}.c (${ownSalt}) */\n${includes.join('\n')}\n\nint m${i}_sum(void) { return ${sum}; }\n`);
  return { index: i, tu: { rel: `src/m${i}.c`, contents: tu }, shared, own };
}

export function tuFiles(t: SyntheticTu): InputFile[] {
  return [t.tu, ...t.shared, ...t.own];
}

// NAR of an in-memory tree (store/nar.ts reads trees from disk only).
function narStr(s: string | Uint8Array): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const out = Buffer.alloc(8 + bytes.length + ((8 - (bytes.length % 8)) % 8));
  out.writeBigUInt64LE(BigInt(bytes.length), 0);
  out.set(bytes, 8);
  return out;
}

type Tree = Map<string, Buffer | Tree>;

/** The NAR of a folder holding `files` at their relative paths (no executables, no symlinks). */
export function narOfTree(files: readonly InputFile[]): Buffer {
  const root: Tree = new Map();
  for (const f of files) {
    const parts = f.rel.split('/');
    let t = root;
    for (const p of parts.slice(0, -1)) {
      let sub = t.get(p);
      if (sub === undefined) t.set(p, (sub = new Map()));
      if (Buffer.isBuffer(sub)) throw new Error(`${f.rel}: ${p} is a file`);
      t = sub;
    }
    const leaf = parts[parts.length - 1] as string;
    if (t.has(leaf)) throw new Error(`${f.rel} given twice`);
    t.set(leaf, f.contents);
  }
  const parts: Buffer[] = [narStr('nix-archive-1')];
  const dump = (node: Buffer | Tree): void => {
    if (Buffer.isBuffer(node)) {
      parts.push(narStr('('), narStr('type'), narStr('regular'), narStr('contents'), narStr(node), narStr(')'));
      return;
    }
    parts.push(narStr('('), narStr('type'), narStr('directory'));
    const names = [...node.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      parts.push(narStr('entry'), narStr('('), narStr('name'), narStr(name), narStr('node'));
      dump(node.get(name) as Buffer | Tree);
      parts.push(narStr(')'));
    }
    parts.push(narStr(')'));
  };
  dump(root);
  return Buffer.concat(parts);
}

export type Layout = 'A1' | 'A1t' | 'A2' | 'A3';

/** One store path an object derivation takes: its name, NAR, and where the helper puts it (relative to /build/src, or '.' for the whole folder). */
export interface LayoutInput {
  readonly nar: Buffer;
  readonly at: string;
  /** Files in it (1 for a file input). */
  readonly files: number;
  /** Bytes of those files' contents. */
  readonly bytes: number;
  readonly dirs: number;
}

function fileInput(f: InputFile, at: string = f.rel): LayoutInput {
  return { nar: narOfFile(f.contents, false), at, files: 1, bytes: f.contents.length, dirs: 0 };
}

function dirInput(files: readonly InputFile[], at: string, strip: string): LayoutInput {
  const inner = files.map((f) => ({ rel: f.rel.slice(strip.length), contents: f.contents }));
  const dirs = new Set<string>(['']);
  for (const f of inner) {
    const p = f.rel.split('/');
    for (let k = 1; k < p.length; k++) dirs.add(p.slice(0, k).join('/'));
  }
  return { nar: narOfTree(inner), at, files: files.length, bytes: files.reduce((s, f) => s + f.contents.length, 0), dirs: dirs.size };
}

/** The store paths of TU `t` in a layout. */
export function layoutInputs(layout: Layout, t: SyntheticTu): LayoutInput[] {
  switch (layout) {
    case 'A1':
    case 'A1t':
      return tuFiles(t).map((f) => fileInput(f));
    case 'A2':
      return [dirInput(tuFiles(t), '.', '')];
    case 'A3': {
      const byDir = new Map<string, InputFile[]>();
      for (const f of [...t.shared, ...t.own]) {
        const d = path.posix.dirname(f.rel);
        byDir.set(d, [...(byDir.get(d) ?? []), f]);
      }
      return [fileInput(t.tu), ...[...byDir].map(([d, fs]) => dirInput(fs, d, `${d}/`))];
    }
  }
}

export interface Growth {
  readonly paths: number;
  readonly files: number;
  readonly narBytes: number;
  /** Files rounded up to 4 KiB blocks plus one block per folder: roughly what `du` shows on ext4. */
  readonly diskBytes: number;
}

const BLOCK = 4096;

function growthOf(inputs: Iterable<[string, LayoutInput]>): Growth {
  let paths = 0;
  let files = 0;
  let narBytes = 0;
  let diskBytes = 0;
  for (const [, i] of inputs) {
    paths++;
    files += i.files;
    narBytes += i.nar.length;
    // A file's blocks are counted at its average size, which is exact for these equal-sized files.
    diskBytes += i.files * Math.ceil(i.bytes / i.files / BLOCK) * BLOCK + i.dirs * BLOCK;
  }
  return { paths, files, narBytes, diskBytes };
}

function distinctInputs(layout: Layout, tus: readonly SyntheticTu[]): Map<string, LayoutInput> {
  const m = new Map<string, LayoutInput>();
  for (const t of tus) for (const i of layoutInputs(layout, t)) m.set(narSha256Hex(i.nar), i);
  return m;
}

export interface GrowthReport {
  readonly layout: Layout;
  /** What a cold build of all TUs adds. */
  readonly cold: Growth;
  /** What editing one shared header then adds. */
  readonly editShared: Growth;
  /** What editing one TU's own header then adds. */
  readonly editOwn: Growth;
}

/** The store growth of `n` synthetic TUs per layout, by content (equal contents are one path). Pure. */
export function storeGrowth(layout: Layout, n: number): GrowthReport {
  const tus = Array.from({ length: n }, (_, i) => syntheticTu(i, 'base', `base-${i}`));
  const before = distinctInputs(layout, tus);
  const added = (after: Map<string, LayoutInput>): Growth => growthOf([...after].filter(([h]) => !before.has(h)));
  const editShared = tus.map((t) => ({ ...t, shared: t.shared.map((f, k) => (k === 0 ? { rel: f.rel, contents: headerText(f.rel, 'edited') } : f)) }));
  const editOwn = tus.map((t, i) => (i === 0 ? { ...t, own: t.own.map((f, k) => (k === 0 ? { rel: f.rel, contents: headerText(f.rel, 'edited') } : f)) } : t));
  return { layout, cold: growthOf(before), editShared: added(distinctInputs(layout, editShared)), editOwn: added(distinctInputs(layout, editOwn)) };
}

export interface Summary extends Stats {
  readonly mean: number;
}

/** stats() plus the mean. */
export function summarize(xs: readonly number[]): Summary {
  return { ...stats(xs), mean: xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length };
}

/** Makes `objs[i]` distinct ELF objects from one: the symbol name `marker` (in .strtab) gets i as its last digits. */
export function patchObject(template: Buffer, marker: string, i: number): Buffer {
  const digits = String(i);
  if (digits.length > marker.length - 'nixmake_obj_'.length) throw new Error(`object index ${i} too large for ${marker}`);
  const name = Buffer.from(marker.slice(0, marker.length - digits.length) + digits);
  const out = Buffer.from(template);
  let at = out.indexOf(marker);
  if (at < 0) throw new Error(`marker ${marker} not in the template object`);
  for (; at >= 0; at = out.indexOf(marker, at + 1)) name.copy(out, at);
  return out;
}

export interface Options {
  readonly k: number;
  readonly kBig: number;
  readonly j: number;
  readonly rounds: number;
  readonly experiments: ReadonlySet<string>;
  readonly programs: readonly ('cc' | 'trivial')[];
  readonly ns: readonly number[];
  readonly json: string | undefined;
  readonly growthTus: number;
  /** Interleave the variants of a round derivation by derivation (else batch by batch). */
  readonly mix: boolean;
  /** Each round waits (up to 10 minutes) for the 1-minute load average to drop below this. */
  readonly maxLoad: number;
}

export function parseOptions(argv: readonly string[]): Options {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  const int = (flag: string, dflt: number): number => {
    const v = get(flag);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: '${v}' is not a positive integer`);
    return n;
  };
  const mix = get('--interleave') ?? 'drv';
  if (mix !== 'drv' && mix !== 'batch') throw new Error(`--interleave: '${mix}' is not drv or batch`);
  const maxLoad = Number(get('--max-load') ?? 'Infinity');
  if (Number.isNaN(maxLoad) || maxLoad <= 0) throw new Error('--max-load needs a positive number');
  const known = new Set(['--max-load', '--interleave', '--k', '--k-big', '--j', '--rounds', '--experiments', '--programs', '--n', '--json', '--growth-tus']);
  for (let i = 0; i < argv.length; i += 2) if (!known.has(argv[i] as string)) throw new Error(`unknown option ${argv[i]}`);
  const k = int('--k', 100);
  const programs = (get('--programs') ?? 'cc,trivial').split(',');
  for (const p of programs) if (p !== 'cc' && p !== 'trivial') throw new Error(`--programs: '${p}' is not cc or trivial`);
  const experiments = new Set((get('--experiments') ?? 'A,B,C').split(',').map((s) => s.toUpperCase()));
  for (const e of experiments) if (!['A', 'B', 'C'].includes(e)) throw new Error(`--experiments: '${e}' is not A, B or C`);
  const ns = (get('--n') ?? '100,1000').split(',').map(Number);
  for (const n of ns) if (!Number.isInteger(n) || n < 1 || n > 99999) throw new Error(`--n: '${n}' is not an object count`);
  return {
    k,
    kBig: int('--k-big', Math.min(k, 30)),
    j: int('--j', 2),
    rounds: int('--rounds', 2),
    experiments,
    programs: programs as ('cc' | 'trivial')[],
    ns,
    json: get('--json'),
    growthTus: int('--growth-tus', 1000),
    mix: mix === 'drv',
    maxLoad,
  };
}

// ------------------------------------------------------------ daemon part

const OUT = hashPlaceholder('out');
const BUILD_DIR = '/build/src';
const TIMING = /^@nixmake run_ms=([0-9.]+) status=(-?\d+)$/;

interface Prepared {
  readonly drvPath: string;
  /** Time to add this derivation's new inputs, and how many were new. */
  readonly addMs: number;
  readonly added: number;
  readonly inputs: number;
  readonly drvMs: number;
}

interface BatchResult {
  readonly variant: string;
  readonly round: number;
  /** Builds that failed with a daemon error (not counted in the timings). */
  readonly failed: number;
  /** The 1-minute load average when the round started. */
  readonly load: number;
  readonly buildMs: number[];
  readonly runMs: number[];
  /** Build time minus the helper's run_ms: Nix's share. */
  readonly overMs: number[];
  readonly addMs: number[];
  readonly added: number[];
  readonly inputs: number[];
  readonly drvMs: number[];
  readonly prepareTotalMs: number;
  readonly buildTotalMs: number;
}

/** Adds store paths the way DaemonStore.addNar does (temp root, validity check, add), once per path per batch. */
class Adder {
  private readonly seen = new Map<string, Promise<boolean>>();
  /** `done` answers whether this call added the path (false if it was valid or another call added it). */
  add(c: DaemonConnection, name: string, nar: Buffer): { path: string; done: Promise<boolean> } {
    const p = makeSourcePath(name, narSha256Hex(nar));
    const earlier = this.seen.get(p);
    if (earlier) return { path: p, done: earlier.then(() => false) };
    const done = (async () => {
      await c.addTempRoot(p);
      if (await c.isValidPath(p)) return false;
      const info = await c.addToStoreNar(name, nar);
      if (info.path !== p) throw new Error(`the daemon stored ${name} at ${info.path}, not ${p}`);
      return true;
    })();
    this.seen.set(p, done);
    return { path: p, done };
  }
}

async function addDrv(c: DaemonConnection, spec: InputAddressedSpec): Promise<ReturnType<typeof makeInputAddressedDerivation>> {
  const d = makeInputAddressedDerivation(spec);
  const refs = [...spec.inputSrcs, ...Object.keys(spec.inputDrvs)];
  const p = await c.addTextToStore(`${spec.name}.drv`, d.text, refs);
  if (p !== d.drvPath) throw new Error(`the daemon stored ${spec.name}.drv at ${p}, computed ${d.drvPath}`);
  return d;
}

async function pool<T>(conns: readonly DaemonConnection[], n: number, f: (c: DaemonConnection, i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    conns.map(async (c) => {
      for (let i = next++; i < n; i = next++) out[i] = await f(c, i);
    }),
  );
  return out;
}

interface Built {
  readonly ms: number;
  readonly runMs: number | undefined;
  /** Why the build failed (it is then left out of the timings), or undefined. */
  readonly error?: string;
}

async function build(c: DaemonConnection, drvPath: string): Promise<Built> {
  let runMs: number | undefined;
  const log: string[] = [];
  const t0 = performance.now();
  let r;
  try {
    [r] = await c.buildPathsWithResults([`${drvPath}!out`], 0, (line) => {
      const m = TIMING.exec(line);
      if (m) runMs = Number(m[1]);
      else log.push(line);
    });
  } catch (e) {
    if (!(e instanceof DaemonError)) throw e;
    process.stderr.write(`  ${drvPath}: ${e.message.split('\n')[0]}\n`);
    return { ms: performance.now() - t0, runMs, error: e.message };
  }
  const ms = performance.now() - t0;
  if (!r?.success) throw new Error(`${drvPath} failed: ${r?.errorMsg}\n${log.join('\n')}`);
  return { ms, runMs };
}

/** Waits (up to 10 minutes) until the 1-minute load average is below `max`. */
async function quiet(max: number): Promise<void> {
  for (let waited = 0; (os.loadavg()[0] as number) >= max && waited < 600; waited += 5) {
    if (waited % 60 === 0) process.stderr.write(`  waiting for load ${(os.loadavg()[0] as number).toFixed(2)} < ${max}\n`);
    await new Promise((r) => setTimeout(r, 5000));
  }
}

interface Variant {
  readonly name: string;
  readonly prepare: (c: DaemonConnection, i: number, adder: Adder) => Promise<Prepared>;
}

/**
 * One round: every variant's K derivations. With `mix`, each variant's
 * inputs and .drv files are added (timed per variant), then the builds run
 * in the order v1#0 v2#0 … v1#1 v2#1 …, so load from elsewhere hits every
 * variant alike; a variant's batch total is then the sum of its build times
 * over J. Without, each variant is added and built as a batch of its own.
 */
async function runRound(conns: readonly DaemonConnection[], round: number, k: number, variants: readonly Variant[], mix: boolean, maxLoad: number): Promise<BatchResult[]> {
  await quiet(maxLoad);
  const load = os.loadavg()[0] as number;
  const prepareAll = async (v: Variant): Promise<{ prepared: Prepared[]; ms: number }> => {
    const adder = new Adder();
    const t0 = performance.now();
    const prepared = await pool(conns, k, (c, i) => v.prepare(c, i, adder));
    return { prepared, ms: performance.now() - t0 };
  };
  const result = (v: Variant, p: { prepared: Prepared[]; ms: number }, all: Built[], totalMs: number): BatchResult => {
    const built = all.filter((b) => b.error === undefined);
    const r: BatchResult = {
      failed: all.length - built.length,
      variant: v.name,
      round,
      load,
      buildMs: built.map((b) => b.ms),
      runMs: built.flatMap((b) => (b.runMs === undefined ? [] : [b.runMs])),
      overMs: built.flatMap((b) => (b.runMs === undefined ? [] : [b.ms - b.runMs])),
      addMs: p.prepared.map((x) => x.addMs),
      added: p.prepared.map((x) => x.added),
      inputs: p.prepared.map((x) => x.inputs),
      drvMs: p.prepared.map((x) => x.drvMs),
      prepareTotalMs: p.ms,
      buildTotalMs: totalMs,
    };
    const s = summarize(r.buildMs);
    process.stderr.write(`  ${v.name} round ${round}: build median ${s.median.toFixed(1)} ms, total ${(totalMs / 1000).toFixed(2)} s, load ${load.toFixed(2)}\n`);
    return r;
  };
  if (!mix) {
    const out: BatchResult[] = [];
    for (const v of variants) {
      const p = await prepareAll(v);
      const t0 = performance.now();
      const built = await pool(conns, k, (c, i) => build(c, (p.prepared[i] as Prepared).drvPath));
      out.push(result(v, p, built, performance.now() - t0));
    }
    return out;
  }
  const ps: { prepared: Prepared[]; ms: number }[] = [];
  for (const v of variants) ps.push(await prepareAll(v));
  const nv = variants.length;
  const built = await pool(conns, k * nv, (c, x) => build(c, (ps[x % nv]?.prepared[Math.floor(x / nv)] as Prepared).drvPath));
  return variants.map((v, vi) => {
    const mine = built.filter((_, x) => x % nv === vi);
    return result(v, ps[vi] as { prepared: Prepared[]; ms: number }, mine, mine.reduce((a, b) => a + b.ms, 0) / conns.length);
  });
}

/** Adds inputs (timed), then the .drv (timed separately). */
async function prepareDrv(
  c: DaemonConnection,
  adder: Adder,
  nars: readonly { name: string; nar: Buffer }[],
  spec: (paths: string[]) => InputAddressedSpec,
): Promise<Prepared> {
  const t0 = performance.now();
  const adds = nars.map((n) => adder.add(c, n.name, n.nar));
  const fresh = await Promise.all(adds.map((a) => a.done));
  const t1 = performance.now();
  const d = await addDrv(c, spec(adds.map((a) => a.path)));
  const t2 = performance.now();
  return { drvPath: d.drvPath, addMs: t1 - t0, added: fresh.filter(Boolean).length, inputs: nars.length, drvMs: t2 - t1 };
}

interface Ctx {
  readonly conns: readonly DaemonConnection[];
  readonly tc: Toolchain;
  readonly builder: DrvRef;
  readonly system: string;
  readonly opts: Options;
}

function helperSpec(ctx: Ctx, name: string, args: string[], env: Record<string, string>, inputSrcs: string[], inputDrvs: InputAddressedSpec['inputDrvs'] = {}): InputAddressedSpec {
  return {
    name,
    system: ctx.system,
    builder: ctx.builder.out,
    args,
    env: { PATH: ctx.tc.path.join(':'), ...env },
    inputSrcs: [...ctx.tc.storePaths, ...inputSrcs],
    inputDrvs: { [ctx.builder.drvPath]: { outputs: ['out'], hashModulo: ctx.builder.hashModulo }, ...inputDrvs },
  };
}

/** The trivial program: the helper makes $out a symlink, then runs the compiler driver's `-dumpversion` (no /bin/true in a stock sandbox). */
const trivial = (ctx: Ctx): string[] => ['--ln', 'nixmake-bench', OUT, '--', ctx.tc.cc, '-dumpversion'];

function layoutArgs(layout: Layout, inputs: readonly LayoutInput[], paths: readonly string[]): string[] {
  if (layout === 'A2') return ['--ln', paths[0] as string, BUILD_DIR, '--cd', BUILD_DIR];
  const args = layout === 'A1t' ? ['--workdir', BUILD_DIR] : ['--mkdir', BUILD_DIR, '--cd', BUILD_DIR];
  inputs.forEach((inp, k) => args.push('--ln', paths[k] as string, inp.at));
  return args;
}

function floorVariant(ctx: Ctx, name: string): Variant {
  const salt = randomBytes(8).toString('hex');
  return {
    name,
    prepare: async (c, i) => {
      const t0 = performance.now();
      const d = await addDrv(c, helperSpec(ctx, `floor${i}`, trivial(ctx), { salt: `${salt}-${i}` }, []));
      return { drvPath: d.drvPath, addMs: 0, added: 0, inputs: 0, drvMs: performance.now() - t0 };
    },
  };
}

function layoutVariant(ctx: Ctx, layout: Layout, program: 'cc' | 'trivial'): Variant {
  const salt = randomBytes(8).toString('hex');
  return {
    name: `${layout}-${program}`,
    prepare: async (c, i, adder) => {
      const t = syntheticTu(i, salt, `${salt}-${i}`);
      const inputs = layoutInputs(layout, t);
      return prepareDrv(
        c,
        adder,
        inputs.map((inp) => ({ name: 'nixmake-input', nar: inp.nar })),
        (paths) => {
          const prog = program === 'cc' ? ['--', ctx.tc.cc, ...ctx.tc.cflags, '-c', '-Iinclude', '-o', OUT, t.tu.rel] : trivial(ctx);
          return helperSpec(ctx, `m${i}.o`, [...layoutArgs(layout, inputs, paths), ...prog], { salt: `${salt}-${i}` }, paths);
        },
      );
    },
  };
}

/** A1, A2, A3 (and, with the trivial program, the floor) mixed in each round; each program its own round. */
async function experimentA(ctx: Ctx): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (let round = 1; round <= ctx.opts.rounds; round++) {
    for (const program of ctx.opts.programs) {
      const variants = (['A1', 'A1t', 'A2', 'A3'] as const).map((l) => layoutVariant(ctx, l, program));
      if (program === 'trivial') variants.push(floorVariant(ctx, 'C-floor (mixed into A)'));
      results.push(...(await runRound(ctx.conns, round, ctx.opts.k, variants, ctx.opts.mix, ctx.opts.maxLoad)));
    }
  }
  return results;
}

const MARKER = 'nixmake_obj_0000000';

function templateObject(): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-bench-obj-'));
  try {
    const src = path.join(dir, 'o.c');
    fs.writeFileSync(src, `int ${MARKER}(int x) { return x * 3 + 1; }\nint ${MARKER}_data[4] = {1, 2, 3, 4};\n`);
    const r = spawnSync('/usr/bin/gcc', ['-c', '-O2', '-o', path.join(dir, 'o.o'), src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot compile the template object: ${r.stderr}`);
    return fs.readFileSync(path.join(dir, 'o.o'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** N object derivations per form (not salted: built once, then found valid). */
async function objectDrvs(ctx: Ctx, n: number, form: 'file' | 'dir', template: Buffer): Promise<{ ref: DrvRef; obj: string }[]> {
  const adder = new Adder();
  const t0 = performance.now();
  const made = await pool(ctx.conns, n, async (c, i) => {
    const src = adder.add(c, 'nixmake-input', narOfFile(patchObject(template, MARKER, i), false));
    await src.done;
    const name = form === 'file' ? `obj${i}.o` : `obj${i}`;
    const args = form === 'file' ? ['--', ctx.tc.ar, 'qcsD', OUT, src.path] : ['--mkdir', OUT, '--', ctx.tc.ar, 'qcsD', `${OUT}/obj${i}.o`, src.path];
    const d = await addDrv(c, helperSpec(ctx, name, args, { bench: 'builderAlternatives-object' }, [src.path]));
    const out = d.outputs['out'] as string;
    await c.addTempRoot(out);
    if (!(await c.isValidPath(out))) await build(c, d.drvPath);
    return { ref: { drvPath: d.drvPath, hashModulo: d.hashModulo, out }, obj: form === 'file' ? out : `${out}/obj${i}.o` };
  });
  process.stderr.write(`  ${n} objects as ${form}s ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return made;
}

async function experimentB(ctx: Ctx): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  const template = templateObject();
  for (const n of ctx.opts.ns) {
    const objs = { file: await objectDrvs(ctx, n, 'file', template), dir: await objectDrvs(ctx, n, 'dir', template) };
    const k = n >= 1000 ? ctx.opts.kBig : ctx.opts.k;
    for (let round = 1; round <= ctx.opts.rounds; round++) {
      for (const program of ctx.opts.programs) {
        const variants = (['file', 'filet', 'dir'] as const).map((form): Variant => {
          const salt = randomBytes(8).toString('hex');
          const these = objs[form === 'filet' ? 'file' : form];
          return {
            name: `B-${n}-${form}s-${program === 'cc' ? 'ar' : 'trivial'}`,
            prepare: async (c, i) => {
              const t0 = performance.now();
              // filet: the objects' links on the sandbox's tmpfs (--workdir), as nixmake's links do.
              const ops = [...(form === 'filet' ? ['--workdir', '/build/link'] : []), '--objects', 'objs', String(n), ...these.map((o) => o.obj)];
              const prog = program === 'cc' ? ['--', ctx.tc.ar, 'qcsD', OUT, '@nixmake-objects@'] : trivial(ctx);
              const inputDrvs = Object.fromEntries(these.map((o) => [o.ref.drvPath, { outputs: ['out'], hashModulo: o.ref.hashModulo }]));
              const d = await addDrv(c, helperSpec(ctx, `libbench${i}.a`, [...ops, ...prog], { salt: `${salt}-${i}` }, [], inputDrvs));
              return { drvPath: d.drvPath, addMs: 0, added: 0, inputs: n, drvMs: performance.now() - t0 };
            },
          };
        });
        results.push(...(await runRound(ctx.conns, round, k, variants, ctx.opts.mix, ctx.opts.maxLoad)));
      }
    }
  }
  return results;
}

async function experimentC(ctx: Ctx): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (let round = 1; round <= ctx.opts.rounds; round++) results.push(...(await runRound(ctx.conns, round, ctx.opts.k, [floorVariant(ctx, 'C-floor')], false, ctx.opts.maxLoad)));
  return results;
}

// ------------------------------------------------------------- reporting

const f1 = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(1));
const f2 = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(2));

export function variantTable(results: readonly BatchResult[]): string {
  const byVariant = new Map<string, BatchResult[]>();
  for (const r of results) byVariant.set(r.variant, [...(byVariant.get(r.variant) ?? []), r]);
  const rows = [
    '| variant | builds | build median ms | mean | min–max | helper run median ms | build − run median | batch build total s (median, min–max, batches) | new inputs / drv (mean) | add inputs median ms / drv | mean | add .drv median ms | batch add total s (median) | load at start |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [v, rs] of byVariant) {
    const b = summarize(rs.flatMap((r) => r.buildMs));
    const failed = rs.reduce((a, r) => a + r.failed, 0);
    const run = summarize(rs.flatMap((r) => r.runMs));
    const over = summarize(rs.flatMap((r) => r.overMs));
    const tot = summarize(rs.map((r) => r.buildTotalMs / 1000));
    const added = summarize(rs.flatMap((r) => r.added));
    const add = summarize(rs.flatMap((r) => r.addMs));
    const drv = summarize(rs.flatMap((r) => r.drvMs));
    const prep = summarize(rs.map((r) => r.prepareTotalMs / 1000));
    const load = summarize(rs.map((r) => r.load));
    rows.push(
      `| ${v} | ${b.n}${failed ? ` (+${failed} failed)` : ''} | ${f1(b.median)} | ${f1(b.mean)} | ${f1(b.min)}–${f1(b.max)} | ${f1(run.median)} | ${f1(over.median)} | ${f2(tot.median)} (${f2(tot.min)}–${f2(tot.max)}, ${tot.n}) | ${f2(added.mean)} | ${f2(add.median)} | ${f2(add.mean)} | ${f2(drv.median)} | ${f2(prep.median)} | ${f2(load.min)}–${f2(load.max)} |`,
    );
  }
  return rows.join('\n');
}

export function growthTable(reports: readonly GrowthReport[], n: number): string {
  const size = (b: number): string => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(1)} KB`);
  const g = (x: Growth): string => `${x.paths} paths, ${x.files} files, ${size(x.narBytes)} NAR, ~${size(x.diskBytes)} disk`;
  const rows = [`| layout | cold build of ${n} TUs | then edit 1 shared header | then edit 1 own header |`, '|---|---|---|---|'];
  for (const r of reports) rows.push(`| ${r.layout} | ${g(r.cold)} | ${g(r.editShared)} | ${g(r.editOwn)} |`);
  return rows.join('\n');
}

// ------------------------------------------------------------------- main

async function main(argv: readonly string[]): Promise<void> {
  const opts = parseOptions(argv);
  const socket = daemonSocketPath();
  const settings: ClientSettings = readClientSettings(process.env);
  const rootDir = path.join(os.tmpdir(), `nixmake-bench-builderAlternatives-${process.getuid?.() ?? 0}`);
  fs.mkdirSync(rootDir, { recursive: true });
  // The host toolchain imported into the store, as nixmake's own builds use it (no memo: the machine-wide record).
  const memo = { getMeta: (): undefined => undefined, setMeta: (): void => undefined, loadFiles: () => new Map(), saveFiles: (): void => undefined };
  const tc: Toolchain = await resolveToolchain(HOST_TOOLCHAIN, memo, new FileHasher(memo), rootDir);
  const store = new DaemonStore(socket, settings, 2);
  const conns: DaemonConnection[] = [];
  try {
    const builder = await ensureBuilder(store, tc, { out: path.join(rootDir, 'builder'), drv: path.join(rootDir, 'builder-drv') }, false);
    for (let i = 0; i < opts.j; i++) {
      const c = await DaemonConnection.open(socket);
      await c.setOptions({ ...settings, verbosity: 1 });
      conns.push(c);
    }
    const ctx: Ctx = { conns, tc, builder, system: tc.system, opts };
    process.stderr.write(`builderAlternatives: K=${opts.k} (N≥1000: ${opts.kBig}) J=${opts.j} rounds=${opts.rounds}, daemon ${conns[0]?.daemonNixVersion ?? '?'}\n`);
    const out: Record<string, unknown> = { options: { ...opts, experiments: [...opts.experiments] }, date: new Date().toISOString(), cores: os.cpus().length };
    const sections: string[] = [];
    if (opts.experiments.has('C')) {
      const r = await experimentC(ctx);
      out['C'] = r;
      sections.push(`### C. Floor (helper, /bin/true, no inputs)\n\n${variantTable(r)}`);
    }
    if (opts.experiments.has('A')) {
      const r = await experimentA(ctx);
      out['A'] = r;
      const growth = (['A1', 'A2', 'A3'] as const).map((l) => storeGrowth(l, opts.growthTus));
      out['growth'] = growth.map((g) => ({ layout: g.layout, cold: g.cold, editShared: g.editShared, editOwn: g.editOwn }));
      sections.push(`### A. Header layout (1 TU + ${HEADERS_PER_TU} headers)\n\n${variantTable(r)}\n\nStore growth (computed):\n\n${growthTable(growth, opts.growthTus)}`);
    }
    if (opts.experiments.has('B')) {
      const r = await experimentB(ctx);
      out['B'] = r;
      sections.push(`### B. Link inputs: objects as files vs folders\n\n${variantTable(r)}`);
    }
    process.stdout.write(`${sections.join('\n\n')}\n`);
    if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify(out, null, 1)}\n`);
  } finally {
    for (const c of conns) await c.close();
    store.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`builderAlternatives: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
