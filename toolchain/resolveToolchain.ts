/**
 * resolveToolchain: the config's toolchain → the Toolchain builds use.
 *
 * The default (`"host"`) is the host's GCC, binutils and C library imported
 * into the store (importToolchain): derivations then name only store paths.
 * The import is remembered machine-wide under the user's cache folder
 * (`$NIXMAKE_CACHE_DIR`, else `$XDG_CACHE_HOME/nixmake`, else
 * `~/.cache/nixmake`), keyed by a cheap stat of the host's compiler drivers,
 * binutils and C library, and kept alive by GC roots there; while the
 * key and both store paths are unchanged, resolving costs a few stats and no
 * daemon round trip (a no-op build never contacts Nix). A changed compiler
 * gives a new key, a new import, new store paths, and every node rebuilds.
 *
 * Other toolchains (an object naming tools, or `"host-sandbox-paths"`) are
 * probed in place (probeToolchain). It does not build anything.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FileHasher } from '../cache/FileHasher.js';
import type { MemoStore } from '../cache/Memo.js';
import type { ToolchainConfig } from '../config/Config.js';
import { UserError } from '../core/Diagnostic.js';
import { HOST_PACKAGES_LAYOUT } from './hostPackagesLayout.js';
import type { ImportedPackages } from './importHostPackages.js';
import type { ImportedToolchain } from './importToolchain.js';
import { IMPORT_LAYOUT } from './importToolchain.js';
import { nixSystem, probeToolchain, searchDirs } from './probeToolchain.js';
import type { Toolchain } from './Toolchain.js';

/** What the machine-wide cache remembers of the last import. */
interface QuickCache {
  readonly quickKey: string;
  readonly imported: ImportedToolchain;
  readonly systemIncludeDirs: Toolchain['systemIncludeDirs'];
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['NIXMAKE_CACHE_DIR']) return env['NIXMAKE_CACHE_DIR'];
  const xdg = env['XDG_CACHE_HOME'];
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'nixmake');
}

/**
 * The host files whose stats make the quick key: the drivers (gcc-N, g++-N: cc1 and cc1plus come
 * in the same packages), binutils, the C library and its headers. A package upgrade replaces
 * these files (new inode, mtime). Not dpkg's database, which changes with every unrelated
 * apt-get install.
 */
function quickKeyFiles(config: ToolchainConfig): string[] {
  return [config.cc, config.cxx, config.ar, '/usr/bin/as', '/usr/bin/ld', '/usr/include/stdio.h', '/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libstdc++.so.6'];
}

/**
 * Files whose change may change the toolchain this config resolves to (real paths of those that
 * exist): what a no-op stamp must watch. The records of imports live in the cache folder.
 */
export function toolchainFiles(config: ToolchainConfig, hostPackages: readonly string[], projectStateDir: string): string[] {
  const files = config.import ? quickKeyFiles(config) : [config.cc, config.cxx, config.ar];
  if (hostPackages.length > 0) files.push('/var/lib/dpkg/status');
  const out: string[] = [];
  for (const f of files) {
    try {
      out.push(fs.realpathSync(f));
    } catch {
      // absent: the full path decides what that means
    }
  }
  for (const dir of [cacheDir(), path.join(projectStateDir, 'toolchain')]) {
    try {
      for (const name of fs.readdirSync(dir)) if (name.endsWith('.json')) out.push(path.join(dir, name));
    } catch {
      // no records there
    }
  }
  return out;
}

/** A stat of what would change with the host toolchain, without reading any file. */
function quickKey(config: ToolchainConfig): string {
  const files = quickKeyFiles(config);
  const stats = files.map((f) => {
    try {
      const real = fs.realpathSync(f);
      const st = fs.statSync(real);
      return [f, real, st.size, st.mtimeMs, st.ino];
    } catch {
      return [f, 'missing'];
    }
  });
  return createHash('sha256').update(JSON.stringify({ layout: IMPORT_LAYOUT, stats })).digest('hex');
}

function fromImport(config: ToolchainConfig, imp: ImportedToolchain, systemIncludeDirs: Toolchain['systemIncludeDirs']): Toolchain {
  const storePaths = [imp.storePaths.libc, imp.storePaths.tools];
  return {
    ...config,
    cc: imp.cc,
    cxx: imp.cxx,
    ar: imp.ar,
    path: imp.path,
    shell: config.shell,
    system: nixSystem(),
    id: createHash('sha256').update(JSON.stringify(storePaths)).digest('hex'),
    version: imp.version,
    target: imp.target,
    storePaths,
    cflags: imp.cflags,
    ldflags: imp.ldflags,
    systemIncludeDirs,
  };
}

/** The imported toolchain's own search list, asked of the store's gcc (it runs on the host too). */
function importedSearchDirs(imp: ImportedToolchain): Toolchain['systemIncludeDirs'] {
  const env = { PATH: imp.path.join(':'), LC_ALL: 'C' };
  return { c: searchDirs(imp.cc, 'c', env, imp.cflags), 'c++': searchDirs(imp.cxx, 'c++', env, imp.cflags) };
}

/** The machine-wide cache folder if this user can write it, else the project's own state folder. */
function writableCacheDir(projectStateDir: string): string {
  const dir = cacheDir();
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return dir;
  } catch {
    return path.join(projectStateDir, 'toolchain');
  }
}

/**
 * The record `name` whose quickKey is `key`: the machine-wide one first (it may be another user's,
 * readable but not writable), then the project's own. Each file is read at most once, and only
 * until one matches: this runs on every build, no-ops included.
 */
function findRecord<T extends { readonly quickKey: string }>(name: string, key: string, projectStateDir: string): T | undefined {
  for (const dir of [cacheDir(), path.join(projectStateDir, 'toolchain')]) {
    const r = readJson(path.join(dir, name)) as T | undefined;
    if (r?.quickKey === key) return r;
  }
  return undefined;
}

export async function resolveToolchain(
  config: ToolchainConfig,
  memo: Pick<MemoStore, 'getMeta' | 'setMeta'>,
  hasher: FileHasher,
  /** The project's `.nixmake`, used when the user's cache folder cannot be written. */
  projectStateDir: string,
  /** The config's `hostPackages`: libraries and tools from the host, imported beside the toolchain. */
  hostPackages: readonly string[] = [],
  /** Never contact the daemon: a toolchain not imported yet is used in place (its nodes then plan as new). */
  offline = false,
): Promise<Toolchain> {
  const tc = await resolveCompiler(config, memo, hasher, projectStateDir, offline);
  if (hostPackages.length === 0) return tc;
  if (!config.import) throw new UserError('hostPackages needs the default toolchain ("toolchain": "host"): its libraries are linked against the imported C library');
  return withHostPackages(tc, hostPackages, projectStateDir, offline);
}

/** What the machine-wide cache remembers of a host-packages import. */
interface PackagesCache {
  readonly quickKey: string;
  readonly imported: ImportedPackages;
}

/** The toolchain plus the imported host packages: their flags, their store path, their headers for the analyzer. */
async function withHostPackages(tc: Toolchain, names: readonly string[], projectStateDir: string, offline: boolean): Promise<Toolchain> {
  const request = [...new Set(names)].sort();
  const name = `host-packages-${createHash('sha256').update(request.join('\n')).digest('hex').slice(0, 16)}.json`;
  let key: string;
  try {
    const st = fs.statSync('/var/lib/dpkg/status');
    key = createHash('sha256').update(JSON.stringify({ request, st: [st.size, st.mtimeMs, st.ino], tc: tc.storePaths, layout: HOST_PACKAGES_LAYOUT })).digest('hex');
  } catch {
    key = 'no-dpkg';
  }
  let imported = findRecord<PackagesCache>(name, key, projectStateDir)?.imported;
  if ((!imported || !fs.existsSync(imported.storePath)) && (offline || tc.storePaths.length === 0)) {
    // Not imported yet, and no daemon to import with (or the toolchain itself is not imported):
    // analyse against the host's own headers; the identity says so, so the nodes plan as new.
    const host = tc.target ? [`/usr/include/${tc.target}`, '/usr/include'] : ['/usr/include'];
    return {
      ...tc,
      id: createHash('sha256').update(`${tc.id} packages not imported yet: ${key}`).digest('hex'),
      systemIncludeDirs: { c: [...tc.systemIncludeDirs.c, ...host], 'c++': [...tc.systemIncludeDirs['c++'], ...host] },
    };
  }
  if (!imported || !fs.existsSync(imported.storePath)) {
    const { importHostPackages } = await import('./importHostPackages.js');
    const dir = writableCacheDir(projectStateDir);
    const libc = tc.storePaths[0] as string;
    try {
      imported = await importHostPackages(request, {
        toolchain: { target: tc.target ?? 'x86_64-linux-gnu', libDir: `${libc}/lib`, dynamicLinker: tc.ldflags.find((f) => f.startsWith('-Wl,--dynamic-linker='))?.slice('-Wl,--dynamic-linker='.length) ?? '' },
        cacheFile: path.join(dir, 'host-packages-cache.json'),
        gcRootDir: path.join(dir, 'gcroots'),
      });
    } catch (err) {
      if (err instanceof UserError || (err as Error).name === 'StoreUnavailableError') throw err;
      throw new UserError(`hostPackages: cannot import ${request.join(', ')} into the Nix store: ${(err as Error).message}`);
    }
    try {
      writeJson(path.join(dir, name), { quickKey: key, imported } satisfies PackagesCache);
    } catch {
      // Only a cache.
    }
  }
  const storePaths = [...new Set([...tc.storePaths, imported.storePath, ...imported.references])];
  return {
    ...tc,
    id: createHash('sha256').update(JSON.stringify(storePaths)).digest('hex'),
    storePaths,
    cflags: [...tc.cflags, ...imported.cflags],
    // The packages' library folders before the toolchain's: its C library folder also holds the
    // libraries GCC itself loads (zlib, gmp …), which must not shadow the packages' own. Their
    // -rpath-link (importHostPackages) finds a package library's own NEEDED (libgnutls.so →
    // libhogweed.so.6), which the sysroot'd linker does not look for in -L or -rpath folders.
    ldflags: [...imported.ldflags, ...tc.ldflags],
    path: [...tc.path, ...imported.binDirs],
    toolEnv: toolEnvOf(imported.storePath),
    systemIncludeDirs: { c: [...imported.includeDirs, ...tc.systemIncludeDirs.c], 'c++': [...imported.includeDirs, ...tc.systemIncludeDirs['c++']] },
  };
}

/** The sub-folders of `dir` (sorted), or none. */
function subdirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Debian's tools look for their data at /usr paths, which a sandbox lacks;
 * each takes an environment variable instead. Set only for what the
 * imported packages hold:
 * - bison: its skeletons (`BISON_PKGDATADIR`) and m4 (`M4`);
 * - perl: `PERL5LIB`, the imported module folders in the order of Debian's
 *   compiled-in @INC (`/usr/lib/<triplet>/perl5/<v>`, `/usr/share/perl5`,
 *   `/usr/lib/<triplet>/perl-base`, `/usr/lib/<triplet>/perl/<v>`,
 *   `/usr/share/perl/<v>`), since its @INC names /usr;
 * - python: `PYTHONHOME` (its standard library under the import's /usr) and
 *   `PYTHONPATH` for Debian's dist-packages.
 */
function toolEnvOf(storePath: string): Record<string, string> {
  const env: Record<string, string> = {};
  const usr = `${storePath}/usr`;
  if (fs.existsSync(`${usr}/share/bison`)) env['BISON_PKGDATADIR'] = `${usr}/share/bison`;
  if (fs.existsSync(`${usr}/bin/m4`)) env['M4'] = `${usr}/bin/m4`;
  const triplets = subdirs(`${usr}/lib`);
  const perl = [
    ...triplets.flatMap((t) => subdirs(path.join(t, 'perl5'))),
    ...[`${usr}/share/perl5`].filter((d) => fs.existsSync(d)),
    ...triplets.map((t) => path.join(t, 'perl-base')).filter((d) => fs.existsSync(d)),
    ...triplets.flatMap((t) => subdirs(path.join(t, 'perl'))),
    ...subdirs(`${usr}/share/perl`),
  ];
  if (perl.length > 0) env['PERL5LIB'] = perl.join(':');
  if (subdirs(`${usr}/lib`).some((d) => /\/python3\.\d+$/.test(d))) {
    env['PYTHONHOME'] = usr;
    if (fs.existsSync(`${usr}/lib/python3/dist-packages`)) env['PYTHONPATH'] = `${usr}/lib/python3/dist-packages`;
  }
  return env;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value));
  fs.renameSync(tmp, file);
}

async function resolveCompiler(
  config: ToolchainConfig,
  memo: Pick<MemoStore, 'getMeta' | 'setMeta'>,
  hasher: FileHasher,
  projectStateDir: string,
  offline: boolean,
): Promise<Toolchain> {
  if (!config.import) {
    const probed = probeToolchain(config, memo, hasher);
    const roots = [probed.cc, probed.cxx, probed.ar, ...probed.path]
      .map((p) => /^(\/nix\/store\/[0-9a-z]{32}-[^/]+)/.exec(p)?.[1])
      .filter((r): r is string => r !== undefined);
    return { ...probed, storePaths: [...new Set(roots)], cflags: [], ldflags: [] };
  }
  const key = quickKey(config);
  const quick = findRecord<QuickCache>('host-toolchain.json', key, projectStateDir);
  if (quick && quick.imported.layout === IMPORT_LAYOUT && fs.existsSync(quick.imported.storePaths.libc) && fs.existsSync(quick.imported.storePaths.tools)) {
    return fromImport(config, quick.imported, quick.systemIncludeDirs);
  }
  if (offline) {
    // Not imported yet, and no daemon to import with: analyse with the host tools in place. The
    // identity says so, so every node plans as new (which an import would make true).
    const probed = probeToolchain({ ...config, import: false }, memo, hasher);
    return { ...probed, id: createHash('sha256').update(`not imported yet: ${key}`).digest('hex'), storePaths: [], cflags: [], ldflags: [] };
  }
  for (const tool of [config.cc, config.cxx]) {
    if (!fs.existsSync(tool)) throw new UserError(`toolchain: ${tool} does not exist: install gcc and g++ (scripts/host-tools.sh), or set "toolchain" in nixmake.json`);
  }
  // Loaded only here: importing is rare and its module is large.
  const { importToolchain } = await import('./importToolchain.js');
  const dir = writableCacheDir(projectStateDir);
  let imported: ImportedToolchain;
  try {
    imported = await importToolchain({ cc: config.cc, cxx: config.cxx, cacheFile: path.join(dir, 'import-cache.json'), gcRootDir: path.join(dir, 'gcroots') });
  } catch (err) {
    if (err instanceof UserError || (err as Error).name === 'StoreUnavailableError') throw err;
    throw new UserError(`toolchain: cannot import the host toolchain into the Nix store: ${(err as Error).message}`);
  }
  const systemIncludeDirs = importedSearchDirs(imported);
  try {
    writeJson(path.join(dir, 'host-toolchain.json'), { quickKey: key, imported, systemIncludeDirs } satisfies QuickCache);
  } catch {
    // Only a cache: the next run imports again (finding the paths valid).
  }
  return fromImport(config, imported, systemIncludeDirs);
}
