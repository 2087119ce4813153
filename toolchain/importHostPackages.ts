/**
 * importHostPackages: puts host libraries and tools that are not part of the
 * toolchain (`libonig-dev`, `zlib1g-dev`, `m4`, a folder such as
 * `/opt/foo`) into the Nix store as one store path per set of packages,
 * so that a sandbox without /usr can compile against their headers, link
 * their libraries and run their programs.
 *
 * What goes in, for each Debian package named:
 * - every file `dpkg -L` lists, at its /usr path (`usr/include/…`,
 *   `usr/lib/<target>/…`; a merged-/usr `/lib/…` file lands under
 *   `usr/lib/…`), leaving out docs, man pages and locales, and anything
 *   outside /usr (/etc);
 * - for a package whose `.so` symlinks point into another package (a -dev
 *   package and its runtime library: `libonig.so` → `libonig.so.5.3.0` of
 *   `libonig5`), that package too, so the library and its soname link are
 *   there at run time. Only the dependencies that hold such a target are
 *   taken;
 * - the -dev packages it depends on, the same way (`libpng-dev` brings
 *   `zlib1g-dev`: `png.h` includes `zlib.h`), except those the toolchain's
 *   sysroot already holds (`TOOLCHAIN_DEV_PACKAGES`);
 * - any shared library that a staged library or program loads (as `ldd`
 *   resolves it on the host) and that neither the staged packages nor the
 *   toolchain's C library path hold, copied under its soname into
 *   `usr/lib/<target>/` (`extraLibraries`).
 *
 * A folder named (absolute) is copied whole at its own path (`/opt/foo` →
 * `<out>/opt/foo`). Every file must be readable by everyone on the host:
 * the store is, and a private file is refused rather than published.
 *
 * Libraries are not patched: a program linked with the toolchain's flags
 * has a DT_RPATH (`--disable-new-dtags`) naming the C library's path and
 * this path's lib folder, and the loader searches an executable's DT_RPATH
 * for every library it loads (unless that library has a DT_RUNPATH of its
 * own, which Debian's libraries do not), so `libonig.so.5`'s `libc.so.6`
 * is found in the store. Programs (m4, bison) are patched like the
 * toolchain's: the store's dynamic linker and a DT_RPATH of
 * `$ORIGIN/…/usr/lib/<target>` and the C library's path, so the set refers
 * to the C library's path and to nothing else (never to itself).
 *
 * Deterministic: the same packages at the same versions give the same
 * content-addressed path. Cached in `cacheFile` under a key of the request,
 * the toolchain and the stat of dpkg's status file (any install or upgrade
 * re-stages; an unchanged set still lands on the same path).
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLink, replaceSymlink } from '../core/links.js';
import { addNarWithReferences, narReferences } from '../store/addWithReferences.js';
import { DaemonConnection } from '../store/DaemonConnection.js';
import { daemonSocketPath } from '../store/daemonAddress.js';
import { narOfPath } from '../store/nar.js';
import { DPKG_STATUS, bareName, canonicalUsrPath, mergedUsrDirs, packageFiles, queryInstalled } from './dpkg.js';
import type { InstalledPackage } from './dpkg.js';
import { elfKind } from './elf.js';
import { HOST_PACKAGES_LAYOUT } from './hostPackagesLayout.js';
import { parseLdd } from './hostToolchain.js';
import type { ImportedToolchain } from './importToolchain.js';

export { HOST_PACKAGES_LAYOUT };

/** -dev packages whose files the imported toolchain's sysroot already holds; a dependency on them is not followed. */
export const TOOLCHAIN_DEV_PACKAGES: readonly RegExp[] = [/^libc6?-dev$/, /^linux-libc-dev$/, /^libcrypt-dev$/, /^libgcc-\d+-dev$/, /^libstdc\+\+-\d+-dev$/];

/** /usr/share folders never imported. */
const SKIPPED_SHARE = new Set(['doc', 'doc-base', 'man', 'info', 'lintian', 'locale', 'bug', 'bash-completion', 'menu', 'gdb']);

/** The parts of an imported toolchain the packages are staged for. */
export type PackagesToolchain = Pick<ImportedToolchain, 'target' | 'libDir' | 'dynamicLinker'>;

/** One imported set of packages: its store path and the flags that use it. */
export interface ImportedPackages {
  readonly layout: number;
  /** The cache key: request, toolchain, dpkg's status file's stat (and the folders' files' stats). */
  readonly key: string;
  /** What was asked for, sorted and without duplicates: package names and absolute folders. */
  readonly requested: readonly string[];
  /** Every Debian package staged (`${binary:Package}` → version). */
  readonly packages: Readonly<Record<string, string>>;
  /** Shared libraries copied in by soname because something staged loads them: soname → host path. */
  readonly extraLibraries: Readonly<Record<string, string>>;
  readonly storePath: string;
  /** Store paths it refers to: the C library's when it holds patched programs, else none. */
  readonly references: readonly string[];
  /** `<p>/usr/include`, `<p>/usr/include/<target>`, `<p>/<folder>/include`, those that exist. */
  readonly includeDirs: readonly string[];
  /** `<p>/usr/lib/<target>`, `<p>/usr/lib`, `<p>/<folder>/lib`, those that hold files. */
  readonly libDirs: readonly string[];
  /** `<p>/usr/bin`, `<p>/<folder>/bin`, those that exist. */
  readonly binDirs: readonly string[];
  /** Compile flags: `-isystem DIR` for each include dir. */
  readonly cflags: readonly string[];
  /** Link flags: `-LDIR` and `-Wl,-rpath,DIR` for each lib dir (after the toolchain's, so its C library wins). */
  readonly ldflags: readonly string[];
  readonly narSize: number;
}

export interface ImportPackagesOptions {
  /** The imported toolchain the packages will be used with. */
  readonly toolchain: PackagesToolchain;
  /** Default: the daemon socket from NIX_REMOTE / NIX_DAEMON_SOCKET_PATH. */
  readonly socketPath?: string;
  /** A JSON file remembering imports, one per request (read, then written). */
  readonly cacheFile?: string;
  /** A folder to make the path a GC root in (`host-packages-<name>`, an indirect root). */
  readonly gcRootDir?: string;
  /** Where staging happens; default the OS temp folder. */
  readonly tmpDir?: string;
  readonly log?: (line: string) => void;
}

/** What staging copies: store-relative path → host path, and what it found on the way. */
export interface StagingPlan {
  readonly entries: ReadonlyMap<string, string>;
  readonly packages: Readonly<Record<string, string>>;
  readonly extraLibraries: Readonly<Record<string, string>>;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Sorted, without duplicates; folders normalised without a trailing slash. */
export function normaliseRequest(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => (n.startsWith('/') ? path.posix.normalize(n).replace(/(.)\/+$/, '$1') : n)))].sort();
}

/** The store name: the package names when short, else a hash of the request (pure). */
export function packagesStoreName(requested: readonly string[]): string {
  const names = requested.map((r) => (r.startsWith('/') ? r.slice(1).replace(/[^A-Za-z0-9+._-]/g, '_') : bareName(r))).join('+');
  return names.length > 0 && names.length <= 80 ? `nixmake-host-pkgs-${names}` : `nixmake-host-pkgs-${sha256(JSON.stringify(requested)).slice(0, 16)}`;
}

/** A host path's place in the staged tree, or undefined when it is left out (pure). */
export function packageFilePlace(hostPath: string, merged: Readonly<Record<string, string>>): string | undefined {
  const norm = path.posix.normalize(hostPath);
  // `/lib` itself, listed by packages that predate merged /usr: the folder, not a file.
  if (merged[norm.slice(1)] !== undefined) return undefined;
  const p = canonicalUsrPath(norm, merged);
  if (!p.startsWith('/usr/')) return undefined;
  const share = /^\/usr\/share\/([^/]+)/.exec(p);
  if (share && SKIPPED_SHARE.has(share[1] as string)) return undefined;
  return p.slice(1);
}

function walkFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, out);
    else if (e.isFile() || e.isSymbolicLink()) out.push(p);
  }
  return out;
}

/** The cache key: what would change if the packages or folders changed, without reading their files. */
export function hostPackagesKey(requested: readonly string[], tc: PackagesToolchain): string {
  const st = fs.statSync(DPKG_STATUS, { throwIfNoEntry: false });
  const dirs = requested.filter((r) => r.startsWith('/')).map((d) => {
    if (!fs.existsSync(d)) return [d, null];
    return [d, walkFiles(d).map((f) => {
      const s = fs.lstatSync(f);
      return [f, s.size, s.mtimeMs, s.ino, s.mode];
    })];
  });
  return sha256(JSON.stringify({ layout: HOST_PACKAGES_LAYOUT, requested, tc: [tc.target, tc.libDir, tc.dynamicLinker], dpkg: st ? [st.size, st.mtimeMs, st.ino] : null, dirs }));
}

/** The first installed alternative of each dependency, by one dpkg-query. */
function installedDeps(pkg: InstalledPackage): InstalledPackage[] {
  const found = queryInstalled([...new Set(pkg.depends.flat())]);
  return pkg.depends.flatMap((alts) => {
    const hit = alts.map((a) => found.get(a)).find((p) => p !== undefined);
    return hit ? [hit] : [];
  });
}

function realFile(p: string): string | undefined {
  try {
    return fs.statSync(p).isFile() ? fs.realpathSync(p) : undefined;
  } catch {
    return undefined;
  }
}

/** Decides what to stage (reads dpkg's database and the files' stats; copies nothing). */
export function planHostPackages(requested: readonly string[], tc: PackagesToolchain): StagingPlan {
  const merged = mergedUsrDirs();
  const names = requested.filter((r) => !r.startsWith('/'));
  const folders = requested.filter((r) => r.startsWith('/'));
  const asked = queryInstalled(names);
  const missing = names.filter((n) => !asked.has(n));
  if (missing.length > 0) throw new Error(`hostPackages: not installed: ${missing.join(', ')} (apt-get install ${missing.join(' ')})`);

  const chosen = new Map<string, InstalledPackage>();
  const filesOf = new Map<string, string[]>();
  const files = (p: InstalledPackage): string[] => {
    let f = filesOf.get(p.name);
    if (!f) filesOf.set(p.name, (f = packageFiles(p.name)));
    return f;
  };
  const queue = names.map((n) => asked.get(n) as InstalledPackage);
  while (queue.length > 0) {
    const pkg = queue.shift() as InstalledPackage;
    if (chosen.has(pkg.name)) continue;
    chosen.set(pkg.name, pkg);
    // The files its `.so` links resolve to: the runtime packages that hold them come along.
    const soTargets = new Set<string>();
    for (const f of files(pkg)) {
      if (!/\.so(\.[0-9.]+)?$/.test(f) || !fs.lstatSync(f, { throwIfNoEntry: false })?.isSymbolicLink()) continue;
      const real = realFile(f);
      if (real) soTargets.add(real);
    }
    for (const dep of installedDeps(pkg)) {
      if (chosen.has(dep.name) || TOOLCHAIN_DEV_PACKAGES.some((re) => re.test(bareName(dep.name)))) continue;
      if (bareName(dep.name).endsWith('-dev')) queue.push(dep);
      else if (soTargets.size > 0 && files(dep).some((f) => soTargets.has(realFile(f) ?? ''))) chosen.set(dep.name, dep);
    }
  }

  const entries = new Map<string, string>();
  const put = (rel: string, host: string): void => {
    if (!entries.has(rel)) entries.set(rel, host);
  };
  for (const pkg of [...chosen.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const f of files(pkg)) {
      const rel = packageFilePlace(f, merged);
      const st = fs.lstatSync(f, { throwIfNoEntry: false });
      if (rel && st && !st.isDirectory()) put(rel, f);
    }
  }
  for (const d of folders) {
    const st = fs.statSync(d, { throwIfNoEntry: false });
    if (!st?.isDirectory()) throw new Error(`hostPackages: ${d} is not a folder`);
    for (const f of walkFiles(d)) put(path.join(canonicalUsrPath(d, merged).slice(1), path.relative(d, f)), f);
  }

  // Shared libraries the staged ELF files load that neither the set nor the toolchain holds.
  const libDirRel = `usr/lib/${tc.target}`;
  const toolchainLibs = new Set(fs.existsSync(tc.libDir) ? fs.readdirSync(tc.libDir) : []);
  const extraLibraries: Record<string, string> = {};
  for (const [, host] of [...entries].sort()) {
    if (!realFile(host) || fs.lstatSync(host).isSymbolicLink()) continue;
    if (!elfKind(host)?.dynamic) continue;
    const r = spawnSync('ldd', [host], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    if (r.status !== 0) continue;
    for (const lib of parseLdd(r.stdout)) {
      if (lib.name.includes('/') || toolchainLibs.has(lib.name) || /^ld-linux/.test(lib.name) || lib.name === 'linux-vdso.so.1') continue;
      const rel = `${libDirRel}/${lib.name}`;
      if (entries.has(rel)) continue;
      entries.set(rel, lib.hostPath);
      extraLibraries[lib.name] = lib.hostPath;
    }
  }
  const packages: Record<string, string> = {};
  for (const p of [...chosen.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) packages[p.name] = p.version;
  return { entries, packages, extraLibraries };
}

function copyFile(from: string, to: string): void {
  const st = fs.statSync(from);
  if ((st.mode & 0o004) === 0) throw new Error(`hostPackages: ${from} is not readable by everyone; the Nix store is, so it is not imported`);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  fs.chmodSync(to, (st.mode & 0o100) !== 0 ? 0o755 : 0o644);
}

/** Copies the plan into `dir` (symlinks kept when their target is staged, else copied) and patches its programs. */
export function stagePackages(plan: StagingPlan, tc: PackagesToolchain, dir: string): void {
  const merged = mergedUsrDirs();
  const hostToRel = new Map<string, string>();
  const stagedDirs = new Set<string>();
  for (const [rel, host] of plan.entries) {
    hostToRel.set(canonicalUsrPath(host, merged), rel);
    for (let d = path.posix.dirname(rel); d !== '.'; d = path.posix.dirname(d)) stagedDirs.add(d);
  }
  // An extra library is copied from its real file under the soname it is loaded by.
  const extra = new Set(Object.keys(plan.extraLibraries).map((n) => `usr/lib/${tc.target}/${n}`));
  const links: [string, string][] = [];
  for (const [rel, host] of plan.entries) {
    if (fs.lstatSync(host).isSymbolicLink() && !extra.has(rel)) links.push([rel, host]);
    else copyFile(fs.realpathSync(host), path.join(dir, rel));
  }
  for (const [rel, host] of links) {
    const target = canonicalUsrPath(path.resolve(path.dirname(host), fs.readlinkSync(host)), merged);
    // A link to a staged file, or to a folder that holds staged files (/usr/include/libpng → libpng16).
    const targetRel = hostToRel.get(target) ?? (stagedDirs.has(target.slice(1)) ? target.slice(1) : undefined);
    const at = path.join(dir, rel);
    if (targetRel && fs.existsSync(path.join(dir, targetRel))) {
      fs.mkdirSync(path.dirname(at), { recursive: true });
      fs.symlinkSync(path.relative(path.dirname(at), path.join(dir, targetRel)), at);
    } else if (realFile(host)) {
      copyFile(fs.realpathSync(host), at);
    }
    // A dangling link (its target in no staged package and absent) is left out.
  }
  for (const f of walkFiles(dir)) {
    if (fs.lstatSync(f).isSymbolicLink() || !elfKind(f)?.interp) continue;
    const rpath = [`$ORIGIN/${path.relative(path.dirname(f), path.join(dir, 'usr/lib', tc.target))}`, tc.libDir].join(':');
    const r = spawnSync('patchelf', ['--set-interpreter', tc.dynamicLinker, '--force-rpath', '--set-rpath', rpath, f], { encoding: 'utf8' });
    if (r.error) throw new Error(`hostPackages: cannot run patchelf (apt-get install patchelf): ${r.error.message}`);
    if (r.status !== 0) throw new Error(`hostPackages: patchelf failed on ${f}: ${r.stderr.trim()}`);
  }
}

/** The include, lib and bin folders of a staged tree at store path `p` (reads the staged tree). */
/**
 * `-L` and `-rpath` for each library folder, and `-rpath-link`: a library
 * linked by name may need another (libreadline.so needs libtinfo.so.6, of
 * another package), which ld looks for in `-rpath-link` folders. Its
 * manual says `-rpath` folders are searched too, but with `--sysroot`
 * (every link of ours) binutils 2.40 does not find it there.
 */
export function hostLinkFlags(libDirs: readonly string[]): string[] {
  return libDirs.flatMap((d) => [`-L${d}`, `-Wl,-rpath-link,${d}`, `-Wl,-rpath,${d}`]);
}

function folders(dir: string, p: string, requested: readonly string[], target: string): Pick<ImportedPackages, 'includeDirs' | 'libDirs' | 'binDirs'> {
  const isDir = (rel: string): boolean => fs.statSync(path.join(dir, rel), { throwIfNoEntry: false })?.isDirectory() ?? false;
  const holdsFiles = (rel: string): boolean => isDir(rel) && fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).some((e) => !e.isDirectory());
  const roots = ['usr', ...requested.filter((r) => r.startsWith('/')).map((r) => canonicalUsrPath(r, mergedUsrDirs()).slice(1))];
  const includeDirs: string[] = [];
  const libDirs: string[] = [];
  const binDirs: string[] = [];
  for (const root of [...new Set(roots)]) {
    for (const rel of [`${root}/include`, `${root}/include/${target}`]) if (isDir(rel)) includeDirs.push(`${p}/${rel}`);
    for (const rel of [`${root}/lib/${target}`, `${root}/lib`]) if (holdsFiles(rel)) libDirs.push(`${p}/${rel}`);
    if (isDir(`${root}/bin`)) binDirs.push(`${p}/${root}/bin`);
  }
  return { includeDirs, libDirs, binDirs };
}

/** Imports (or finds, through the cache) one set of host packages; see the file comment. */
export async function importHostPackages(names: readonly string[], opts: ImportPackagesOptions): Promise<ImportedPackages> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const requested = normaliseRequest(names);
  if (requested.length === 0) throw new Error('hostPackages: nothing to import');
  for (const r of requested) {
    if (r === '/') throw new Error('hostPackages: "/" would put every file of the machine into the store');
  }
  const tc = opts.toolchain;
  const key = hostPackagesKey(requested, tc);
  const conn = await DaemonConnection.open(opts.socketPath ?? daemonSocketPath());
  try {
    const cached = readCache(opts.cacheFile)[requested.join('\n')];
    if (cached?.key === key && cached.layout === HOST_PACKAGES_LAYOUT) {
      await conn.addTempRoot(cached.storePath);
      if (await conn.isValidPath(cached.storePath)) {
        log(`host packages: cached ${cached.storePath} (${Date.now() - started} ms)`);
        await addRoot(conn, cached, opts.gcRootDir);
        return cached;
      }
    }
    const plan = planHostPackages(requested, tc);
    const tmp = fs.mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), 'nixmake-host-pkgs-'));
    try {
      const dir = path.join(tmp, 'out');
      fs.mkdirSync(dir);
      stagePackages(plan, tc, dir);
      const nar = narOfPath(dir);
      const references = narReferences(nar, [path.dirname(tc.libDir)]);
      const name = packagesStoreName(requested);
      const storePath = await addNarWithReferences(conn, name, nar, references);
      const dirs = folders(dir, storePath, requested, tc.target);
      const full: ImportedPackages = {
        layout: HOST_PACKAGES_LAYOUT,
        key,
        requested,
        packages: plan.packages,
        extraLibraries: plan.extraLibraries,
        storePath,
        references,
        ...dirs,
        cflags: dirs.includeDirs.flatMap((d) => ['-isystem', d]),
        ldflags: hostLinkFlags(dirs.libDirs),
        narSize: nar.byteLength,
      };
      await addRoot(conn, full, opts.gcRootDir);
      writeCache(opts.cacheFile, full);
      log(`host packages: ${storePath} (${Object.keys(plan.packages).join(', ') || requested.join(', ')}; ${plan.entries.size} files, NAR ${(nar.byteLength / 1048576).toFixed(1)} MiB) in ${Date.now() - started} ms`);
      return full;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } finally {
    await conn.close();
  }
}

/**
 * Where a host path lands in an imported set (`/usr/include/libxml2` →
 * `<p>/usr/include/libxml2`; on merged /usr, `/lib/…` → `<p>/usr/lib/…`), for
 * rewriting a recorded `-I`/`-L` flag. Whether the set holds it is the
 * caller's question (pure).
 */
export function storePathOfHostPath(pkgs: Pick<ImportedPackages, 'storePath'>, hostPath: string, merged: Readonly<Record<string, string>> = {}): string {
  const rel = canonicalUsrPath(path.posix.normalize(hostPath).replace(/(.)\/+$/, '$1'), merged).replace(/^\/+/, '');
  return rel === '' ? pkgs.storePath : `${pkgs.storePath}/${rel}`;
}

async function addRoot(conn: DaemonConnection, pkgs: ImportedPackages, dir: string | undefined): Promise<void> {
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  const link = path.join(dir, `host-packages-${path.basename(pkgs.storePath).slice(33)}`);
  if (readLink(link) !== pkgs.storePath) replaceSymlink(pkgs.storePath, link);
  await conn.addIndirectRoot(path.resolve(link));
}

function readCache(file: string | undefined): Record<string, ImportedPackages> {
  if (!file) return {};
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, ImportedPackages>) : {};
  } catch {
    return {};
  }
}

function writeCache(file: string | undefined, pkgs: ImportedPackages): void {
  if (!file) return;
  const all = readCache(file);
  all[pkgs.requested.join('\n')] = pkgs;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
