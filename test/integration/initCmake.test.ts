/**
 * `nixmake init --from-cmake build` on a small CMake project written here:
 * CMake's own code model (File API), read without building, gives the
 * targets; per-source definitions, a C++ file's own standard, an object
 * library linked into two targets, a library whose output name is a
 * program's (`app`), its version and soname, and find_package(ZLIB)'s
 * library by path (linked by name from zlib1g-dev, kept in NEEDED). Then
 * nixmake builds it through the daemon and the programs run.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAsync, makeProject, nixmakeAsync, run, spawnAsync } from '../helpers/project.js';

const TREE: Record<string, string> = {
  'CMakeLists.txt': `cmake_minimum_required(VERSION 3.16)
project(demo C CXX)
set(CMAKE_C_STANDARD 99)
set(CMAKE_CXX_STANDARD 17)
find_package(ZLIB REQUIRED)
add_library(common OBJECT src/who.c)
set_target_properties(common PROPERTIES POSITION_INDEPENDENT_CODE ON)
add_library(applib SHARED src/core.c src/etc.c src/cxx.cc $<TARGET_OBJECTS:common>)
set_source_files_properties(src/etc.c PROPERTIES COMPILE_DEFINITIONS "ETC_CONFIG=\\"/etc/app\\"")
set_target_properties(applib PROPERTIES OUTPUT_NAME app VERSION 1.2.3 SOVERSION 1)
target_link_libraries(applib PRIVATE ZLIB::ZLIB)
target_include_directories(applib PUBLIC src)
add_executable(app src/main.c)
target_link_libraries(app applib)
add_executable(app_test tests/main.c $<TARGET_OBJECTS:common>)
target_include_directories(app_test PRIVATE tests)
`,
  'src/who.c': 'const char *who(void) { return "who"; }\n',
  'src/core.c': '#include <zlib.h>\nlong app_c(void) { return __STDC_VERSION__; }\nconst char *app_z(void) { return zlibVersion(); }\n',
  'src/etc.c': 'const char *app_etc(void) { return ETC_CONFIG; }\n',
  'src/cxx.cc': 'extern "C" long app_cxx(void) { return __cplusplus; }\n',
  'src/main.c':
    '#include <stdio.h>\nlong app_c(void); const char *app_z(void); const char *app_etc(void); long app_cxx(void); const char *who(void);\n' +
    'int main(void) { printf("c=%ld cxx=%ld etc=%s z=%s %s\\n", app_c(), app_cxx(), app_etc(), app_z(), who()); return 0; }\n',
  'tests/main.c': '#include <stdio.h>\nconst char *who(void);\nint main(void) { puts(who()); return 0; }\n',
};

const HAS_CMAKE = spawnSync('sh', ['-c', 'command -v cmake']).status === 0;

describe.skipIf(!HAS_CMAKE)('init --from-cmake: CMake\'s File API code model', () => {
  let dir = '';
  beforeAll(async () => {
    dir = makeProject(TREE, 'nixmake-cmake-');
    const c = await spawnAsync('cmake', ['-S', '.', '-B', 'build'], { cwd: dir });
    if (c.code !== 0) throw new Error(c.stderr);
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the targets CMake describes, without building', async () => {
    const r = await nixmakeAsync(['init', '-C', dir, '--from-cmake', 'build']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(fs.existsSync(path.join(dir, 'build/app'))).toBe(false);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as { hostPackages: string[]; targets: Record<string, Record<string, unknown>> };
    expect(Object.keys(config.targets).sort()).toEqual(['app', 'app_test', 'applib']);
    expect(config.targets['applib']).toMatchObject({
      type: 'shared-library',
      sources: ['src/core.c', 'src/etc.c', 'src/cxx.cc', 'src/who.c'],
      fileName: 'libapp.so.1.2.3',
      soname: 'libapp.so.1',
      libs: ['z'],
    });
    const perSource = config.targets['applib']?.['perSource'] as unknown[];
    expect(perSource).toContainEqual({ sources: ['src/etc.c'], defines: ['ETC_CONFIG="/etc/app"'] });
    expect(perSource).toContainEqual({ sources: ['src/cxx.cc'], flags: ['-Dapplib_EXPORTS', '-Isrc', '-fPIC', '-std=gnu++17'] });
    expect(config.targets['app']).toMatchObject({ type: 'executable', sources: ['src/main.c'], deps: ['applib'] });
    expect(config.targets['app_test']).toMatchObject({ sources: ['tests/main.c', 'src/who.c'] });
    expect(config.hostPackages).toEqual(['zlib1g-dev']);
  }, 120_000);

  it('builds; the programs run and the library keeps its names and NEEDED', async () => {
    const r = await buildAsync(dir);
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    expect(r.counts).toMatchObject({ objects_built: 7, links_built: 3, failed: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toMatch(/^c=199901 cxx=201703 etc=\/etc\/app z=1\.2\.\d+ who\n$/);
    expect(run(path.join(dir, 'result-app_test/bin/app_test'), []).stdout).toBe('who\n');
    const lib = path.join(dir, 'result-applib/lib');
    expect(fs.readdirSync(lib).sort()).toEqual(['libapp.so', 'libapp.so.1', 'libapp.so.1.2.3']);
    const dynamic = run('readelf', ['-d', path.join(lib, 'libapp.so.1.2.3')]).stdout;
    expect(dynamic).toContain('Shared library: [libz.so.1]');
    expect(dynamic).toContain('Library soname: [libapp.so.1]');
  }, 600_000);
});
