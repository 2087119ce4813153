/**
 * hostToolchain: asks the host's GCC which files it is made of, so that
 * importToolchain can copy exactly those into the store.
 *
 * Nothing here is a hand-written list of files. The compiler names its own
 * programs (`-print-prog-name`), start files and libraries
 * (`-print-file-name`) and headers (`-M` of a probe); `dpkg -S` turns those
 * into the Debian packages that hold them, and `dpkg -L` lists each
 * package's files. `ldd` of every dynamically linked file among them (and of
 * a probe C++ program the compiler links) gives the shared libraries the
 * tools and the programs they build load at run time, and the C library's
 * package adds the rest of the C library. Does not copy, patch or add
 * anything (see importToolchain).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { elfKind } from './elf.js';

/** A shared library the tools or built programs load, under the name they ask for. */
export interface RuntimeLibrary {
  /** The DT_NEEDED name (the interpreter: its file name). */
  readonly name: string;
  /** Where the host's loader found it (as ldd prints it). */
  readonly hostPath: string;
}

export interface HostToolchain {
  /** The compiler drivers as configured (`gcc`, `g++`) and their real files. */
  readonly cc: string;
  readonly cxx: string;
  readonly ccReal: string;
  readonly cxxReal: string;
  /** `gcc -dumpfullversion`: 12.2.0. */
  readonly gccVersion: string;
  /** `gcc -dumpmachine`: x86_64-linux-gnu. */
  readonly target: string;
  /** `getconf GNU_LIBC_VERSION`'s number: 2.36. */
  readonly libcVersion: string;
  /** The tools' ELF interpreter on the host: /lib64/ld-linux-x86-64.so.2. */
  readonly interpreter: string;
  /** Where gcc finds cc1 (Debian: /usr/lib/gcc/x86_64-linux-gnu/12). */
  readonly libexecDir: string;
  /** Host paths of the binutils gcc runs or builders call (as, ld, ar, ranlib, nm, …), real files. */
  readonly binutils: Readonly<Record<string, string>>;
  /** The development packages (name:arch) whose files make up the tools and the sysroot, sorted. */
  readonly packages: readonly string[];
  /** `dpkg-query` versions of `packages` and of the runtime libraries' packages: the cache key's part. */
  readonly packageVersions: Readonly<Record<string, string>>;
  /** Every path the packages list (files, symlinks, folders), sorted, /usr/share left out. */
  readonly files: readonly string[];
  /** The C library and every shared library the tools and built programs load, sorted by name. */
  readonly runtime: readonly RuntimeLibrary[];
  /** Top-level host folders that are symlinks into /usr (merged /usr): lib → usr/lib, … */
  readonly mergedUsr: Readonly<Record<string, string>>;
}

/** What gcc is asked to name: its helper programs. */
const PROGRAMS = ['cc1', 'cc1plus', 'collect2', 'lto-wrapper', 'lto1'];
/** binutils that gcc runs (as, ld) or builders call. */
const BINUTILS = ['as', 'ld', 'ar', 'ranlib', 'nm', 'strip', 'objcopy', 'objdump', 'readelf'];
/** Start files, libraries and the linker plugin, as the compiler resolves them. */
const FILES = [
  'crt1.o', 'crti.o', 'crtn.o', 'Scrt1.o', 'crtbeginS.o', 'crtbeginT.o', 'libc.so', 'libc.a', 'libc_nonshared.a', 'libm.so', 'libm.a',
  'libgcc.a', 'libgcc_eh.a', 'libgcc_s.so', 'libstdc++.so', 'libstdc++.a', 'libsupc++.a', 'liblto_plugin.so',
];
const C_PROBE = '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <errno.h>\n#include <math.h>\n#include <pthread.h>\n#include <signal.h>\n';
const CXX_PROBE = '#include <vector>\n#include <iostream>\n#include <string>\n#include <map>\n#include <memory>\n#include <thread>\nint main() { std::vector<int> v{1}; std::cout << v[0] << std::endl; }\n';

function run(cmd: string, args: readonly string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`toolchain import: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) throw new Error(`toolchain import: \`${cmd} ${args.join(' ')}\` failed: ${r.stderr.trim()}`);
  return r.stdout;
}

function which(name: string): string {
  if (name.includes('/')) return name;
  for (const d of (process.env['PATH'] ?? '').split(':')) {
    const p = path.join(d || '.', name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  throw new Error(`toolchain import: ${name} is not on PATH`);
}

/** The files `-M` lists for a probe source (its headers). */
function probeHeaders(driver: string, lang: 'c' | 'c++', source: string): string[] {
  const out = run(driver, [`-x${lang}`, '-M', '-'], { input: source });
  return out
    .replace(/\\\n/g, ' ')
    .split(/\s+/)
    .filter((w) => w.startsWith('/'))
    .map((w) => path.normalize(w));
}

/** `dpkg -S` of each path: package names (without the paths dpkg does not know). */
function owningPackages(paths: readonly string[]): Set<string> {
  const out = run('dpkg', ['-S', ...new Set(paths)], { allowFail: true });
  const pkgs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /^([^:]+(?::[^:, ]+)?(?:, [^:]+(?::[^:, ]+)?)*): \//.exec(line);
    if (!m || line.startsWith('diversion ')) continue;
    for (const p of m[1]!.split(', ')) pkgs.add(p);
  }
  return pkgs;
}

/** ldd's `name => path` lines and the interpreter's line. */
export function parseLdd(text: string): RuntimeLibrary[] {
  const libs: RuntimeLibrary[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m = /^(\S+) => (\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (m) {
      libs.push({ name: m[1]!, hostPath: m[2]! });
      continue;
    }
    m = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (m) libs.push({ name: path.basename(m[1]!), hostPath: m[1]! });
    else if (/ => not found/.test(line)) throw new Error(`toolchain import: ldd cannot find ${line}`);
  }
  return libs;
}

function isSharedObjectName(p: string): boolean {
  return /\.so(\.[0-9.]+)?$/.test(p);
}

export function probeHostToolchain(opts: { cc?: string; cxx?: string } = {}): HostToolchain {
  const cc = opts.cc ?? 'gcc';
  const cxx = opts.cxx ?? 'g++';
  const ccReal = fs.realpathSync(which(cc));
  const cxxReal = fs.realpathSync(which(cxx));
  const gccVersion = run(ccReal, ['-dumpfullversion']).trim();
  const target = run(ccReal, ['-dumpmachine']).trim();
  const libcVersion = run('getconf', ['GNU_LIBC_VERSION']).trim().replace(/^glibc /, '');

  const programs = PROGRAMS.map((p) => run(cxxReal, [`-print-prog-name=${p}`]).trim()).filter((p) => p.startsWith('/'));
  const cc1 = programs.find((p) => path.basename(p) === 'cc1');
  if (!cc1) throw new Error(`toolchain import: ${cc} does not name its cc1`);
  const libexecDir = path.dirname(path.normalize(cc1));
  const binutils: Record<string, string> = {};
  for (const b of BINUTILS) {
    const named = run(ccReal, [`-print-prog-name=${b}`]).trim();
    binutils[b] = fs.realpathSync(which(named));
  }
  const files = FILES.map((f) => path.normalize(run(cxxReal, [`-print-file-name=${f}`]).trim())).filter((f) => f.startsWith('/'));
  const headers = [...probeHeaders(ccReal, 'c', C_PROBE), ...probeHeaders(cxxReal, 'c++', CXX_PROBE)];

  const owned = [ccReal, cxxReal, ...programs.map((p) => path.normalize(p)), ...Object.values(binutils), ...files, ...headers];
  const packages = [...owningPackages(owned)].sort();
  const listed = new Set<string>();
  for (const pkg of packages) {
    for (const f of run('dpkg', ['-L', pkg]).split('\n')) {
      if (f.startsWith('/') && !f.startsWith('/usr/share/') && f !== '/usr/share') listed.add(f);
    }
  }

  // What the tools and a linked C++ program load, as the host's loader resolves it.
  const runtime = new Map<string, RuntimeLibrary>();
  const addLibs = (libs: readonly RuntimeLibrary[]): void => {
    for (const l of libs) if (!runtime.has(l.name)) runtime.set(l.name, l);
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-probe-'));
  try {
    const probe = path.join(tmp, 'probe');
    run(cxxReal, ['-x', 'c++', '-o', probe, '-'], { input: CXX_PROBE });
    addLibs(parseLdd(run('ldd', [probe])));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  let interpreter: string | undefined;
  for (const f of [...listed].sort()) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(f);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    const kind = elfKind(f);
    if (!kind?.dynamic) continue;
    const libs = parseLdd(run('ldd', [f]));
    if (kind.interp && f === ccReal) interpreter = libs.find((l) => l.hostPath.includes('/ld-'))?.hostPath;
    addLibs(libs);
  }
  if (!interpreter) throw new Error(`toolchain import: ldd names no interpreter for ${ccReal}`);

  // The rest of the C library (libpthread, librt, libdl, libresolv, …), which programs may link.
  const libcPackages = [...owningPackages([...runtime.values()].filter((l) => l.name === 'libc.so.6' || l.hostPath === interpreter).map((l) => l.hostPath))];
  for (const pkg of libcPackages) {
    for (const f of run('dpkg', ['-L', pkg]).split('\n')) {
      if (isSharedObjectName(f) && !f.includes('/gconv/') && fs.existsSync(f) && elfKind(fs.realpathSync(f))) addLibs([{ name: path.basename(f), hostPath: f }]);
    }
  }
  // The packages behind every runtime library: a new libisl or libstdc++6 is a new toolchain.
  const versionOf = [...new Set([...packages, ...owningPackages([...runtime.values()].map((l) => l.hostPath))])].sort();
  const packageVersions: Record<string, string> = {};
  for (const line of run('dpkg-query', ['-W', '-f=${binary:Package} ${Version}\\n', ...versionOf]).split('\n')) {
    const [name, version] = line.split(' ');
    if (name && version) packageVersions[name] = version;
  }

  const mergedUsr: Record<string, string> = {};
  for (const d of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    try {
      const t = fs.readlinkSync(`/${d}`);
      if (t === `usr/${d}` || t === `/usr/${d}`) mergedUsr[d] = `usr/${d}`;
    } catch {
      // not a symlink, or absent
    }
  }

  return {
    cc,
    cxx,
    ccReal,
    cxxReal,
    gccVersion,
    target,
    libcVersion,
    interpreter,
    libexecDir,
    binutils,
    packages,
    packageVersions,
    files: [...listed].sort(),
    runtime: [...runtime.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    mergedUsr,
  };
}
