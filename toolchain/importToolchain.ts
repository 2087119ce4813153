/**
 * importToolchain: puts the host's GCC, binutils and C library into the Nix
 * store as two store paths, so that derivations name only store paths and
 * build in a sandbox that sees nothing of the host.
 *
 * - `nixmake-host-glibc-<version>`: `lib/` holds the dynamic linker, the C
 *   library and every shared library the tools or the programs they link
 *   load (gmp, mpfr, mpc, isl, zstd, z, bfd, ctf, sframe, jansson,
 *   libstdc++, libgcc_s, …), each under the name programs ask for. Nothing
 *   in it is patched, and it refers to nothing.
 * - `nixmake-host-gcc-<version>`: GCC's relocatable prefix (`bin/gcc`,
 *   `lib/gcc/<target>/<major>/cc1`, …, with as and ld beside cc1 so the
 *   driver finds them without PATH) and, under `sysroot/`, the C library's
 *   headers, start files, static libraries and linker scripts, laid out as
 *   on the host (`sysroot/usr/include`, `sysroot/usr/lib/<target>`, `lib`
 *   → `usr/lib`). Every program and shared library in it is patched
 *   (patchelf) to the first path's dynamic linker, with a DT_RPATH (which,
 *   unlike DT_RUNPATH, also serves the libraries they load) to its `lib/`.
 *   The sysroot's shared libraries are symlinks into the first path. It
 *   refers to the first path, so it is added with that reference
 *   (addWithReferences).
 *
 * The file lists come from the toolchain itself (hostToolchain). Staging is
 * deterministic (sorted, NARs ignore times and owners; patchelf is a pure
 * function of its input), so importing the same toolchain twice gives the
 * same paths. The result is cached in `cacheFile` under a key of the
 * drivers' stat and the packages' versions.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLink, replaceSymlink } from '../core/links.js';
import { writeAtomically } from '../core/writeAtomically.js';
import { addNarWithReferences, narReferences } from '../store/addWithReferences.js';
import { DaemonConnection } from '../store/DaemonConnection.js';
import { daemonSocketPath } from '../store/daemonAddress.js';
import { narOfPath, narSha256Hex } from '../store/nar.js';
import { makeSourcePath } from '../store/storePath.js';
import { elfKind } from './elf.js';
import type { HostToolchain } from './hostToolchain.js';
import { probeHostToolchain } from './hostToolchain.js';

/** Bump when the staged layout changes: the cache is then ignored and new paths are made. */
export const IMPORT_LAYOUT = 1;

/** What an import made: everything a derivation needs to compile and link with it. */
export interface ImportedToolchain {
  readonly layout: number;
  /** The cache key: the drivers' stat and the packages' versions. */
  readonly key: string;
  readonly version: string;
  readonly target: string;
  readonly storePaths: { readonly libc: string; readonly tools: string };
  /** Every tool by absolute store path. */
  readonly cc: string;
  readonly cxx: string;
  readonly ar: string;
  readonly ranlib: string;
  readonly ld: string;
  readonly as: string;
  /** PATH for builders (the tools' bin/); the drivers need none. */
  readonly path: readonly string[];
  readonly sysroot: string;
  /** The dynamic linker programs built with this toolchain name as their interpreter. */
  readonly dynamicLinker: string;
  /** The folder built programs need in their rpath (the C library, libstdc++, libgcc_s). */
  readonly libDir: string;
  /** Flags for every compile and link. */
  readonly cflags: readonly string[];
  /** Further flags for every link: interpreter and rpath into the store. */
  readonly ldflags: readonly string[];
  /** The NAR sizes of the two paths, bytes. */
  readonly narSize: { readonly libc: number; readonly tools: number };
}

export interface ImportOptions {
  readonly cc?: string;
  readonly cxx?: string;
  /** Default: the daemon socket from NIX_REMOTE / NIX_DAEMON_SOCKET_PATH. */
  readonly socketPath?: string;
  /** A JSON file remembering the last import (read, then written). */
  readonly cacheFile?: string;
  /** A folder to make `libc` and `tools` GC roots in (indirect roots). */
  readonly gcRootDir?: string;
  /** Where staging happens; default the OS temp folder. */
  readonly tmpDir?: string;
  /** Called with progress lines. */
  readonly log?: (line: string) => void;
}

/** A host path's place in the tools tree, or undefined when it is not imported (docs, /etc). */
export function stagedPath(hostPath: string, mergedUsr: Readonly<Record<string, string>>): string | undefined {
  let p = path.normalize(hostPath);
  const top = p.split('/')[1] ?? '';
  const merged = mergedUsr[top];
  if (merged) p = `/${merged}${p.slice(top.length + 1)}`;
  if (p === '/usr/share' || p.startsWith('/usr/share/')) return undefined;
  if (p.startsWith('/usr/bin/')) return `bin/${p.slice('/usr/bin/'.length)}`;
  if (p.startsWith('/usr/lib/gcc/')) return `lib/gcc/${p.slice('/usr/lib/gcc/'.length)}`;
  if (p.startsWith('/usr/libexec/gcc/')) return `libexec/gcc/${p.slice('/usr/libexec/gcc/'.length)}`;
  // libstdc++'s headers are GCC's gxx-include-dir: found relative to the prefix, never in the sysroot.
  if (/^\/usr\/include\/([^/]+\/)?c\+\+\//.test(p)) return p.slice('/usr/'.length);
  if (p.startsWith('/usr/')) return `sysroot${p}`;
  return undefined;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** The cache key: what would change if the host toolchain changed, without reading its files. */
export function importKey(host: Pick<HostToolchain, 'ccReal' | 'cxxReal' | 'packageVersions' | 'binutils'>): string {
  const stats = [host.ccReal, host.cxxReal, ...Object.values(host.binutils)].map((f) => {
    const st = fs.statSync(f);
    return [f, st.size, st.mtimeMs, st.ino];
  });
  return sha256(JSON.stringify({ layout: IMPORT_LAYOUT, stats, packages: Object.entries(host.packageVersions).sort() }));
}

function copyFile(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  const exec = (fs.statSync(from).mode & 0o100) !== 0;
  fs.chmodSync(to, exec ? 0o755 : 0o644);
}

function symlink(target: string, at: string): void {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(target, at);
}

/** Stages the first path: `lib/<name>` for every runtime library, copied from its real file. */
export function stageLibc(host: HostToolchain, dir: string): void {
  for (const lib of host.runtime) copyFile(fs.realpathSync(lib.hostPath), path.join(dir, 'lib', lib.name));
}

/** Stages the second path (`libc` is the first path's store path) and patches its ELF files. */
export function stageTools(host: HostToolchain, libc: string, dir: string): void {
  const place = (p: string): string | undefined => stagedPath(p, host.mergedUsr);
  // The sysroot's runtime libraries are the first path's.
  const runtimeAt = new Map<string, string>();
  for (const lib of host.runtime) {
    const rel = place(lib.hostPath);
    if (rel?.startsWith('sysroot/')) runtimeAt.set(rel, `${libc}/lib/${lib.name}`);
  }
  for (const [rel, target] of runtimeAt) symlink(target, path.join(dir, rel));
  const staged = new Set<string>(runtimeAt.keys());
  const links: [string, string][] = [];
  for (const f of host.files) {
    const rel = place(f);
    if (!rel || staged.has(rel)) continue;
    const st = fs.lstatSync(f, { throwIfNoEntry: false });
    if (!st || st.isDirectory()) continue;
    staged.add(rel);
    if (st.isSymbolicLink()) links.push([f, rel]);
    else if (st.isFile()) copyFile(f, path.join(dir, rel));
  }
  // Symlinks point where their target was staged (relatively), or become copies.
  for (const [f, rel] of links) {
    const hostTarget = path.resolve(path.dirname(f), fs.readlinkSync(f));
    const targetRel = place(hostTarget);
    const at = path.join(dir, rel);
    if (targetRel && staged.has(targetRel)) symlink(path.relative(path.dirname(at), path.join(dir, targetRel)), at);
    else if (fs.existsSync(f)) copyFile(fs.realpathSync(f), at);
  }
  for (const [d, target] of Object.entries(host.mergedUsr)) {
    if (fs.existsSync(path.join(dir, 'sysroot', target))) symlink(target, path.join(dir, 'sysroot', d));
  }
  // The drivers under their configured names, and binutils beside cc1 so gcc finds them without PATH.
  const binOf = (real: string): string => {
    const rel = place(real);
    if (!rel?.startsWith('bin/') || !staged.has(rel)) throw new Error(`toolchain import: ${real} is not among the packages' files`);
    return rel.slice('bin/'.length);
  };
  for (const [name, real] of [[path.basename(host.cc), host.ccReal], [path.basename(host.cxx), host.cxxReal], ...Object.entries(host.binutils)] as const) {
    const at = path.join(dir, 'bin', name);
    if (!fs.existsSync(at)) symlink(binOf(real), at);
  }
  const libexec = place(host.libexecDir);
  if (!libexec) throw new Error(`toolchain import: cannot place ${host.libexecDir}`);
  for (const name of ['as', 'ld']) {
    const at = path.join(dir, libexec, name);
    if (!fs.existsSync(at)) symlink(path.relative(path.join(dir, libexec), path.join(dir, 'bin', name)), at);
  }
  patchElfFiles(dir, `${libc}/lib/${path.basename(host.interpreter)}`, `${libc}/lib`);
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function patchelf(args: readonly string[]): void {
  const r = spawnSync('patchelf', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`toolchain import: cannot run patchelf (apt-get install patchelf): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`toolchain import: patchelf ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

/** Programs get the store's interpreter; programs and shared libraries a DT_RPATH into the store. */
function patchElfFiles(dir: string, interpreter: string, rpath: string): void {
  for (const f of walk(dir)) {
    const kind = elfKind(f);
    if (!kind?.dynamic) continue;
    if (kind.interp) patchelf(['--set-interpreter', interpreter, '--force-rpath', '--set-rpath', rpath, f]);
    else patchelf(['--force-rpath', '--set-rpath', rpath, f]);
  }
}

function du(nar: Uint8Array): string {
  return `${(nar.byteLength / 1048576).toFixed(1)} MiB`;
}

/** Imports (or finds, through the cache) the host toolchain; see the file comment. */
export async function importToolchain(opts: ImportOptions = {}): Promise<ImportedToolchain> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const host = probeHostToolchain({ cc: opts.cc, cxx: opts.cxx });
  const key = importKey(host);
  const conn = await DaemonConnection.open(opts.socketPath ?? daemonSocketPath());
  try {
    const cached = readCache(opts.cacheFile);
    if (cached?.key === key) {
      const { libc, tools } = cached.storePaths;
      for (const p of [libc, tools]) await conn.addTempRoot(p);
      if ((await conn.isValidPath(libc)) && (await conn.isValidPath(tools))) {
        log(`toolchain: cached (${Date.now() - started} ms)`);
        await addRoots(conn, cached, opts.gcRootDir);
        return cached;
      }
    }
    const tmp = fs.mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), 'nixmake-toolchain-'));
    try {
      const libcDir = path.join(tmp, 'libc');
      stageLibc(host, libcDir);
      const libcNar = narOfPath(libcDir);
      const libcName = `nixmake-host-glibc-${host.libcVersion}`;
      const libc = makeSourcePath(libcName, narSha256Hex(libcNar));
      await conn.addTempRoot(libc);
      if (!(await conn.isValidPath(libc))) {
        const info = await conn.addToStoreNar(libcName, libcNar);
        if (info.path !== libc) throw new Error(`toolchain import: the daemon stored ${libcName} at ${info.path}, not at ${libc}`);
      }
      log(`toolchain: ${libc} (${host.runtime.length} libraries, NAR ${du(libcNar)})`);

      const toolsDir = path.join(tmp, 'tools');
      stageTools(host, libc, toolsDir);
      const toolsNar = narOfPath(toolsDir);
      const refs = narReferences(toolsNar, [libc]);
      if (refs.length !== 1) throw new Error('toolchain import: the staged tools do not refer to the C library');
      const tools = await addNarWithReferences(conn, `nixmake-host-gcc-${host.gccVersion}`, toolsNar, refs);
      log(`toolchain: ${tools} (${host.packages.length} packages, NAR ${du(toolsNar)})`);

      const dynamicLinker = `${libc}/lib/${path.basename(host.interpreter)}`;
      const result: ImportedToolchain = {
        layout: IMPORT_LAYOUT,
        key,
        version: `gcc ${host.gccVersion}, glibc ${host.libcVersion}`,
        target: host.target,
        storePaths: { libc, tools },
        cc: `${tools}/bin/${path.basename(host.cc)}`,
        cxx: `${tools}/bin/${path.basename(host.cxx)}`,
        ar: `${tools}/bin/ar`,
        ranlib: `${tools}/bin/ranlib`,
        ld: `${tools}/bin/ld`,
        as: `${tools}/bin/as`,
        path: [`${tools}/bin`],
        sysroot: `${tools}/sysroot`,
        dynamicLinker,
        libDir: `${libc}/lib`,
        cflags: [`--sysroot=${tools}/sysroot`],
        ldflags: [`-Wl,--dynamic-linker=${dynamicLinker}`, '-Wl,--disable-new-dtags', `-Wl,-rpath,${libc}/lib`],
        narSize: { libc: libcNar.byteLength, tools: toolsNar.byteLength },
      };
      await addRoots(conn, result, opts.gcRootDir);
      writeCache(opts.cacheFile, result);
      log(`toolchain: imported in ${Date.now() - started} ms`);
      return result;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } finally {
    await conn.close();
  }
}

async function addRoots(conn: DaemonConnection, tc: ImportedToolchain, dir: string | undefined): Promise<void> {
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries(tc.storePaths)) {
    const link = path.join(dir, `toolchain-${name}`);
    if (readLink(link) !== target) replaceSymlink(target, link);
    await conn.addIndirectRoot(path.resolve(link));
  }
}

function readCache(file: string | undefined): ImportedToolchain | undefined {
  if (!file) return undefined;
  try {
    const tc = JSON.parse(fs.readFileSync(file, 'utf8')) as ImportedToolchain;
    return tc.layout === IMPORT_LAYOUT ? tc : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string | undefined, tc: ImportedToolchain): void {
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeAtomically(file, `${JSON.stringify(tc, null, 2)}\n`);
}
