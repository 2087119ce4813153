/**
 * The export's lock: its symbolic derivations, with their references
 * resolved as default.nix resolves them, are exactly the specs the
 * generator (derivations.ts) gives nixmake's own build — for objects (C and
 * C++), every kind of link, generators (a tool, another generator's
 * output, host packages' environment), objects reading generated files,
 * and the builder helper. Also: the files table,
 * what a package installs, and the parsing of `export` and `publicHeaders`.
 */
import { describe, expect, it } from 'vitest';
import type { TuClosure } from '../../analyzers/includeClosure.js';
import { parseConfig } from '../../config/parseConfig.js';
import type { Config } from '../../config/Config.js';
import { parseArgs } from '../../cli/parseArgs.js';
import { buildGraph, objectKey } from '../../engine/BuildGraph.js';
import type { DerivationSpec, DrvRef } from '../../engine/derivations.js';
import { builderDerivation, generatorDerivation, linkDerivation, objectDerivation } from '../../engine/derivations.js';
import type { ExportLock } from '../../engine/exportLock.js';
import { exportLock } from '../../engine/exportLock.js';
import type { SymbolicArg, SymbolicDerivation, SymbolRef } from '../../engine/symbolicDerivation.js';
import { treeDiff } from '../../engine/exportTree.js';
import type { Toolchain } from '../../toolchain/Toolchain.js';

const GCC = '/nix/store/nr3qj84h6gwgz8xjzs7f057xpqg9fhji-nixmake-host-gcc-12.2.0';
const LIBC = '/nix/store/lram4xsrw3hrb0pjlk8gmbdv7i107x9k-nixmake-host-glibc-2.36';
const baseTc: Toolchain = {
  import: true,
  cc: `${GCC}/bin/gcc`,
  cxx: `${GCC}/bin/g++`,
  ar: `${GCC}/bin/ar`,
  path: [`${GCC}/bin`, '/usr/bin'],
  shell: '/usr/bin/bash',
  system: 'x86_64-linux',
  id: 'f'.repeat(64),
  version: 'gcc 12',
  storePaths: [LIBC, GCC],
  cflags: [`--sysroot=${GCC}/sysroot`],
  ldflags: [`-Wl,--dynamic-linker=${LIBC}/lib/ld-linux-x86-64.so.2`, `-Wl,-rpath,${LIBC}/lib`],
  systemIncludeDirs: { c: [], 'c++': [] },
};

const config = ((): Config => {
  const r = parseConfig(
    JSON.stringify({
      includeDirs: ['include'],
      publicHeaders: ['include'],
      targets: {
        base: { type: 'static-library', sources: ['lib/*.c'] },
        so: { type: 'shared-library', sources: ['so/*.c'], deps: ['base'], soname: 'libso.so.2', libs: ['m'] },
        app: { type: 'executable', sources: ['src/*'], deps: ['so'] },
      },
    }),
    '/p',
  );
  if (!r.ok) throw new Error('bad config');
  return r.value;
})();
const closure = (tu: string, headers: string[]): TuClosure => ({ tu, headers, system: [], notes: [], errors: [], unresolvedComputed: false, probedDirs: [] });
const sources = new Map([
  ['base', ['lib/a.c', 'lib/-dash.c']],
  ['so', ['so/s.c']],
  ['app', ['src/main.c', 'src/x.cpp']],
]);
const closures = new Map([
  [objectKey('base', 'lib/a.c'), closure('lib/a.c', ['include/x.h'])],
  [objectKey('base', 'lib/-dash.c'), closure('lib/-dash.c', [])],
  [objectKey('so', 'so/s.c'), closure('so/s.c', ['gen/config.h', 'include/x.h'])],
  [objectKey('app', 'src/main.c'), closure('src/main.c', ['include/x.h'])],
  [objectKey('app', 'src/x.cpp'), closure('src/x.cpp', [])],
]);
const graph = buildGraph(config, sources, closures);
const hashOf = (key: string): string => `sys-${key}`;
const tc = baseTc;
const lock: ExportLock = exportLock({
  graph,
  toolchain: tc,
  systemHeadersHash: hashOf,
  copied: (rel) => rel.startsWith('gen/'),
  publicHeaders: new Map([['include/x.h', 'x.h']]),
  root: '..',
  packageName: 'proj',
});

/** Made-up store paths: what builtins.path and the derivations would give. */
const storeOf = (what: string): string => `/nix/store/${'a'.repeat(32)}-${what.replace(/[^A-Za-z0-9.-]/g, '_')}`;
const refOf = (name: string): DrvRef => ({ drvPath: `${storeOf(name)}.drv`, hashModulo: '0'.repeat(64), out: storeOf(name) });
const builder = refOf('builder');

/** What default.nix does with a symbolic derivation, in TypeScript. */
function resolve(d: SymbolicDerivation, tc: Toolchain = baseTc): Omit<DerivationSpec, 'inputSrcs' | 'inputDrvs'> {
  const tcString = { system: tc.system, id: tc.id, cc: tc.cc, cxx: tc.cxx, ar: tc.ar, path: tc.path.join(':') };
  const ref = (r: SymbolRef): string => {
    switch (r.ref) {
      case 'input':
        return storeOf(`input-${r.of}`);
      case 'object':
        return refOf(r.of).out;
      case 'generator':
        return refOf(`gen:${r.of}`).out;
      case 'toolEnv':
        return tc.toolEnv?.[r.of] ?? 'absent';
      case 'link':
        return refOf(`link:${r.of}`).out;
      case 'builder':
        return builder.out;
      case 'builderSource':
        return storeOf('nixmake-builder.c');
      case 'tc':
        return tcString[r.of];
    }
  };
  const str = (a: SymbolicArg): string => {
    if (typeof a === 'string') return a;
    if ('ref' in a) return ref(a);
    if ('parts' in a) return a.parts.map((p) => (typeof p === 'string' ? p : ref(p))).join('');
    throw new Error('a list where a string belongs');
  };
  const lists = {
    cflags: tc.cflags,
    ldflags: tc.ldflags,
    prefixMaps: tc.storePaths.map((p) => `-ffile-prefix-map=${p}=/toolchain/${p.split('/').pop()?.slice(33) ?? ''}`),
  };
  return {
    name: d.name,
    system: str(d.system),
    builder: str(d.builder),
    args: d.args.flatMap((a) => (typeof a !== 'string' && 'list' in a ? lists[a.list] : [str(a)])),
    env: Object.fromEntries(Object.entries(d.env).map(([k, v]) => [k, str(v)])),
  };
}

const shape = (s: DerivationSpec): Omit<DerivationSpec, 'inputSrcs' | 'inputDrvs'> => ({ name: s.name, system: s.system, builder: s.builder, args: s.args, env: s.env });

describe('export lock', () => {
  it('resolves to the very specs of nixmake build: objects', () => {
    for (const [key, o] of graph.objects) {
      const rels = [o.tu, ...o.closure.headers];
      const real = objectDerivation(o, new Map(rels.map((r) => [r, storeOf(`input-${r}`)])), builder, tc, hashOf(key));
      const locked = lock.objects[key];
      expect(locked).toBeDefined();
      expect(resolve(locked?.derivation as SymbolicDerivation)).toEqual(shape(real));
    }
    // Every toolchain store path is named through its list, never as text in the lock's derivations.
    expect(JSON.stringify(lock.objects)).not.toContain('/nix/store/');
  });

  it('resolves to the very specs of nixmake build: links and the builder', () => {
    for (const name of graph.targetOrder) {
      const l = graph.links.get(`link:${name}`);
      if (!l) throw new Error(name);
      const libs = l.libraries.map((k) => {
        const lib = graph.links.get(k);
        return { ref: refOf(k), type: lib?.type ?? 'static-library', target: lib?.target ?? '' } as const;
      });
      const real = linkDerivation(l, l.objects.map(refOf), libs, builder, tc);
      expect(resolve(lock.targets[name]?.derivation as SymbolicDerivation)).toEqual(shape(real));
    }
    expect(resolve(lock.builder.derivation)).toEqual(shape(builderDerivation(tc, storeOf('nixmake-builder.c'))));
  });

  it('lists every input with where it is read from, each target in dependency order with its outputs', () => {
    expect(lock.files).toEqual({ 'gen/config.h': 'copied', 'include/x.h': 'project', 'lib/-dash.c': 'project', 'lib/a.c': 'project', 'so/s.c': 'project', 'src/main.c': 'project', 'src/x.cpp': 'project' });
    expect(Object.keys(lock.targets)).toEqual(['base', 'so', 'app']);
    expect(lock.targets['so']?.outputs).toEqual(['lib/libso.so', 'lib/libso.so.2']);
    expect(lock.targets['app']).toMatchObject({ outputs: ['bin/app'], libraries: ['so', 'base'] });
    expect(lock.package).toEqual({ name: 'proj', headers: { 'include/x.h': 'x.h' } });
    expect(lock.objects[objectKey('so', 'so/s.c')]).toMatchObject({ tu: 'so/s.c', lang: 'c', headers: ['gen/config.h', 'include/x.h'], systemHeadersHash: 'sys-obj:so:so/s.c' });
  });

  it('tells a stale export folder from a current one', () => {
    const want = new Map([['default.nix', { bytes: Buffer.from('x'), executable: false }], ['nixmake-copied/a.h', { bytes: Buffer.from('a'), executable: false }]]);
    expect(treeDiff(want, (rel) => want.get(rel), ['a.h'].map((r) => `nixmake-copied/${r}`))).toEqual([]);
    expect(treeDiff(want, () => undefined, ['nixmake-copied/old.h'])).toEqual(['default.nix is missing', 'nixmake-copied/a.h is missing', 'nixmake-copied/old.h is no longer an input']);
    expect(treeDiff(want, (rel) => ({ bytes: Buffer.from('y'), executable: rel.endsWith('.h') }), [])).toEqual(['default.nix differs', 'nixmake-copied/a.h differs']);
  });
});

describe('export lock of a project with generators', () => {
  const HOST = '/nix/store/9mkvm2dw7wdpsnpfy9b2ji7hc8jmf8qy-nixmake-host-packages';
  const gtc: Toolchain = { ...baseTc, storePaths: [...baseTc.storePaths, HOST], toolEnv: { BISON_PKGDATADIR: `${HOST}/usr/share/bison`, M4: `${HOST}/usr/bin/m4` } };
  const parsed = parseConfig(
    JSON.stringify({
      generators: {
        table: { command: ['mktable', '5'], tools: ['mktable'], stdout: 'gen/table.h', outputs: ['gen/table.h'] },
        parser: { command: ['bison', '-d', '-o', 'src/p.tab.c', 'src/p.y'], inputs: ['src/p.y', 'gen/table.h'], outputs: ['src/p.tab.c', 'src/p.tab.h'], env: { LC_ALL: 'C' } },
      },
      targets: {
        mktable: { type: 'executable', sources: ['tools/mktable.c'] },
        l: { type: 'shared-library', sources: ['lib/l.c'], fileName: 'libl.so.1.2', linkInputs: ['lib/l.map'], ldflags: ['-Wl,--version-script,lib/l.map'] },
        app: { type: 'executable', sources: ['src/*.c'], deps: ['l'], includeDirs: ['gen'], aliases: ['app2'] },
      },
    }),
    '/p',
  );
  if (!parsed.ok) throw new Error('bad config');
  const g = buildGraph(
    parsed.value,
    new Map([
      ['mktable', ['tools/mktable.c']],
      ['l', ['lib/l.c']],
      ['app', ['src/main.c', 'src/p.tab.c']],
    ]),
    new Map([
      [objectKey('mktable', 'tools/mktable.c'), closure('tools/mktable.c', [])],
      [objectKey('l', 'lib/l.c'), closure('lib/l.c', [])],
      [objectKey('app', 'src/main.c'), closure('src/main.c', ['gen/table.h', 'src/p.tab.h'])],
      [objectKey('app', 'src/p.tab.c'), closure('src/p.tab.c', ['src/p.tab.h'])],
    ]),
    new Map([
      ['table', { files: [], generated: [] }],
      ['parser', { files: ['src/p.y'], generated: [['gen/table.h', 'table']] }],
    ]),
  );
  const glock = exportLock({ graph: g, toolchain: gtc, systemHeadersHash: hashOf, copied: () => false, publicHeaders: new Map(), root: '..', packageName: 'proj' });
  const inputsOf = (rels: readonly string[]): Map<string, string> => new Map(rels.map((r) => [r, storeOf(`input-${r}`)]));

  it('resolves to the very specs of nixmake build: generators, objects reading their outputs, links with inputs', () => {
    expect(Object.keys(glock.generators)).toEqual(['table', 'parser']);
    for (const node of g.generators.values()) {
      const real = generatorDerivation(node, inputsOf(node.inputs), new Map(node.generated.map(([r, k]) => [r, refOf(k)])), node.tools.map(refOf), builder, gtc);
      expect(resolve(glock.generators[node.generator]?.derivation as SymbolicDerivation, gtc)).toEqual(shape(real));
    }
    for (const [key, o] of g.objects) {
      const own = [o.tu, ...o.closure.headers].filter((r) => !o.generated.has(r));
      const real = objectDerivation(o, inputsOf(own), builder, gtc, hashOf(key), new Map([...o.generated].map(([r, k]) => [r, refOf(k)])));
      expect(resolve(glock.objects[key]?.derivation as SymbolicDerivation, gtc)).toEqual(shape(real));
    }
    for (const l of g.links.values()) {
      const libs = l.libraries.map((k) => ({ ref: refOf(k), type: g.links.get(k)?.type ?? 'static-library', target: g.links.get(k)?.target ?? '', fileName: g.links.get(k)?.fileName }));
      const real = linkDerivation(l, l.objects.map(refOf), libs, builder, gtc, inputsOf(l.inputs));
      expect(resolve(glock.targets[l.target]?.derivation as SymbolicDerivation, gtc)).toEqual(shape(real));
    }
    // The host packages' variables are the toolchain's, named, not copied into the derivations.
    expect(glock.toolchain.toolEnv).toEqual(gtc.toolEnv);
    expect(JSON.stringify(glock.generators)).not.toContain('/nix/store/');
  });

  it('records generated files as outputs, never as project files', () => {
    expect(glock.files).toEqual({ 'lib/l.c': 'project', 'lib/l.map': 'project', 'src/main.c': 'project', 'src/p.y': 'project', 'tools/mktable.c': 'project' });
    expect(glock.generators['parser']).toMatchObject({ inputs: ['src/p.y'], generated: { 'gen/table.h': 'table' }, outputs: ['src/p.tab.c', 'src/p.tab.h'], tools: [] });
    expect(glock.generators['table']).toMatchObject({ tools: ['mktable'] });
    expect(glock.objects[objectKey('app', 'src/main.c')]).toMatchObject({ headers: ['gen/table.h', 'src/p.tab.h'], generated: { 'gen/table.h': 'table', 'src/p.tab.h': 'parser' } });
    expect(glock.objects[objectKey('app', 'src/p.tab.c')]?.generated).toEqual({ 'src/p.tab.c': 'parser', 'src/p.tab.h': 'parser' });
    expect(glock.targets['l']?.outputs).toEqual(['lib/libl.so.1.2', 'lib/libl.so']);
    expect(glock.targets['app']?.outputs).toEqual(['bin/app', 'bin/app2']);
  });
});

describe('export command line and config', () => {
  it('parses export', () => {
    expect(parseArgs(['export'])).toEqual({ ok: true, command: { command: 'export', dir: '.', out: undefined, check: false, patches: [] } });
    expect(parseArgs(['export', '-C', 'p', '-o', 'nix', '--check'])).toEqual({ ok: true, command: { command: 'export', dir: 'p', out: 'nix', check: true, patches: [] } });
    expect(parseArgs(['export', '--patch', 'a.diff', '--patch=b.diff'])).toMatchObject({ ok: true, command: { patches: ['a.diff', 'b.diff'] } });
    expect(parseArgs(['export', '--patch'])).toMatchObject({ ok: false, message: '--patch needs a patch file' });
    expect(parseArgs(['export', '-j', '2'])).toMatchObject({ ok: false, message: 'unknown option "-j" for export (see nixmake help export)' });
    expect(parseArgs(['export', 'app'])).toMatchObject({ ok: false });
  });

  it('checks publicHeaders', () => {
    const parse = (publicHeaders: unknown): ReturnType<typeof parseConfig> => parseConfig(JSON.stringify({ publicHeaders, targets: { a: { type: 'executable', sources: ['a.c'] } } }), '/p');
    const ok = parse(['include/', './zlib.h']);
    expect(ok.ok && ok.value.publicHeaders).toEqual(['include', 'zlib.h']);
    const bad = parse(['/usr/include', '../x.h']);
    expect(bad.ok ? [] : bad.errors.map((e) => e.jsonPath)).toEqual(['publicHeaders[0]', 'publicHeaders[1]']);
  });
});
