/**
 * fromCmake: a File API reply (written here as CMake 3.25 writes it) → the
 * steps inferConfig reads: compiles at CMake's object paths (so an object
 * library's objects lead back to its compiles), an archive, links with the
 * real file name its users link and the soname of link.txt, and the
 * sources a custom command generates.
 */
import { describe, expect, it } from 'vitest';
import { fromCmake } from '../../init/fromCmake.js';
import { inferConfig } from '../../init/inferConfig.js';

const B = '/p/build';
const files: Record<string, string> = {
  '.cmake/api/v1/reply/index-1.json': JSON.stringify({ reply: { 'client-nixmake': { 'codemodel-v2': { jsonFile: 'codemodel.json' } } } }),
  '.cmake/api/v1/reply/codemodel.json': JSON.stringify({
    paths: { source: '/p', build: B },
    configurations: [{ name: '', targets: ['objs', 'core', 'shared', 'tool', 'gen'].map((n) => ({ name: n, jsonFile: `t-${n}.json` })) }],
  }),
  '.cmake/api/v1/reply/t-objs.json': JSON.stringify({
    name: 'objs', type: 'OBJECT_LIBRARY', paths: { source: '.', build: '.' },
    sources: [{ path: 'src/who.c', compileGroupIndex: 0 }],
    compileGroups: [{ language: 'C', defines: [{ define: 'WHO' }], compileCommandFragments: [{ fragment: '-fPIC' }] }],
  }),
  '.cmake/api/v1/reply/t-core.json': JSON.stringify({
    name: 'core', type: 'STATIC_LIBRARY', artifacts: [{ path: 'lib/libcore.a' }], paths: { source: 'lib', build: 'lib' },
    sources: [{ path: 'lib/a.c', compileGroupIndex: 0 }, { path: 'build/gen.c', compileGroupIndex: 0, isGenerated: true }],
    compileGroups: [{ language: 'C', includes: [{ path: '/p/lib' }, { path: '/usr/include/libxml2', isSystem: true }], compileCommandFragments: [{ fragment: '-O2 -Wall' }] }],
  }),
  '.cmake/api/v1/reply/t-shared.json': JSON.stringify({
    name: 'shared', type: 'SHARED_LIBRARY', artifacts: [{ path: 'libx.so' }], paths: { source: '.', build: '.' },
    sources: [{ path: 'src/x.cc', compileGroupIndex: 0 }, { path: 'build/CMakeFiles/objs.dir/src/who.c.o', isGenerated: true }],
    compileGroups: [{ language: 'CXX', compileCommandFragments: [{ fragment: '-std=gnu++17' }] }],
    link: { commandFragments: [{ fragment: '', role: 'flags' }, { fragment: 'lib/libcore.a', role: 'libraries' }, { fragment: '/usr/lib/x86_64-linux-gnu/libssl.so', role: 'libraries' }] },
  }),
  '.cmake/api/v1/reply/t-tool.json': JSON.stringify({
    name: 'tool', type: 'EXECUTABLE', artifacts: [{ path: 'tool' }], paths: { source: '.', build: '.' },
    sources: [{ path: 'src/main.c', compileGroupIndex: 0 }],
    compileGroups: [{ language: 'C' }],
    link: { commandFragments: [{ fragment: '-rdynamic', role: 'flags' }, { fragment: '-Wl,-rpath,/p/build', role: 'libraries' }, { fragment: 'libx.so.2.0.0', role: 'libraries' }, { fragment: '-lm', role: 'libraries' }] },
  }),
  '.cmake/api/v1/reply/t-gen.json': JSON.stringify({ name: 'gen', type: 'UTILITY', paths: { source: '.', build: '.' }, sources: [] }),
  'CMakeFiles/shared.dir/link.txt': '/usr/bin/c++ -fPIC -shared -Wl,-soname,libx.so.2 -o libx.so.2.0.0 CMakeFiles/shared.dir/src/x.cc.o\n',
};
const list = (rel: string): string[] => Object.keys(files).filter((f) => f.startsWith(`${rel}/`)).map((f) => f.slice(rel.length + 1));
const read = (rel: string): string => {
  const t = files[rel];
  if (t === undefined) throw new Error(`ENOENT ${rel}`);
  return t;
};

describe('fromCmake', () => {
  const model = fromCmake(B, list, read);

  it('compiles each source where CMake puts its object, with defines, includes and flags in CMake\'s order', () => {
    expect(model.steps.compiles.map((c) => [c.source, c.output])).toEqual([
      ['/p/src/who.c', `${B}/CMakeFiles/objs.dir/src/who.c.o`],
      ['/p/lib/a.c', `${B}/lib/CMakeFiles/core.dir/a.c.o`],
      ['/p/build/gen.c', `${B}/lib/CMakeFiles/core.dir/gen.c.o`],
      ['/p/src/x.cc', `${B}/CMakeFiles/shared.dir/src/x.cc.o`],
      ['/p/src/main.c', `${B}/CMakeFiles/tool.dir/src/main.c.o`],
    ]);
    expect(model.steps.compiles[1]?.flags).toEqual(['-I/p/lib', '-isystem', '/usr/include/libxml2', '-O2', '-Wall']);
    expect(model.generated).toEqual(['build/gen.c']);
    expect(model.notes).toContainEqual(expect.stringMatching(/custom targets .*: gen; make what they make with cmake --build build --target NAME/));
  });

  it('links the real file its users name, with link.txt\'s soname, and archives static libraries', () => {
    expect(model.steps.archives).toMatchObject([{ output: `${B}/lib/libcore.a` }]);
    const shared = model.steps.links.find((l) => l.kind === 'shared-library');
    expect(shared).toMatchObject({ output: `${B}/libx.so.2.0.0`, soname: 'libx.so.2', inputs: [`${B}/CMakeFiles/shared.dir/src/x.cc.o`, `${B}/CMakeFiles/objs.dir/src/who.c.o`, `${B}/lib/libcore.a`, '/usr/lib/x86_64-linux-gnu/libssl.so'] });
    expect(model.steps.symlinks.get(`${B}/libx.so`)).toBe(`${B}/libx.so.2.0.0`);
  });

  it('gives inferConfig what it needs for targets, deps, object libraries and host libraries', () => {
    const { config } = inferConfig(model.steps, '/p', () => true);
    const t = config['targets'] as Record<string, Record<string, unknown>>;
    expect(t['x']).toMatchObject({ type: 'shared-library', sources: ['src/x.cc', 'src/who.c'], fileName: 'libx.so.2.0.0', soname: 'libx.so.2', deps: ['core'], libs: ['ssl'] });
    expect(t['x']?.['perSource']).toEqual([{ sources: ['src/who.c'], flags: ['-DWHO', '-fPIC'] }]);
    expect(t['tool']).toMatchObject({ type: 'executable', deps: ['x'], libs: ['m'], ldflags: ['-rdynamic'] });
  });

  it('names each target as CMake does, whatever its file is called', () => {
    expect([...model.names.values()].sort()).toEqual(['core', 'shared', 'tool']);
    const { config } = inferConfig(model.steps, '/p', () => true, undefined, model.names);
    const t = config['targets'] as Record<string, Record<string, unknown>>;
    expect(Object.keys(t).sort()).toEqual(['core', 'shared', 'tool']);
    expect(t['shared']).toMatchObject({ fileName: 'libx.so.2.0.0', deps: ['core'] });
    expect(t['tool']).toMatchObject({ deps: ['shared'] });
  });
});
