/**
 * `nixmake init --from compile_commands.json`, then real builds through the
 * daemon. A database written by hand (folder libraries whose archives
 * reference each other in a cycle, two `main.c`, one of them listed twice
 * with two flag sets, a library file listed twice (two objects in one
 * target), a source the build generates), and CMake's own
 * database of a built tree (targets from the object paths, a shared
 * library from `_EXPORTS`, a test program without `main()` linking the
 * library that gives it one, deps read from the objects' symbols).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAsync, makeProject, nixmakeAsync, run, spawnAsync } from '../helpers/project.js';
import { compileDbCompiles, expectRecordedFlags } from '../helpers/recordedFlags.js';

interface ConfigJson {
  targets: Record<string, Record<string, unknown>>;
}

const readConfig = (dir: string): ConfigJson => JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as ConfigJson;

describe('init --from a hand-written compile database: folder libraries in a cycle, two main.c, a TU twice, a generated source', () => {
  let dir = '';
  beforeAll(() => {
    dir = makeProject(
      {
        // alpha's two members and beta's one reference each other: a1 → b → a2, so one pass over alpha then beta fails.
        'alpha/a1.c': 'int fb(void);\nint fa2(void) { return fb() + 1; }\n',
        'alpha/a2.c': 'int fa(void) { return 1; }\n',
        'beta/b.c': 'int fa(void);\nint fb(void) { return fa() + 10; }\n',
        // One file, two objects in one folder library: tw1 and tw2.
        'alpha/twice.c': 'int NAME(void) { return WHICH; }\n',
        'app/main.c': '#include <stdio.h>\nint fa2(void); int tw1(void); int tw2(void);\nint main(void) { printf("%d %d %d\\n", fa2(), tw1(), tw2()); return 0; }\n',
        'tools/main.c': '#include <stdio.h>\nint main(void) { printf("tool %d\\n", WHICH); return 0; }\n',
        'tests/main.c': '#include <stdio.h>\nint main(void) { puts("test"); return 0; }\n',
        'compile_commands.json': JSON.stringify([
          ...['alpha/a1.c', 'alpha/a2.c', 'beta/b.c', 'app/main.c', 'tests/main.c'].map((f) => ({ directory: '.', file: f, command: `cc -O2 -c ${f} -o obj/${f.replace(/\//g, '_')}.o` })),
          { directory: '.', file: 'tools/main.c', command: 'cc -O2 -DWHICH=1 -c tools/main.c -o obj/t1.o' },
          { directory: '.', file: 'tools/main.c', command: 'cc -O2 -DWHICH=2 -c tools/main.c -o obj/t2.o' },
          { directory: '.', file: 'gen/table.c', command: 'cc -O2 -c gen/table.c -o obj/table.o' },
          { directory: '.', file: 'alpha/twice.c', command: 'cc -O2 -DNAME=tw1 -DWHICH=1 -c alpha/twice.c -o obj/tw1.o' },
          { directory: '.', file: 'alpha/twice.c', command: 'cc -O2 -DNAME=tw2 -DWHICH=2 -c alpha/twice.c -o obj/tw2.o' },
        ]),
      },
      'nixmake-compiledb-',
    );
    // Entries name their folder relative to nothing: make them absolute as a real database has them.
    const db = path.join(dir, 'compile_commands.json');
    fs.writeFileSync(db, fs.readFileSync(db, 'utf8').replace(/"directory":"\."/g, `"directory":${JSON.stringify(dir)}`));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('guesses every TU into a target, says what it guessed, and names the generated source', async () => {
    const r = await nixmakeAsync(['init', '-C', dir, '--from', 'compile_commands.json']);
    expect(r.code, r.stderr).toBe(0);
    const c = readConfig(dir);
    expect(Object.keys(c.targets).sort()).toEqual(['alpha', 'app-main', 'beta', 'gen', 'main-2', 'tests-main', 'tools-main']);
    expect(c.targets['tools-main']).toMatchObject({ sources: ['tools/main.c'], defines: ['WHICH=1'] });
    expect(c.targets['main-2']).toMatchObject({ sources: ['tools/main.c'], defines: ['WHICH=2'] });
    expect(c.targets['app-main']).toMatchObject({ deps: ['alpha', 'beta', 'gen'] });
    expect(c.targets['alpha']?.['perSource']).toContainEqual({ sources: ['alpha/twice.c'], variant: '2', flags: ['-O2', '-DNAME=tw2', '-DWHICH=2'] });
    expect(r.stdout + r.stderr).toContain('gen/table.c is not on disk: the build generates it; make it before nixmake build');
    expect(r.stdout + r.stderr).toContain('every program links every library, since the objects are not built yet');
  }, 120_000);

  it('builds once the generated source exists: the archives that reference each other link, and every program runs', async () => {
    fs.mkdirSync(path.join(dir, 'gen'));
    fs.writeFileSync(path.join(dir, 'gen/table.c'), 'int table[4] = { 1, 2, 3, 4 };\n');
    // Every object, the variant included, compiles with its own entry's flags.
    expect(expectRecordedFlags(dir, compileDbCompiles(path.join(dir, 'compile_commands.json')))).toBe(10);
    const r = await buildAsync(dir);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(run(path.join(dir, 'result-app-main/bin/main'), []).stdout).toBe('12 1 2\n');
    expect(r.events.filter((e) => e['event'] === 'node-planned' && String(e['node']).startsWith('obj:alpha:alpha/twice.c')).map((e) => e['node']).sort()).toEqual(['obj:alpha:alpha/twice.c', 'obj:alpha:alpha/twice.c#2']);
    expect(run(path.join(dir, 'result-tools-main/bin/main'), []).stdout).toBe('tool 1\n');
    expect(run(path.join(dir, 'result-main-2/bin/main-2'), []).stdout).toBe('tool 2\n');
    expect(run(path.join(dir, 'result-tests-main/bin/main'), []).stdout).toBe('test\n');
  }, 300_000);
});

const HAS_CMAKE = spawnSync('sh', ['-c', 'command -v cmake']).status === 0;

describe.skipIf(!HAS_CMAKE)('init --from CMake\'s compile database of a built tree', () => {
  let dir = '';
  beforeAll(async () => {
    dir = makeProject(
      {
        'CMakeLists.txt': `cmake_minimum_required(VERSION 3.16)
project(guess C)
add_library(alpha STATIC alpha/a1.c alpha/a2.c)
add_library(beta STATIC beta/b.c)
target_link_libraries(alpha beta)
target_link_libraries(beta alpha)
add_library(core SHARED core/core.c)
add_library(test_main STATIC harness/main.c)
add_executable(app app/main.c)
target_link_libraries(app alpha core)
add_executable(unit_test tests/unit_test.c)
target_link_libraries(unit_test test_main core)
`,
        'alpha/a1.c': 'int fb(void);\nint fa2(void) { return fb() + 1; }\n',
        'alpha/a2.c': 'int fa(void) { return 1; }\n',
        'beta/b.c': 'int fa(void);\nint fb(void) { return fa() + 10; }\n',
        'core/core.c': 'int core(void) { return 30; }\n',
        'harness/main.c': '#include <stdio.h>\nint run_tests(void);\nint main(void) { int f = run_tests(); printf("%d failed\\n", f); return f; }\n',
        'app/main.c': '#include <stdio.h>\nint fa2(void); int core(void);\nint main(void) { printf("%d\\n", fa2() + core()); return 0; }\n',
        'tests/unit_test.c': 'int core(void);\nint run_tests(void) { return core() == 30 ? 0 : 1; }\n',
      },
      'nixmake-compiledb-cmake-',
    );
    const c = await spawnAsync('cmake', ['-S', '.', '-B', 'build', '-DCMAKE_EXPORT_COMPILE_COMMANDS=ON'], { cwd: dir });
    if (c.code !== 0) throw new Error(c.stderr);
    const b = await spawnAsync('cmake', ['--build', 'build'], { cwd: dir });
    if (b.code !== 0) throw new Error(b.stdout + b.stderr);
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes the targets from the object paths and each target\'s libraries from the objects\' symbols', async () => {
    const r = await nixmakeAsync(['init', '-C', dir, '--from', 'build/compile_commands.json']);
    expect(r.code, r.stderr).toBe(0);
    const c = readConfig(dir);
    expect(Object.keys(c.targets).sort()).toEqual(['alpha', 'app', 'beta', 'core', 'test_main', 'unit_test']);
    expect(c.targets['core']).toMatchObject({ type: 'shared-library', sources: ['core/core.c'] });
    expect(c.targets['test_main']).toMatchObject({ type: 'static-library', sources: ['harness/main.c'] });
    expect(c.targets['unit_test']).toMatchObject({ type: 'executable', sources: ['tests/unit_test.c'] });
    expect((c.targets['unit_test']?.['deps'] as string[]).sort()).toEqual(['core', 'test_main']);
    expect((c.targets['app']?.['deps'] as string[]).sort()).toEqual(['alpha', 'beta', 'core']);
    expect(r.stdout + r.stderr).toContain('build/compile_commands.json is CMake\'s: nixmake init --from-cmake build reads CMake\'s own targets');
    expect(r.stdout + r.stderr).toContain('each target links the libraries whose symbols it uses');
    expect(expectRecordedFlags(dir, compileDbCompiles(path.join(dir, 'build/compile_commands.json')))).toBe(7);
  }, 120_000);

  it('builds; the programs run', async () => {
    const r = await buildAsync(dir);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('42\n');
    expect(run(path.join(dir, 'result-unit_test/bin/unit_test'), []).stdout).toBe('0 failed\n');
  }, 300_000);
});
