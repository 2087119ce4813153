/**
 * hostPackages without dpkg or a daemon: the config field, init's tracing
 * of -I/-l to packages through a fake lookup, and the pure parts of the
 * import (Depends parsing, where a file lands, the store name, which owner
 * a path means).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/parseConfig.js';
import { classifyCommands } from '../../init/classifyCommands.js';
import type { HostOwner, HostPackageLookup } from '../../init/inferConfig.js';
import { inferConfig } from '../../init/inferConfig.js';
import { readInterceptLog } from '../../init/readInterceptLog.js';
import { canonicalUsrPath, parseDepends } from '../../toolchain/dpkg.js';
import { pickOwner } from '../../toolchain/dpkgLookup.js';
import { normaliseRequest, packageFilePlace, packagesStoreName, storePathOfHostPath } from '../../toolchain/importHostPackages.js';

const R = '/p';
let rid = 0;
function exec(argv: string[], cwd = R): string {
  const id = String(++rid);
  return [
    JSON.stringify({ rid: id, started: { execution: { executable: `/usr/bin/${argv[0]}`, arguments: argv, working_dir: cwd, environment: {} }, pid: 100 + rid, ppid: 1 }, timestamp: 't' }),
    JSON.stringify({ rid: id, terminated: { status: '0' }, timestamp: 't' }),
  ].join('\n');
}

const MERGED = { lib: 'usr/lib', bin: 'usr/bin' };

describe('hostPackages in nixmake.json', () => {
  const parse = (hostPackages: unknown) => parseConfig(JSON.stringify({ hostPackages, targets: { app: { type: 'executable', sources: ['a.c'] } } }), R);

  it('takes Debian package names and absolute folders, and defaults to none', () => {
    const r = parse(['libonig-dev', 'zlib1g-dev:amd64', 'libstdc++-12-dev', '/opt/foo/', '/usr//local']);
    expect(r.ok && r.value.hostPackages).toEqual(['libonig-dev', 'zlib1g-dev:amd64', 'libstdc++-12-dev', '/opt/foo', '/usr/local']);
    const none = parseConfig(JSON.stringify({ targets: { app: { type: 'executable', sources: ['a.c'] } } }), R);
    expect(none.ok && none.value.hostPackages).toEqual([]);
  });

  it('refuses "/", relative folders, names dpkg would not take, and non-strings, each at its path', () => {
    const r = parse(['/', 'lib/foo', 'LibFoo', 'a b', 3]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.jsonPath}: ${e.message}`)).toEqual([
      'hostPackages[4]: expected a string, got number 3',
      'hostPackages[0]: "/" would put every file on the machine into the store; name the packages or folders your build needs',
      'hostPackages[1]: "lib/foo" is neither a Debian package name (libonig-dev, zlib1g-dev:amd64) nor an absolute folder',
      'hostPackages[2]: "LibFoo" is neither a Debian package name (libonig-dev, zlib1g-dev:amd64) nor an absolute folder',
      'hostPackages[3]: "a b" is neither a Debian package name (libonig-dev, zlib1g-dev:amd64) nor an absolute folder',
    ]);
  });
});

describe('init traces absolute -I and unresolved -l to Debian packages', () => {
  const log = [
    exec(['gcc', '-I.', '-I/usr/include/libxml2', '-isystem', '/opt/vendor/include', '-I/usr/include', '-c', 'src/a.c', '-o', 'src/a.o']),
    exec(['gcc', '-c', 'src/b.c', '-o', 'src/b.o']),
    exec(['ar', 'cr', 'libb.a', 'src/b.o']),
    exec(['gcc', '-o', 'app', 'src/a.o', '-L.', '-L/opt/vendor/lib', '-lb', '-lonig', '-lz', '-lm', '-lvendor', '-lnowhere']),
  ].join('\n');
  const files = new Set([
    `${R}/app`, `${R}/libb.a`,
    '/usr/lib/x86_64-linux-gnu/libonig.so', '/usr/lib/x86_64-linux-gnu/libz.so', '/usr/lib/x86_64-linux-gnu/libm.so', '/opt/vendor/lib/libvendor.so',
  ]);
  const owners: Record<string, HostOwner> = {
    '/usr/include/libxml2': { kind: 'package', name: 'libxml2-dev' },
    '/usr/include': { kind: 'toolchain' },
    '/opt/vendor/include': { kind: 'unknown' },
    '/usr/lib/x86_64-linux-gnu/libonig.so': { kind: 'package', name: 'libonig-dev' },
    '/usr/lib/x86_64-linux-gnu/libz.so': { kind: 'package', name: 'zlib1g-dev' },
    '/usr/lib/x86_64-linux-gnu/libm.so': { kind: 'toolchain' },
    '/opt/vendor/lib/libvendor.so': { kind: 'unknown' },
  };
  const asked: string[] = [];
  const lookup: HostPackageLookup = {
    libDirs: ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu'],
    owner: (p) => {
      asked.push(p);
      return owners[p] ?? { kind: 'unknown' };
    },
  };
  const steps = classifyCommands(readInterceptLog(log).execs);

  it('fills hostPackages (sorted) and says why each is there', () => {
    const { config, notes } = inferConfig(steps, R, (p) => files.has(p), lookup);
    expect(config['hostPackages']).toEqual(['libonig-dev', 'libxml2-dev', 'zlib1g-dev']);
    expect(Object.keys(config)).toEqual(['hostPackages', 'targets']);
    expect(notes).toEqual(expect.arrayContaining([
      'hostPackages: libonig-dev (for -lonig)',
      'hostPackages: libxml2-dev (for -I/usr/include/libxml2)',
      'hostPackages: zlib1g-dev (for -lz)',
      '-isystem/opt/vendor/include: no single Debian package holds /opt/vendor/include; list the package (or the folder) in hostPackages yourself',
      '-lvendor: no single Debian package holds /opt/vendor/lib/libvendor.so; list the package (or the folder) in hostPackages yourself',
      '-lnowhere: libnowhere.so is in none of /opt/vendor/lib, /usr/lib/x86_64-linux-gnu, /lib/x86_64-linux-gnu',
    ]));
    // A project library (-lb from -L.) is a dep, never looked up; the -L folder outside the project is searched first.
    expect(asked).not.toContain(`${R}/libb.a`);
    expect(asked.filter((p) => p.includes('libonig'))).toEqual(['/usr/lib/x86_64-linux-gnu/libonig.so']);
    expect((config['targets'] as Record<string, { deps?: string[]; libs?: string[] }>)['app']).toMatchObject({ deps: ['b'], libs: ['onig', 'z', 'm', 'vendor', 'nowhere'] });
  });

  it('leaves hostPackages out without a lookup, and when nothing is outside the toolchain', () => {
    expect(inferConfig(steps, R, (p) => files.has(p)).config['hostPackages']).toBeUndefined();
    const only = { libDirs: lookup.libDirs, owner: (): HostOwner => ({ kind: 'toolchain' }) };
    expect(inferConfig(steps, R, (p) => files.has(p), only).config['hostPackages']).toBeUndefined();
  });

  it('writes a config that parses', () => {
    const { config } = inferConfig(steps, R, (p) => files.has(p), lookup);
    const r = parseConfig(JSON.stringify(config), R);
    expect(r.ok && r.value.hostPackages).toEqual(['libonig-dev', 'libxml2-dev', 'zlib1g-dev']);
  });
});

describe('the import\'s pure parts', () => {
  it('parses Depends: alternatives, versions, arch qualifiers', () => {
    expect(parseDepends('libonig5 (= 6.9.8-1)')).toEqual([['libonig5']]);
    expect(parseDepends('zlib1g (= 1:1.2.13.dfsg-1), libc6-dev | libc-dev, perl:any, ')).toEqual([['zlib1g'], ['libc6-dev', 'libc-dev'], ['perl']]);
    expect(parseDepends('')).toEqual([]);
  });

  it('places package files at their /usr paths, merged /usr folded in, docs and /etc left out', () => {
    expect(packageFilePlace('/usr/include/oniguruma.h', MERGED)).toBe('usr/include/oniguruma.h');
    expect(packageFilePlace('/lib/x86_64-linux-gnu/libz.so.1', MERGED)).toBe('usr/lib/x86_64-linux-gnu/libz.so.1');
    expect(packageFilePlace('/lib', MERGED)).toBeUndefined();
    expect(packageFilePlace('/usr/share/doc/libonig-dev/README.gz', MERGED)).toBeUndefined();
    expect(packageFilePlace('/usr/share/man/man1/m4.1.gz', MERGED)).toBeUndefined();
    expect(packageFilePlace('/usr/share/bison/m4sugar/m4sugar.m4', MERGED)).toBe('usr/share/bison/m4sugar/m4sugar.m4');
    expect(packageFilePlace('/etc/perl/Net/libnet.cfg', MERGED)).toBeUndefined();
    expect(canonicalUsrPath('/libfoo/x', MERGED)).toBe('/libfoo/x');
  });

  it('names the store path after short package lists, else by a hash; requests are sorted and deduplicated', () => {
    expect(normaliseRequest(['zlib1g-dev', 'libonig-dev', 'zlib1g-dev', '/opt/foo/'])).toEqual(['/opt/foo', 'libonig-dev', 'zlib1g-dev']);
    expect(packagesStoreName(['libonig-dev', 'zlib1g-dev:amd64'])).toBe('nixmake-host-pkgs-libonig-dev+zlib1g-dev');
    expect(packagesStoreName(['/opt/foo'])).toBe('nixmake-host-pkgs-opt_foo');
    expect(packagesStoreName(Array.from({ length: 12 }, (_, i) => `libpackage${i}-dev`))).toMatch(/^nixmake-host-pkgs-[0-9a-f]{16}$/);
    expect(storePathOfHostPath({ storePath: '/nix/store/x-p' }, '/lib/x86_64-linux-gnu/', MERGED)).toBe('/nix/store/x-p/usr/lib/x86_64-linux-gnu');
  });

  it('maps a path\'s owners to one package, preferring the -dev package of a runtime library', () => {
    const devOf = (p: string): string | undefined => ({ libonig5: 'libonig-dev' })[p];
    expect(pickOwner(['libonig5'], devOf)).toEqual({ kind: 'package', name: 'libonig-dev' });
    expect(pickOwner(['zlib1g-dev:amd64'], devOf)).toEqual({ kind: 'package', name: 'zlib1g-dev' });
    expect(pickOwner(['libfoo1'], devOf)).toEqual({ kind: 'package', name: 'libfoo1' });
    expect(pickOwner(['libc6-dev:amd64'], devOf)).toEqual({ kind: 'toolchain' });
    expect(pickOwner(['linux-libc-dev:amd64', 'libc6-dev:amd64'], devOf)).toEqual({ kind: 'toolchain' });
    expect(pickOwner(['libssl-dev', 'libxslt1-dev'], devOf)).toEqual({ kind: 'unknown' });
    expect(pickOwner([], devOf)).toEqual({ kind: 'unknown' });
  });
});
