/**
 * The host toolchain imported into the store (toolchain/importToolchain.ts)
 * builds C and C++ in a sandbox that sees nothing of the host: this test
 * starts its own nix-daemon on the same store whose nix.conf is only
 * `sandbox = true`, `build-users-group = nixbld` and `substituters =` (no
 * extra-sandbox-paths, unlike the suite's stock daemon), imports through it,
 * and builds with hand-written derivations: a C hello, a C++ hello with
 * <vector>/<iostream>, a static archive and a program linked against it,
 * and the static builder helper. The programs run on the host and, as
 * builders of further derivations, inside the sandbox (their interpreter is
 * the store's ld-linux). No .drv names /usr.
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
import { elfKind } from '../../toolchain/elf.js';
import type { ImportedToolchain } from '../../toolchain/importToolchain.js';
import { importToolchain } from '../../toolchain/importToolchain.js';

const BARE_NIX_CONF = ['sandbox = true', 'build-users-group = nixbld', 'substituters =', ''].join('\n');
const OUT = hashPlaceholder('out');
const HAS_TOOLS = ['gcc', 'g++', 'patchelf', 'dpkg', 'nix-daemon'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);

const HELLO_C = `#include <stdio.h>
int main(int argc, char **argv) {
  FILE *f = argc > 1 ? fopen(argv[1], "w") : stdout;
  if (!f) return 2;
  fprintf(f, "hello from C\\n");
  return fclose(f) != 0;
}
`;
const HELLO_CXX = `#include <fstream>
#include <iostream>
#include <numeric>
#include <vector>
int main(int argc, char **argv) {
  std::vector<int> v{1, 2, 3, 4};
  int sum = std::accumulate(v.begin(), v.end(), 0);
  if (argc > 1) { std::ofstream f(argv[1]); f << "hello from C++ " << sum << "\\n"; return f ? 0 : 1; }
  std::cout << "hello from C++ " << sum << std::endl;
}
`;
const ADD_C = 'int add(int a, int b) { return a + b; }\n';
const MUL_C = 'int mul(int a, int b) { return a * b; }\n';
const CALC_C = `#include <stdio.h>
int add(int, int); int mul(int, int);
int main(int argc, char **argv) {
  FILE *f = argc > 1 ? fopen(argv[1], "w") : stdout;
  if (!f) return 2;
  fprintf(f, "calc %d\\n", add(2, mul(3, 4)));
  return fclose(f) != 0;
}
`;

describe.skipIf(!HAS_TOOLS)('the host toolchain imported into the store', () => {
  let daemon: Daemon;
  let store: DaemonStore;
  let tc: ImportedToolchain;
  let importMs = 0;
  const drvs: string[] = [];

  beforeAll(async () => {
    daemon = await startBareDaemon(BARE_NIX_CONF);
    store = new DaemonStore(daemon.socket, readClientSettings(daemon.env), 3);
    const t0 = Date.now();
    tc = await importToolchain({ socketPath: daemon.socket, gcRootDir: path.join(daemon.dir, 'gcroots'), cacheFile: path.join(daemon.dir, 'toolchain.json') });
    importMs = Date.now() - t0;
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

  /** Writes and builds a derivation whose inputs are the toolchain, `srcs` and `deps` (built outputs); answers its output. */
  async function build(name: string, builder: string, args: string[], srcs: string[] = [], deps: { drvPath: string; hashModulo: string }[] = []): Promise<{ out: string; drvPath: string; hashModulo: string }> {
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
    expect(drvPath).toBe(d.drvPath);
    drvs.push(drvPath);
    const r = await store.build(drvPath);
    if (!r.ok) throw new Error(`${name} failed (${r.status}: ${r.message}):\n${r.log}`);
    return { out: d.outputs['out'] as string, drvPath, hashModulo: d.hashModulo };
  }

  const compile = (lang: 'c' | 'c++', src: string, name: string) =>
    build(name, lang === 'c' ? tc.cc : tc.cxx, [...tc.cflags, '-O2', '-c', '-o', OUT, src], [src]);

  function runOnHost(program: string): string {
    const r = spawnSync(program, [], { encoding: 'utf8', env: {} });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  }

  it('makes the same two store paths on a second import, and the tools refer only to the C library', async () => {
    expect(tc.storePaths.libc).toMatch(/^\/nix\/store\/[0-9a-z]{32}-nixmake-host-glibc-\d+\.\d+$/);
    expect(tc.storePaths.tools).toMatch(/^\/nix\/store\/[0-9a-z]{32}-nixmake-host-gcc-\d+\.\d+\.\d+$/);
    const again = await importToolchain({ socketPath: daemon.socket });
    expect(again.storePaths).toEqual(tc.storePaths);
    const cached = await importToolchain({ socketPath: daemon.socket, cacheFile: path.join(daemon.dir, 'toolchain.json') });
    expect(cached).toEqual(tc);
    expect((await store.pathInfo(tc.storePaths.tools))?.references).toEqual([tc.storePaths.libc]);
    expect((await store.pathInfo(tc.storePaths.libc))?.references).toEqual([]);
    console.log(`toolchain import: ${importMs} ms, libc NAR ${tc.narSize.libc} B, tools NAR ${tc.narSize.tools} B`);
  });

  it('finds its helpers relative to its own location and its headers and libraries in the sysroot', () => {
    for (const p of ['cc1', 'cc1plus', 'collect2', 'lto-wrapper', 'lto1', 'as', 'ld']) {
      const got = spawnSync(tc.cxx, [`-print-prog-name=${p}`], { encoding: 'utf8', env: {} }).stdout.trim();
      expect(got.startsWith(`${tc.storePaths.tools}/`), `${p}: ${got}`).toBe(true);
      expect(fs.existsSync(got), got).toBe(true);
    }
    for (const f of ['libc.so', 'libc.a', 'crt1.o', 'libstdc++.so', 'libgcc.a', 'liblto_plugin.so']) {
      const got = spawnSync(tc.cxx, [...tc.cflags, `-print-file-name=${f}`], { encoding: 'utf8', env: {} }).stdout.trim();
      expect(got.startsWith(`${tc.storePaths.tools}/`), `${f}: ${got}`).toBe(true);
    }
    const cc1 = spawnSync(tc.cc, ['-print-prog-name=cc1'], { encoding: 'utf8' }).stdout.trim();
    expect(spawnSync('patchelf', ['--print-interpreter', cc1], { encoding: 'utf8' }).stdout.trim()).toBe(tc.dynamicLinker);
  });

  it('compiles and links C and C++, archives with ar, and the programs run on the host and in the sandbox', async () => {
    const [helloC, helloCxx, addC, mulC, calcC] = await Promise.all([
      source('hello.c', HELLO_C),
      source('hello.cc', HELLO_CXX),
      source('add.c', ADD_C),
      source('mul.c', MUL_C),
      source('calc.c', CALC_C),
    ]);
    const link = (lang: 'c' | 'c++', name: string, inputs: { out: string; drvPath: string; hashModulo: string }[]) =>
      build(name, lang === 'c' ? tc.cc : tc.cxx, [...tc.cflags, ...tc.ldflags, '-o', OUT, ...inputs.map((i) => i.out)], [], inputs);
    const run = (name: string, program: { out: string; drvPath: string; hashModulo: string }) => build(name, program.out, [OUT], [], [program]);

    const cProgram = await link('c', 'hello-c', [await compile('c', helloC, 'hello-c.o')]);
    const cxxProgram = await link('c++', 'hello-cxx', [await compile('c++', helloCxx, 'hello-cxx.o')]);
    const objects = await Promise.all([compile('c', addC, 'add.o'), compile('c', mulC, 'mul.o')]);
    const archive = await build('libcalc.a', tc.ar, ['qcsD', OUT, ...objects.map((o) => o.out)], [], objects);
    const calcProgram = await link('c', 'calc', [await compile('c', calcC, 'calc.o'), archive]);

    for (const p of [cProgram, cxxProgram, calcProgram]) {
      expect(spawnSync('patchelf', ['--print-interpreter', p.out], { encoding: 'utf8' }).stdout.trim()).toBe(tc.dynamicLinker);
    }
    expect(runOnHost(cProgram.out)).toBe('hello from C\n');
    expect(runOnHost(cxxProgram.out)).toBe('hello from C++ 10\n');
    expect(runOnHost(calcProgram.out)).toBe('calc 14\n');
    expect(spawnSync(tc.ar, ['t', archive.out], { encoding: 'utf8' }).stdout).toMatch(/add\.o\n.*mul\.o\n/);

    expect(fs.readFileSync((await run('run-hello-c', cProgram)).out, 'utf8')).toBe('hello from C\n');
    expect(fs.readFileSync((await run('run-hello-cxx', cxxProgram)).out, 'utf8')).toBe('hello from C++ 10\n');
    expect(fs.readFileSync((await run('run-calc', calcProgram)).out, 'utf8')).toBe('calc 14\n');
  });

  it('links the builder helper statically against the sysroot', async () => {
    const src = await source('nixmake-builder.c', fs.readFileSync(new URL('../../nix-templates/builder/nixmake-builder.c', import.meta.url), 'utf8'));
    const helper = await build('nixmake-builder', tc.cc, [...tc.cflags, '-static', '-O2', '-o', OUT, src], [src]);
    expect(elfKind(helper.out)).toEqual({ interp: false, dynamic: false });
  });

  it('writes derivations that name no host path', () => {
    expect(drvs.length).toBeGreaterThan(10);
    const grep = spawnSync('grep', ['-l', '-e', '/usr', '-e', '"/bin', '-e', '"/lib', ...drvs], { encoding: 'utf8' });
    expect(grep.stdout).toBe('');
    expect(grep.status).toBe(1);
    expect(fs.readFileSync(path.join(daemon.dir, 'conf/nix.conf'), 'utf8')).not.toMatch(/sandbox-paths/);
  });
});
