/**
 * Host libraries and tools imported into the store
 * (toolchain/importHostPackages.ts) work in a sandbox that sees nothing of
 * the host: on a nix-daemon of its own whose nix.conf is only `sandbox =
 * true`, `build-users-group = nixbld` and `substituters =`, this test
 * imports the toolchain, `libonig-dev` + `zlib1g-dev` (jq's and zlib's
 * libraries) and `m4` (a program), compiles a C file that includes
 * <oniguruma.h> and <zlib.h>, links it with -lonig -lz, and runs it on the
 * host and as the builder of another derivation; m4 runs in the sandbox
 * too. No .drv names /usr.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBareDaemon, stopBareDaemon } from '../helpers/bareDaemon.js';
import type { Daemon } from '../helpers/bareDaemon.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonStore } from '../../store/DaemonStore.js';
import { makeInputAddressedDerivation } from '../../store/derivation.js';
import type { InputAddressedSpec } from '../../store/derivation.js';
import { narOfFile, narSha256Hex } from '../../store/nar.js';
import { readClientSettings } from '../../store/nixConfig.js';
import { hashPlaceholder, makeSourcePath } from '../../store/storePath.js';
import type { ImportedPackages } from '../../toolchain/importHostPackages.js';
import { importHostPackages } from '../../toolchain/importHostPackages.js';
import type { ImportedToolchain } from '../../toolchain/importToolchain.js';
import { importToolchain } from '../../toolchain/importToolchain.js';

const BARE_NIX_CONF = ['sandbox = true', 'build-users-group = nixbld', 'substituters =', ''].join('\n');
const OUT = hashPlaceholder('out');
const installed = (pkg: string): boolean => spawnSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', pkg], { encoding: 'utf8' }).stdout.startsWith('ii');
const HAS_TOOLS =
  ['gcc', 'patchelf', 'dpkg', 'nix-daemon'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0) &&
  ['libonig-dev', 'zlib1g-dev', 'm4'].every(installed);

const ONIG_C = `#include <oniguruma.h>
#include <zlib.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  FILE *f = argc > 1 ? fopen(argv[1], "w") : stdout;
  if (!f) return 2;
  OnigEncoding encs[] = { ONIG_ENCODING_ASCII };
  onig_initialize(encs, 1);
  const UChar *pat = (const UChar *)"a(b+)c", *str = (const UChar *)"xxabbbcyy";
  const UChar *end = str + strlen((const char *)str);
  OnigRegex reg;
  OnigErrorInfo info;
  if (onig_new(&reg, pat, pat + strlen((const char *)pat), ONIG_OPTION_DEFAULT, ONIG_ENCODING_ASCII, ONIG_SYNTAX_DEFAULT, &info) != ONIG_NORMAL) return 3;
  OnigRegion *region = onig_region_new();
  int at = onig_search(reg, str, end, str, end, region, ONIG_OPTION_NONE);
  fprintf(f, "onig %s: match at %d, group %d-%d; zlib %s: crc32(abc) %lx\\n", onig_version(), at, region->beg[1], region->end[1],
          zlibVersion(), crc32(0, (const Bytef *)"abc", 3));
  onig_region_free(region, 1);
  onig_free(reg);
  onig_end();
  return fclose(f) != 0;
}
`;
const EXPECTED = /^onig 6\.\d+\.\d+: match at 2, group 3-6; zlib 1\.\d+\.\d+: crc32\(abc\) 352441c2\n$/;

describe.skipIf(!HAS_TOOLS)('host packages imported into the store', () => {
  let daemon: Daemon;
  let store: DaemonStore;
  let tc: ImportedToolchain;
  let libs: ImportedPackages;
  let m4: ImportedPackages;
  let importMs = 0;
  const drvs: string[] = [];

  beforeAll(async () => {
    daemon = await startBareDaemon(BARE_NIX_CONF);
    store = new DaemonStore(daemon.socket, readClientSettings(daemon.env), 3);
    const common = { socketPath: daemon.socket, gcRootDir: path.join(daemon.dir, 'gcroots') };
    tc = await importToolchain({ ...common, cacheFile: path.join(daemon.dir, 'toolchain.json') });
    const t0 = Date.now();
    libs = await importHostPackages(['zlib1g-dev', 'libonig-dev'], { ...common, toolchain: tc, cacheFile: path.join(daemon.dir, 'host-packages.json') });
    importMs = Date.now() - t0;
    m4 = await importHostPackages(['m4'], { ...common, toolchain: tc, cacheFile: path.join(daemon.dir, 'host-packages.json') });
  }, 300_000);

  afterAll(() => {
    store?.close();
    stopBareDaemon(daemon);
  });

  async function source(name: string, text: string): Promise<string> {
    const nar = narOfFile(Buffer.from(text), false);
    const p = makeSourcePath(name, narSha256Hex(nar));
    await store.addNar(name, nar, p);
    return p;
  }

  type Built = { out: string; drvPath: string; hashModulo: string };
  async function build(name: string, builder: string, args: string[], srcs: string[] = [], deps: Built[] = []): Promise<Built> {
    const spec: InputAddressedSpec = {
      name,
      system: 'x86_64-linux',
      builder,
      args,
      env: { PATH: tc.path.join(':') },
      inputSrcs: [tc.storePaths.tools, ...srcs],
      inputDrvs: Object.fromEntries(deps.map((d) => [d.drvPath, { outputs: ['out'], hashModulo: d.hashModulo }])),
    };
    const d = makeInputAddressedDerivation(spec);
    const drvPath = await store.addText(`${name}.drv`, d.text, [...spec.inputSrcs, ...Object.keys(spec.inputDrvs)]);
    drvs.push(drvPath);
    const r = await store.build(drvPath);
    if (!r.ok) throw new Error(`${name} failed (${r.status}: ${r.message}):\n${r.log}`);
    return { out: d.outputs['out'] as string, drvPath, hashModulo: d.hashModulo };
  }

  it('makes one content-addressed path per set, the same on a second import, with the /usr layout and the runtime libraries', async () => {
    expect(libs.storePath).toMatch(/^\/nix\/store\/[0-9a-z]{32}-nixmake-host-pkgs-libonig-dev\+zlib1g-dev$/);
    expect(libs.requested).toEqual(['libonig-dev', 'zlib1g-dev']);
    expect(Object.keys(libs.packages).map((p) => p.replace(/:.*/, '')).sort()).toEqual(['libonig-dev', 'libonig5', 'zlib1g', 'zlib1g-dev']);
    expect(libs.references).toEqual([]);
    expect((await store.pathInfo(libs.storePath))?.references).toEqual([]);
    expect(libs.includeDirs).toEqual([`${libs.storePath}/usr/include`]);
    expect(libs.libDirs).toEqual([`${libs.storePath}/usr/lib/x86_64-linux-gnu`]);
    expect(libs.cflags).toEqual(['-isystem', `${libs.storePath}/usr/include`]);
    const libDir = `${libs.storePath}/usr/lib/x86_64-linux-gnu`;
    expect(libs.ldflags).toEqual([`-L${libDir}`, `-Wl,-rpath-link,${libDir}`, `-Wl,-rpath,${libDir}`]);
    const lib = `${libs.storePath}/usr/lib/x86_64-linux-gnu`;
    for (const f of ['usr/include/oniguruma.h', 'usr/include/zlib.h', 'usr/include/zconf.h']) expect(fs.statSync(`${libs.storePath}/${f}`).isFile(), f).toBe(true);
    // The linker's names and the sonames, as relative links to the real files.
    expect(fs.readlinkSync(`${lib}/libonig.so`)).toMatch(/^libonig\.so\.5\.\d+\.\d+$/);
    expect(fs.readlinkSync(`${lib}/libonig.so.5`)).toMatch(/^libonig\.so\.5\.\d+\.\d+$/);
    expect(fs.readlinkSync(`${lib}/libz.so`)).toMatch(/^libz\.so\.1\.\d+\.\d+$/);
    expect(fs.existsSync(`${libs.storePath}/usr/share/doc`)).toBe(false);

    const again = await importHostPackages(['libonig-dev', 'zlib1g-dev', 'libonig-dev'], { socketPath: daemon.socket, toolchain: tc });
    expect(again.storePath).toBe(libs.storePath);
    const t0 = Date.now();
    const cached = await importHostPackages(['libonig-dev', 'zlib1g-dev'], { socketPath: daemon.socket, toolchain: tc, cacheFile: path.join(daemon.dir, 'host-packages.json') });
    const cachedMs = Date.now() - t0;
    expect(cached).toEqual(libs);
    console.log(`host packages: import ${importMs} ms, cached ${cachedMs} ms, NAR ${libs.narSize} B; m4 NAR ${m4.narSize} B`);
  });

  it('compiles against <oniguruma.h> and <zlib.h>, links -lonig -lz, and the program runs on the host and in the sandbox', async () => {
    const src = await source('onig.c', ONIG_C);
    const obj = await build('onig.o', tc.cc, [...tc.cflags, ...libs.cflags, '-O2', '-Wall', '-Werror', '-c', '-o', OUT, src], [src, libs.storePath]);
    const prog = await build('onig', tc.cc, [...tc.cflags, ...tc.ldflags, ...libs.ldflags, '-o', OUT, obj.out, '-lonig', '-lz'], [libs.storePath], [obj]);

    // (It also names its source's store path, in its symbol table: this test compiles without nixmake's prefix maps.)
    expect((await store.pathInfo(prog.out))?.references).toEqual(expect.arrayContaining([libs.storePath, tc.storePaths.libc]));
    // On the host, every library it loads comes from the store (ld.so --list resolves as a run would).
    const list = spawnSync(tc.dynamicLinker, ['--list', prog.out], { encoding: 'utf8', env: {} });
    expect(list.status, list.stderr).toBe(0);
    const resolved = Object.fromEntries([...list.stdout.matchAll(/^\s*(\S+) => (\S+)/gm)].map((m) => [m[1], m[2]]));
    expect(resolved['libonig.so.5']).toBe(`${libs.storePath}/usr/lib/x86_64-linux-gnu/libonig.so.5`);
    expect(resolved['libc.so.6']).toBe(`${tc.libDir}/libc.so.6`);
    for (const [name, at] of Object.entries(resolved)) expect(at?.startsWith('/nix/store/'), `${name} => ${at}`).toBe(true);
    const host = spawnSync(prog.out, [], { encoding: 'utf8', env: {} });
    expect(host.status, host.stderr).toBe(0);
    expect(host.stdout).toMatch(EXPECTED);

    // In the sandbox there is no /lib: libonig.so.5's libc.so.6 is found through the program's DT_RPATH.
    const ran = await build('run-onig', prog.out, [OUT], [], [prog]);
    expect(fs.readFileSync(ran.out, 'utf8')).toMatch(EXPECTED);
  });

  it('imports a program (m4) patched to the store\'s dynamic linker, and it runs in the sandbox', async () => {
    expect(m4.storePath).toMatch(/-nixmake-host-pkgs-m4$/);
    expect(m4.binDirs).toEqual([`${m4.storePath}/usr/bin`]);
    expect(m4.references).toEqual([tc.storePaths.libc]);
    expect((await store.pathInfo(m4.storePath))?.references).toEqual([tc.storePaths.libc]);
    const bin = `${m4.storePath}/usr/bin/m4`;
    expect(spawnSync('patchelf', ['--print-interpreter', bin], { encoding: 'utf8' }).stdout.trim()).toBe(tc.dynamicLinker);
    const input = await source('hello.m4', "define(`greet', `hello $1')greet(`sandbox')\n");
    const ran = await build('run-m4', bin, [`--debugfile=${OUT}`, '--debug=aeq', '--trace=greet', input], [m4.storePath, input]);
    expect(fs.readFileSync(ran.out, 'utf8')).toMatch(/m4trace: -1- greet\(`sandbox'\) -> `hello sandbox'/);
  });

  it('writes derivations that name no host path', () => {
    expect(drvs.length).toBeGreaterThanOrEqual(4);
    // The packages' own folders are `<store path>/usr/...`: take every store path (and what follows it) out, then look for /usr, /bin, /lib.
    const hostPaths = drvs.flatMap((d) =>
      [...fs.readFileSync(d, 'utf8').replace(/\/nix\/store\/[0-9a-z]{32}-[^"\s:,]*/g, '').matchAll(/\/(usr|bin|lib|lib64|etc)\b[^"]*/g)].map((m) => `${d}: ${m[0]}`),
    );
    expect(hostPaths).toEqual([]);
    // And grep agrees: /usr occurs only right after a store path's name.
    const grep = spawnSync('grep', ['-l', '-E', '(^|["=, ]|-[IL])/(usr|bin|lib)', ...drvs], { encoding: 'utf8' });
    expect(grep.stdout).toBe('');
    expect(grep.status).toBe(1);
  });
});
