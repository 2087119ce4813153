/**
 * dpkg: the few questions nixmake asks Debian's package database (which
 * packages are installed and at what version, what they depend on, which
 * files they hold, which package holds a file), each as one `dpkg-query`
 * process, plus the pure parsing of their answers.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** Where dpkg records what is installed: its stat changes whenever a package is installed, upgraded or removed. */
export const DPKG_STATUS = '/var/lib/dpkg/status';

export interface InstalledPackage {
  /** `${binary:Package}`: the name, with `:arch` for multi-arch packages (zlib1g-dev:amd64). */
  readonly name: string;
  readonly version: string;
  /** `${Depends}`, parsed: each entry a list of alternatives, names only. */
  readonly depends: readonly (readonly string[])[];
}

function run(cmd: string, args: readonly string[], allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 256 << 20 });
  if (r.error) throw new Error(`cannot run ${cmd} (is this a Debian system?): ${r.error.message}`);
  if (r.status !== 0 && !allowFail) throw new Error(`\`${cmd} ${args.join(' ')}\` failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A package name without its architecture qualifier (`zlib1g-dev:amd64` → `zlib1g-dev`). */
export function bareName(pkg: string): string {
  const i = pkg.indexOf(':');
  return i < 0 ? pkg : pkg.slice(0, i);
}

/** `libc6 (>= 2.34), libfoo1 | libfoo-alt, perl:any` → [['libc6'], ['libfoo1', 'libfoo-alt'], ['perl']] (pure). */
export function parseDepends(field: string): string[][] {
  return field
    .split(',')
    .map((entry) =>
      entry
        .split('|')
        .map((alt) => alt.trim().replace(/\s*\(.*\)\s*$/, '').replace(/\s*\[.*\]\s*$/, '').replace(/:any$/, '').trim())
        .filter((n) => n !== ''),
    )
    .filter((alts) => alts.length > 0);
}

/**
 * One `dpkg-query -W` for all of `names`: the installed ones by the name
 * asked (bare or qualified). A name that is unknown or not fully installed
 * is absent from the answer.
 */
export function queryInstalled(names: readonly string[]): Map<string, InstalledPackage> {
  const found = new Map<string, InstalledPackage>();
  if (names.length === 0) return found;
  const out = run('dpkg-query', ['-W', '-f=${binary:Package}\\t${Version}\\t${db:Status-Abbrev}\\t${Depends}\\n', ...names], true);
  for (const line of out.split('\n')) {
    const [name, version, status, depends] = line.split('\t');
    if (!name || version === undefined || !status?.startsWith('ii')) continue;
    const pkg: InstalledPackage = { name, version, depends: parseDepends(depends ?? '') };
    found.set(name, pkg);
    found.set(bareName(name), pkg);
  }
  return found;
}

/** `dpkg -L`: every path the package lists (files, symlinks, folders), as dpkg recorded them. */
export function packageFiles(pkg: string): string[] {
  return run('dpkg', ['-L', pkg])
    .split('\n')
    .filter((f) => f.startsWith('/') && f !== '/.');
}

/** `dpkg -S` of each path (one process): path → the packages that list it (bare names); paths dpkg does not know are absent. */
export function owningPackages(paths: readonly string[]): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  if (paths.length === 0) return owners;
  const out = run('dpkg-query', ['-S', ...new Set(paths)], true);
  for (const line of out.split('\n')) {
    if (line.startsWith('diversion ')) continue;
    const m = /^(.+?): (\/.*)$/.exec(line);
    if (!m) continue;
    owners.set(m[2] as string, (m[1] as string).split(', ').map(bareName));
  }
  return owners;
}

/** Top-level host folders that are symlinks into /usr (merged /usr): lib → usr/lib, … */
export function mergedUsrDirs(): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const d of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    try {
      const t = fs.readlinkSync(`/${d}`);
      if (t === `usr/${d}` || t === `/usr/${d}`) merged[d] = `usr/${d}`;
    } catch {
      // not a symlink, or absent
    }
  }
  return merged;
}

/** The /usr spelling of a host path on a merged-/usr system (/lib/x86_64-linux-gnu/libz.so.1 → /usr/lib/…) (pure). */
export function canonicalUsrPath(p: string, merged: Readonly<Record<string, string>>): string {
  const top = p.split('/')[1] ?? '';
  const m = merged[top];
  return m ? `/${m}${p.slice(top.length + 1)}` : p;
}
