/**
 * dpkgLookup: which Debian package to import for a host path a recorded
 * build used (an include folder, a `libX.so`), for `nixmake init`'s
 * `hostPackages`. The answer is the -dev package where there is one: a
 * path held by a runtime library package (`libonig5`) is mapped to the
 * installed -dev package that depends on it (`libonig-dev`). Paths of the
 * toolchain itself (the C library's headers and libraries, GCC's) answer
 * `toolchain`; folders many packages share (`/usr/include`) and paths no
 * package holds answer `unknown`. Each path is asked once.
 */
import { bareName, canonicalUsrPath, mergedUsrDirs, owningPackages, parseDepends } from './dpkg.js';
import { spawnSync } from 'node:child_process';
import { TOOLCHAIN_DEV_PACKAGES } from './importHostPackages.js';

export type DpkgOwner = { readonly kind: 'package'; readonly name: string } | { readonly kind: 'toolchain' } | { readonly kind: 'unknown' };

/** Packages that make up or come with the compiler and the C library. */
const TOOLCHAIN_PACKAGES: readonly RegExp[] = [
  ...TOOLCHAIN_DEV_PACKAGES,
  /^libc6$/, /^libc-dev-bin$/, /^libcrypt1$/, /^libgcc-s1$/, /^libstdc\+\+6$/, /^(gcc|g\+\+|cpp)(-\d+)?$/, /^libgomp1$/, /^libatomic1$/,
];

/** Which package a set of owners means: one package, the toolchain, or none (pure). */
export function pickOwner(owners: readonly string[], devOf: (runtime: string) => string | undefined): DpkgOwner {
  const named = [...new Set(owners.map(bareName))];
  if (named.length === 0) return { kind: 'unknown' };
  if (named.every((p) => TOOLCHAIN_PACKAGES.some((re) => re.test(p)))) return { kind: 'toolchain' };
  if (named.length > 1) return { kind: 'unknown' };
  const pkg = named[0] as string;
  if (pkg.endsWith('-dev')) return { kind: 'package', name: pkg };
  return { kind: 'package', name: devOf(pkg) ?? pkg };
}

export function makeDpkgLookup(target: string): { readonly libDirs: readonly string[]; owner(hostPath: string): DpkgOwner } {
  const merged = mergedUsrDirs();
  const cache = new Map<string, DpkgOwner>();
  let reverse: Map<string, string[]> | undefined;
  const devOf = (runtime: string): string | undefined => {
    if (!reverse) {
      reverse = new Map();
      const r = spawnSync('dpkg-query', ['-W', '-f=${Package}\\t${db:Status-Abbrev}\\t${Depends}\\n'], { encoding: 'utf8', maxBuffer: 256 << 20 });
      for (const line of (r.stdout ?? '').split('\n')) {
        const [name, status, depends] = line.split('\t');
        if (!name?.endsWith('-dev') || !status?.startsWith('ii')) continue;
        for (const alts of parseDepends(depends ?? '')) for (const d of alts) reverse.set(d, [...(reverse.get(d) ?? []), name]);
      }
    }
    return reverse.get(runtime)?.sort()[0];
  };
  const defaultIncludes = new Set(['/usr/include', `/usr/include/${target}`, '/usr/local/include']);
  return {
    libDirs: [`/usr/lib/${target}`, `/lib/${target}`, '/usr/lib', '/lib'],
    owner(hostPath: string): DpkgOwner {
      const hit = cache.get(hostPath);
      if (hit) return hit;
      let answer: DpkgOwner;
      if (defaultIncludes.has(hostPath.replace(/\/+$/, ''))) answer = { kind: 'toolchain' };
      else {
        // dpkg knows a file by the name its package used: on merged /usr, /lib/… or /usr/lib/….
        const canonical = canonicalUsrPath(hostPath, merged);
        const alias = Object.entries(merged).find(([, usr]) => canonical.startsWith(`/${usr}/`));
        const names = [hostPath, canonical, ...(alias ? [`/${alias[0]}${canonical.slice(alias[1].length + 1)}`] : [])];
        const owners = owningPackages([...new Set(names)]);
        answer = pickOwner(names.flatMap((n) => owners.get(n) ?? []), devOf);
      }
      cache.set(hostPath, answer);
      return answer;
    },
  };
}
