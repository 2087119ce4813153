/**
 * nixmake init's pure stages: bear's log → processes → build steps →
 * nixmake.json, and a compile database → proposed targets.
 */
import { describe, expect, it } from 'vitest';
import { classifyCommands } from '../../init/classifyCommands.js';
import { fromCompileCommands, shellSplit } from '../../init/fromCompileCommands.js';
import type { CompileDbIo } from '../../init/fromCompileCommands.js';
import { canonicalFlags, factorFlags, splitFlags } from '../../init/factorFlags.js';
import { inferConfig } from '../../init/inferConfig.js';
import type { HostOwner } from '../../init/inferConfig.js';
import { parseConfig } from '../../config/parseConfig.js';
import { readInterceptLog } from '../../init/readInterceptLog.js';
import { expandSources } from '../../config/expandSources.js';
import { matchGlob } from '../../config/matchGlob.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const R = '/p';
let rid = 0;
let pid = 100;
/** One started + terminated pair of bear's log. */
function exec(argv: string[], cwd = R, opts: { ppid?: number; status?: number; pid?: number } = {}): string {
  const id = String(++rid);
  const p = opts.pid ?? ++pid;
  return [
    JSON.stringify({ rid: id, started: { execution: { executable: `/usr/bin/${argv[0]}`, arguments: argv, working_dir: cwd, environment: {} }, pid: p, ppid: opts.ppid ?? 1 }, timestamp: 't' }),
    JSON.stringify({ rid: id, terminated: { status: String(opts.status ?? 0) }, timestamp: 't' }),
  ].join('\n');
}

const log = [
  // libtool-style: each TU twice, PIC into .libs/, with depfiles; a quoted define with a space.
  exec(['gcc', '-DPACKAGE_STRING="tmux 3.3a"', '-I.', '-Iinclude', '-I/usr/include/onig', '-MT', 'src/a.lo', '-MD', '-MP', '-MF', 'src/.deps/a.Tpo', '-c', 'src/a.c', '-fPIC', '-DPIC', '-o', 'src/.libs/a.o']),
  exec(['gcc', '-DPACKAGE_STRING="tmux 3.3a"', '-I.', '-Iinclude', '-I/usr/include/onig', '-c', 'src/a.c', '-o', 'src/a.o']),
  // gcc's own children are not build steps.
  exec(['cc1', '-quiet', 'src/b.c'], R, { ppid: 4242 }),
  exec(['gcc', '-O2', '-c', 'b.c'], `${R}/src`, { pid: 4242 }),
  // zlib-style: compile to objs/, then mv to .lo.
  exec(['gcc', '-O2', '-fPIC', '-c', '-o', 'objs/b.o', 'src/b.c']),
  exec(['mv', 'objs/b.o', 'src/b.lo']),
  exec(['ar', 'cr', '.libs/libfoo.a', 'src/a.o', 'src/b.o']),
  exec(['gcc', '-shared', '-fPIC', '-DPIC', 'src/.libs/a.o', 'src/b.lo', '-lm', '-Wl,-soname', '-Wl,libfoo.so.1', '-Wl,-version-script', '-Wl,foo.ver', '-o', '.libs/libfoo.so.1.0.0']),
  exec(['ln', '-s', 'libfoo.so.1.0.0', 'libfoo.so'], `${R}/.libs`),
  exec(['gcc', '-O2', '-c', 'main.c', '-o', 'main.o']),
  exec(['gcc', '-o', '.libs/foo', 'main.o', '-L.libs', '-lfoo', '-lonig', '-pthread', '-Wl,-E']),
  // A configure test: compiled and linked, then deleted; and a failed command.
  exec(['gcc', '-o', 'conftest', 'conftest.c']),
  exec(['gcc', '-c', 'broken.c'], R, { status: 1 }),
].join('\n');

describe('readInterceptLog', () => {
  it('pairs started and terminated records by rid', () => {
    const { execs, errors } = readInterceptLog(`${log}\n{"rid":"x","signalled":{"number":9}}\nnot json\n`);
    expect(errors).toEqual(['line 28: not JSON']);
    expect(execs).toHaveLength(13);
    expect(execs[0]).toMatchObject({ cwd: R, status: 0, order: 0 });
    expect(execs[12]?.status).toBe(1);
  });
});

describe('classifyCommands', () => {
  const steps = classifyCommands(readInterceptLog(log).execs);

  it('finds compiles with output and depfile flags removed, skipping driver children and failures', () => {
    expect(steps.compiles.map((c) => [c.source, c.output])).toEqual([
      [`${R}/src/a.c`, `${R}/src/.libs/a.o`],
      [`${R}/src/a.c`, `${R}/src/a.o`],
      [`${R}/src/b.c`, `${R}/src/b.o`],
      [`${R}/src/b.c`, `${R}/objs/b.o`],
      [`${R}/main.c`, `${R}/main.o`],
      [`${R}/conftest.c`, `${R}/conftest.c.nixmake-init.o`],
    ]);
    expect(steps.compiles[0]?.flags).toEqual(['-DPACKAGE_STRING="tmux 3.3a"', '-I.', '-Iinclude', '-I/usr/include/onig', '-fPIC', '-DPIC']);
  });

  it('finds archives, shared links with their soname, executables, symlinks and renames', () => {
    expect(steps.archives).toMatchObject([{ output: `${R}/.libs/libfoo.a`, members: [`${R}/src/a.o`, `${R}/src/b.o`] }]);
    const shared = steps.links.find((l) => l.kind === 'shared-library');
    expect(shared).toMatchObject({ output: `${R}/.libs/libfoo.so.1.0.0`, soname: 'libfoo.so.1', libs: ['m'], dropped: [], scripts: [{ flag: '-Wl,--version-script,', path: `${R}/foo.ver` }] });
    expect(shared?.ldflags).toEqual([`-Wl,--version-script,${R}/foo.ver`]);
    const exe = steps.links.find((l) => l.output === `${R}/.libs/foo`);
    expect(exe).toMatchObject({ kind: 'executable', inputs: [`${R}/main.o`], libs: ['foo', 'onig'], libDirs: [`${R}/.libs`], ldflags: ['-Wl,-E', '-pthread'] });
    expect(steps.symlinks.get(`${R}/.libs/libfoo.so`)).toBe(`${R}/.libs/libfoo.so.1.0.0`);
    expect(steps.renames).toMatchObject([{ from: `${R}/objs/b.o`, to: `${R}/src/b.lo` }]);
  });
});

describe('classifyCommands: pids reused in a long build', () => {
  it('takes a process whose ppid was a driver child that had already ended for a step of its own', () => {
    const reused = [
      exec(['gcc', '-O2', '-o', 'old', 'old.c'], R, { pid: 500 }),
      exec(['collect2', '-o', 'old'], R, { pid: 501, ppid: 500 }),
      // Later, an unrecorded shell got pid 501 and ran this link.
      exec(['gcc', '-g', '-O2', '-o', 'test-array', 'test-array.o', 'libtests.a'], `${R}/tests`, { ppid: 501 }),
    ].join('\n');
    const steps = classifyCommands(readInterceptLog(reused).execs);
    expect(steps.links.map((l) => l.output)).toEqual([`${R}/old`, `${R}/tests/test-array`]);
  });
});

describe('classifyCommands: driver flags of a link', () => {
  it('keeps -no-pie (once, however often the line repeats it) and drops flags that only matter to compiles', () => {
    const link = classifyCommands(readInterceptLog(exec(['gcc', '-g', '-O2', '-DNDEBUG', '-no-pie', '-no-pie', '-o', 'gawk', 'main.o', '-lreadline', '-no-pie', '-lm'])).execs).links[0];
    expect(link).toMatchObject({ kind: 'executable', libs: ['readline', 'm'], ldflags: ['-no-pie'] });
  });
});

describe('classifyCommands: run-time search paths', () => {
  it('drops an rpath in every form ld takes: split over two -Wl, (libtool), with =, through -Xlinker, and -R', () => {
    const links = classifyCommands(
      readInterceptLog(
        [
          exec(['gcc', '-shared', '-o', 'liba.so', 'a.o', '-Wl,-rpath', '-Wl,/p/.libs', './libb.so']),
          exec(['gcc', '-shared', '-o', 'libc.so', 'c.o', '-Wl,-rpath=/p/x', '-Wl,--rpath=/p/y', '-Wl,-O1']),
          exec(['gcc', '-o', 'prog', 'm.o', '-Xlinker', '-rpath', '-Xlinker', '/p/z', '-Xlinker', '--as-needed', '-Wl,-R,/p/w']),
          exec(['gcc', '-o', 'prog2', 'm.o', '-Wl,-rpath', 'n.o']),
          exec(['gcc', '-o', 'prog3', 'm.o', '-Wl,-rpath', '-Wl,/p/d,--as-needed']),
        ].join('\n'),
      ).execs,
    ).links;
    expect(links.map((l) => [l.dropped, l.ldflags, l.inputs.map((x) => x.slice(R.length + 1))])).toEqual([
      [['-Wl,-rpath,/p/.libs'], [], ['a.o', 'libb.so']],
      [['-Wl,-rpath=/p/x', '-Wl,--rpath=/p/y'], ['-Wl,-O1'], ['c.o']],
      [['-Wl,-rpath,/p/z', '-Wl,-R,/p/w'], ['-Wl,--as-needed'], ['m.o']],
      [['-Wl,-rpath,'], [], ['m.o', 'n.o']],
      [['-Wl,-rpath,/p/d'], ['-Wl,--as-needed'], ['m.o']],
    ]);
  });
});

describe('inferConfig: a convenience library linked whole into a shared one (libtool, expat)', () => {
  const convenience = [
    exec(['gcc', '-O2', '-c', 'lib/a.c', '-fPIC', '-DPIC', '-o', 'lib/.libs/a.o']),
    exec(['gcc', '-O2', '-c', 'lib/b.c', '-fPIC', '-DPIC', '-o', 'lib/.libs/b.o']),
    exec(['ar', 'cr', 'lib/.libs/libxinternal.a', 'lib/.libs/a.o', 'lib/.libs/b.o']),
    exec(['gcc', '-shared', '-fPIC', '-DPIC', '-Wl,--whole-archive', './.libs/libxinternal.a', '-Wl,--no-whole-archive', '-lm', '-Wl,-soname', '-Wl,libx.so.1', '-o', '.libs/libx.so.1.8.10'], `${R}/lib`),
    exec(['gcc', '-O2', '-c', 'tool.c', '-o', 'tool.o']),
    exec(['gcc', '-o', '.libs/tool', 'tool.o', 'lib/.libs/libx.so']),
    exec(['ln', '-s', 'libx.so.1.8.10', 'libx.so'], `${R}/lib/.libs`),
  ].join('\n');
  const steps = classifyCommands(readInterceptLog(convenience).execs);

  it('records the archive as linked whole, without the two flags', () => {
    const shared = steps.links.find((l) => l.kind === 'shared-library');
    expect(shared).toMatchObject({ wholeArchives: [`${R}/lib/.libs/libxinternal.a`], ldflags: [] });
  });

  it('gives the shared library the archive\'s members as sources, and what links it a valid dep', () => {
    const { config } = inferConfig(steps, R, () => true);
    const targets = config['targets'] as Record<string, Record<string, unknown>>;
    expect(targets['x']).toMatchObject({ type: 'shared-library', sources: ['lib/a.c', 'lib/b.c'], soname: 'libx.so.1', libs: ['m'] });
    expect(targets['x']?.['deps']).toBeUndefined();
    expect(targets['tool']).toMatchObject({ type: 'executable', deps: ['x'] });
    expect(parseConfig(JSON.stringify(config), R).ok).toBe(true);
  });
});

describe('inferConfig', () => {
  const steps = classifyCommands(readInterceptLog(log).execs);
  const { config, notes, unmapped } = inferConfig(steps, R, (p) => !p.includes('conftest'));
  const targets = config['targets'] as Record<string, Record<string, unknown>>;

  it('makes a target per library and program, each TU with the flags of the compile its target used', () => {
    expect(Object.keys(targets)).toEqual(['foo-static', 'foo-shared', 'foo']);
    expect(targets['foo-static']).toEqual({
      type: 'static-library',
      sources: ['src/a.c', 'src/b.c'],
      includeDirs: ['.', 'include'],
      defines: ['PACKAGE_STRING="tmux 3.3a"'],
      cflags: ['-I/usr/include/onig'],
      // b.c's own compile (-O2, none of a.c's flags) is kept whole.
      perSource: [{ sources: ['src/b.c'], flags: ['-O2'] }],
      fileName: 'libfoo.a',
    });
    expect(targets['foo-shared']).toMatchObject({
      type: 'shared-library',
      sources: ['src/a.c', 'src/b.c'],
      soname: 'libfoo.so.1',
      fileName: 'libfoo.so.1.0.0',
      libs: ['m'],
      defines: ['PACKAGE_STRING="tmux 3.3a"', 'PIC'],
      ldflags: ['-Wl,--version-script,foo.ver'],
      linkInputs: ['foo.ver'],
    });
    expect(targets['foo']).toEqual({ type: 'executable', sources: ['main.c'], cflags: ['-O2'], deps: ['foo-shared'], libs: ['onig'], ldflags: ['-Wl,-E', '-pthread'] });
  });

  it('says what it inferred and what it could not map', () => {
    expect(notes).toContain('foo-static: static-library from .libs/libfoo.a, 2 source(s)');
    expect(notes).toContain('skipped conftest: linked during the build but gone at its end (a configure test?)');
    expect(notes).toContain("foo-static: 1 of 2 source(s) compiled with flags of their own (perSource: 0 adding to the target's, 1 replacing them)");
    expect(notes).toContain('foo-shared: the link reads foo.ver (linkInputs)');
    expect(unmapped).toEqual([]);
  });
});

describe('compile databases', () => {
  it('splits commands as a shell does', () => {
    expect(shellSplit(`gcc -DNAME="\\"a b\\"" 'x y' -c a\\ b.c`)).toEqual(['gcc', '-DNAME="a b"', 'x y', '-c', 'a b.c']);
  });

  const io = (files: Record<string, string>, symbols: Record<string, { defined: string[]; undefined: string[] }> = {}): CompileDbIo => ({
    read: (p) => {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT ${p}`);
      return t;
    },
    exists: (p) => files[p] !== undefined,
    symbols: (o) => symbols[o],
  });

  it('proposes a library per folder and an executable per main(), linking every library when the objects are not built', () => {
    const db = JSON.stringify([
      { directory: R, file: 'lib/x.c', command: 'cc -Ilib -O2 -c lib/x.c -o build/x.o' },
      { directory: R, file: 'lib/y.c', arguments: ['cc', '-Ilib', '-O2', '-c', 'lib/y.c', '-o', 'build/y.o'] },
      { directory: R, file: 'tools/run.c', command: 'cc -Ilib -O2 -c tools/run.c -o build/run.o' },
    ]);
    const files: Record<string, string> = { [`${R}/lib/x.c`]: 'int x(void){return 1;}', [`${R}/lib/y.c`]: 'int y(void){return 2;}', [`${R}/tools/run.c`]: 'int main(void) { return 0; }' };
    const r = fromCompileCommands(db, R, io(files));
    expect(r.config['targets']).toEqual({
      lib: { type: 'static-library', sources: ['lib/x.c', 'lib/y.c'], includeDirs: ['lib'], cflags: ['-O2'] },
      run: { type: 'executable', sources: ['tools/run.c'], includeDirs: ['lib'], cflags: ['-O2'], deps: ['lib'] },
    });
    expect(r.config['compileCommands']).toBeUndefined();
    expect(r.notes[0]).toMatch(/^guessed from 3 compile commands .*every program links every library, since the objects are not built yet/);
    expect(r.notes).toContain('run: executable (guessed: tools/run.c defines main()), 1 source(s), links lib');
  });

  it('keeps two programs with one name, each named after its folder, and one main.c listed twice as two programs', () => {
    const db = JSON.stringify([
      { directory: R, file: 'tools/main.c', command: 'cc -c tools/main.c -o b/1.o' },
      { directory: R, file: 'tests/main.c', command: 'cc -DT -c tests/main.c -o b/2.o' },
      { directory: R, file: 'tests/main.c', command: 'cc -DU -c tests/main.c' },
      { directory: R, file: 'tests/main.c', command: 'cc -DV -c tests/main.c' },
    ]);
    const r = fromCompileCommands(db, R, io({ [`${R}/tools/main.c`]: 'int main(void) { return 0; }', [`${R}/tests/main.c`]: 'int main(void) { return 0; }' }));
    expect(r.config['targets']).toEqual({
      'tools-main': { type: 'executable', sources: ['tools/main.c'], fileName: 'main' },
      'tests-main': { type: 'executable', sources: ['tests/main.c'], defines: ['T'], fileName: 'main' },
      'main-2': { type: 'executable', sources: ['tests/main.c'], defines: ['U'] },
      'main-3': { type: 'executable', sources: ['tests/main.c'], defines: ['V'] },
    });
  });

  it('takes CMake\'s targets from the object paths: _EXPORTS makes a shared library, a test without main() a program', () => {
    const B = `${R}/build`;
    const db = JSON.stringify([
      { directory: B, file: `${R}/src/a.c`, command: `cc -Dcore_EXPORTS -I${R}/src -fPIC -o CMakeFiles/core.dir/src/a.c.o -c ${R}/src/a.c` },
      { directory: B, file: `${R}/src/b.c`, command: `cc -Dcore_EXPORTS -I${R}/src -fPIC -o CMakeFiles/core.dir/src/b.c.o -c ${R}/src/b.c` },
      { directory: B, file: `${R}/harness/main.c`, command: `cc -o harness/CMakeFiles/test_main.dir/main.c.o -c ${R}/harness/main.c` },
      { directory: B, file: `${R}/tests/a_test.c`, command: `cc -I${R}/src -o tests/CMakeFiles/a_test.dir/a_test.c.o -c ${R}/tests/a_test.c` },
      { directory: B, file: `${R}/build/gen.c`, command: `cc -o CMakeFiles/gen.dir/gen.c.o -c ${R}/build/gen.c` },
    ]);
    const files = { [`${R}/src/a.c`]: 'int a;', [`${R}/src/b.c`]: 'int b;', [`${R}/harness/main.c`]: 'int main(void) { return run(); }', [`${R}/tests/a_test.c`]: 'int run(void) { return a; }' };
    const sym = (defined: string[], undef: string[] = []): { defined: string[]; undefined: string[] } => ({ defined, undefined: undef });
    // With the objects built: the test needs core's a and test_main's main().
    const symbols = {
      [`${B}/CMakeFiles/core.dir/src/a.c.o`]: sym(['a']),
      [`${B}/CMakeFiles/core.dir/src/b.c.o`]: sym(['b']),
      [`${B}/harness/CMakeFiles/test_main.dir/main.c.o`]: sym(['main'], ['run']),
      [`${B}/tests/CMakeFiles/a_test.dir/a_test.c.o`]: sym(['run'], ['a']),
      [`${B}/CMakeFiles/gen.dir/gen.c.o`]: sym(['g']),
    };
    const r = fromCompileCommands(db, R, io(files, symbols));
    const t = r.config['targets'] as Record<string, Record<string, unknown>>;
    expect(t['core']).toMatchObject({ type: 'shared-library', sources: ['src/a.c', 'src/b.c'] });
    expect(t['gen']).toMatchObject({ type: 'static-library', sources: ['build/gen.c'] });
    // test_main defines main() but is named as the library that gives tests theirs; the test links it.
    expect(t['test_main']).toMatchObject({ type: 'static-library', sources: ['harness/main.c'] });
    expect(t['a_test']).toMatchObject({ type: 'executable', sources: ['tests/a_test.c'], deps: ['core', 'test_main'] });
    expect(r.notes).toContain('build/gen.c is not on disk: the build generates it; make it before nixmake build');
    expect(r.notes.some((n) => /^a_test: executable \(guessed: no TU defines main\(\), but it is named as a test/.test(n))).toBe(true);
    expect(r.notes[0]).toMatch(/each target links the libraries whose symbols it uses/);
  });

  it('links what the symbols say, a cycle between two folders\' libraries included', () => {
    const db = JSON.stringify([
      { directory: R, file: 'a/a.c', command: 'cc -c a/a.c -o o/a.o' },
      { directory: R, file: 'b/b.c', command: 'cc -c b/b.c -o o/b.o' },
      { directory: R, file: 'c/c.c', command: 'cc -c c/c.c -o o/c.o' },
      { directory: R, file: 'app/main.c', command: 'cc -c app/main.c -o o/main.o' },
    ]);
    const files = { [`${R}/a/a.c`]: '', [`${R}/b/b.c`]: '', [`${R}/c/c.c`]: '', [`${R}/app/main.c`]: 'int main(void) { return fa(); }' };
    const symbols = {
      [`${R}/o/a.o`]: { defined: ['fa'], undefined: ['fb'] },
      [`${R}/o/b.o`]: { defined: ['fb'], undefined: ['fa'] },
      [`${R}/o/c.o`]: { defined: ['fc'], undefined: [] },
      [`${R}/o/main.o`]: { defined: ['main'], undefined: ['fa'] },
    };
    const t = fromCompileCommands(db, R, io(files, symbols)).config['targets'] as Record<string, Record<string, unknown>>;
    expect(t['main']?.['deps']).toEqual(['a', 'b']);
    expect(t['a']?.['deps']).toBeUndefined();
    expect(t['c']).toMatchObject({ type: 'static-library' });
  });

  it('names Meson\'s targets after their outputs, with the kind the output name gives', () => {
    const db = JSON.stringify([
      { directory: `${R}/b`, file: '../src/x.c', command: 'cc -fPIC -o src/libx.so.1.2.0.p/x.c.o -c ../src/x.c' },
      { directory: `${R}/b`, file: '../src/y.c', command: 'cc -o src/liby.a.p/y.c.o -c ../src/y.c' },
      { directory: `${R}/b`, file: '../src/t.c', command: 'cc -o src/xtool.p/t.c.o -c ../src/t.c' },
    ]);
    const t = fromCompileCommands(db, R, io({})).config['targets'] as Record<string, Record<string, unknown>>;
    expect(t['x']).toMatchObject({ type: 'shared-library', fileName: 'libx.so.1.2.0' });
    expect(t['y']).toMatchObject({ type: 'static-library' });
    expect(t['xtool']).toMatchObject({ type: 'executable', deps: ['x', 'y'] });
  });
});

describe('factorFlags', () => {
  it('gives the target the flags most TUs share, and each other TU what it adds or its whole line', () => {
    const common = ['-I', 'include', '-DA=1', '-O2', '-std=gnu99'];
    const r = factorFlags(
      [
        { tu: 'a.c', flags: common },
        { tu: 'b.c', flags: common },
        { tu: 'etc.c', flags: [...common, '-DETC_CONFIG="/etc/app"'] },
        { tu: 'test/t.c', flags: ['-I', 'include', '-I', 'test', '-DA=1', '-O2', '-std=gnu99', '-g'] },
        { tu: 'vendor/v.c', flags: ['-I', 'include', '-DA=1', '-Os', '-std=gnu99'] },
        { tu: 'x.cc', flags: ['-I', 'include', '-DA=1', '-O2', '-std=c++11'] },
      ],
      false,
    );
    expect(r.target).toEqual({ includeDirs: ['include'], defines: ['A=1'], cflags: ['-O2', '-std=gnu99'] });
    expect(r.perSource).toEqual([
      { sources: ['etc.c'], defines: ['ETC_CONFIG="/etc/app"'] },
      { sources: ['test/t.c'], includeDirs: ['test'], cflags: ['-g'] },
      { sources: ['vendor/v.c'], flags: ['-Iinclude', '-DA=1', '-Os', '-std=gnu99'] },
      { sources: ['x.cc'], flags: ['-Iinclude', '-DA=1', '-O2', '-std=c++11'] },
    ]);
  });

  it('keeps the order of -I and of -D/-U where an absolute folder or a -U comes first', () => {
    expect(splitFlags(['-I/usr/include/x', '-I', 'inc', '-DA', '-UB', '-DB', '-O2'])).toEqual({ defines: ['A'], cflags: ['-I/usr/include/x', '-Iinc', '-UB', '-DB', '-O2'] });
    expect(canonicalFlags(['-DA', '-I', 'x', '-O2'])).toBe(canonicalFlags(['-Ix', '-O2', '-D', 'A']));
    expect(canonicalFlags(['-Ia', '-Ib'])).not.toBe(canonicalFlags(['-Ib', '-Ia']));
  });
});

describe('inferConfig: names, system libraries by path, aliases', () => {
  const L = [
    exec(['cc', '-O2', '-c', 'tool/main.c', '-o', 'tool/main.o']),
    exec(['cc', '-O2', '-c', 'test/main.c', '-o', 'test/main.o']),
    exec(['cc', '-O2', '-fPIC', '-c', 'lib/ssl.c', '-o', 'lib/ssl.o']),
    exec(['cc', '-shared', '-o', 'lib/libapp.so.2.1.0', 'lib/ssl.o', '/usr/lib/x86_64-linux-gnu/libssl.so', '/usr/lib/x86_64-linux-gnu/libz.so.1', '-Wl,-soname,libapp.so.2', '-Wl,--version-script=lib/app.map', '-T', 'lib/app.ld']),
    exec(['ln', '-sf', 'libapp.so.2.1.0', 'lib/libapp.so']),
    exec(['cc', '-o', 'tool/main', 'tool/main.o', 'lib/libapp.so']),
    exec(['cc', '-o', 'test/main', 'test/main.o']),
    exec(['cc', '-O2', '-c', 'app.c', '-o', 'app.o']),
    exec(['cc', '-o', 'app', 'app.o']),
    exec(['ln', '-s', 'app', 'app-ls']),
    exec(['cp', 'app', 'app-cat']),
    exec(['install', '-m', '755', 'app-cat', 'bin/app-echo']),
  ].join('\n');
  const steps = classifyCommands(readInterceptLog(L).execs);
  const owners: Record<string, HostOwner> = { '/usr/lib/x86_64-linux-gnu/libssl.so': { kind: 'package', name: 'libssl-dev' }, '/usr/lib/x86_64-linux-gnu/libz.so.1': { kind: 'package', name: 'zlib1g-dev' } };
  const { config, notes } = inferConfig(steps, R, () => true, { libDirs: [], owner: (p) => owners[p] ?? { kind: 'unknown' } });
  const targets = config['targets'] as Record<string, Record<string, unknown>>;

  it('names two programs with one name after their folders, each keeping its file name', () => {
    expect(targets['tool-main']).toMatchObject({ type: 'executable', sources: ['tool/main.c'], deps: ['app-shared'] });
    expect(targets['test-main']).toMatchObject({ type: 'executable', sources: ['test/main.c'], fileName: 'main' });
    expect(targets['tool-main']?.['fileName']).toBe('main');
  });

  it('links host libraries named by path by name, imports their packages, and keeps scripts as link inputs', () => {
    expect(targets['app-shared']).toMatchObject({
      type: 'shared-library',
      fileName: 'libapp.so.2.1.0',
      soname: 'libapp.so.2',
      libs: ['ssl', ':libz.so.1'],
      ldflags: ['-Wl,--version-script,lib/app.map', '-Wl,-T,lib/app.ld'],
      linkInputs: ['lib/app.map', 'lib/app.ld'],
    });
    expect(config['hostPackages']).toEqual(['libssl-dev', 'zlib1g-dev']);
    expect(notes.some((n) => n.startsWith('hostPackages: libssl-dev (for /usr/lib/x86_64-linux-gnu/libssl.so'))).toBe(true);
  });

  it('records symlinks to and copies of a program as its aliases', () => {
    // app (the program) clashes with the library's name: the library is app-shared... unless it is named after its file.
    const prog = Object.values(targets).find((t) => t['type'] === 'executable' && (t['sources'] as string[])[0] === 'app.c');
    expect(prog?.['aliases']).toEqual(['app-cat', 'app-echo', 'app-ls']);
  });

  it('writes a config that parseConfig accepts', () => {
    const r = parseConfig(JSON.stringify(config), R);
    expect(r.ok, JSON.stringify(r.ok ? [] : r.errors)).toBe(true);
  });
});

describe('inferConfig: file names that are glob syntax', () => {
  it('writes each source as a pattern matching that file alone, which the globs read back', () => {
    const names = ['util[1].c', 'main(2).c', '!bang.c', 'star*.c', 'q?.c', 'br{a,b}.c', 'sp ace.c'];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-init-names-'));
    try {
      for (const n of [...names, 'util1.c', 'main2.c', 'bang.c', 'stars.c', 'qq.c', 'bra.c']) fs.writeFileSync(path.join(dir, n), 'int x;\n');
      const steps = classifyCommands(
        readInterceptLog(
          [
            ...names.map((n, i) => exec(['gcc', '-O2', ...(i === 1 ? ['-DONE'] : []), '-c', n, '-o', `o${i}.o`], dir)),
            exec(['gcc', '-o', 'prog', ...names.map((_, i) => `o${i}.o`)], dir),
          ].join('\n'),
        ).execs,
      );
      const { config } = inferConfig(steps, dir, () => true);
      const prog = (config['targets'] as Record<string, Record<string, unknown>>)['prog']!;
      const patterns = prog['sources'] as string[];
      expect(patterns).toHaveLength(names.length);
      // One compile with a flag of its own: its perSource entry names it as a pattern too.
      expect(prog['perSource']).toEqual([{ sources: ['main\\(2\\).c'], defines: ['ONE'] }]);
      const parsed = parseConfig(JSON.stringify(config), dir);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      const lists = expandSources(parsed.value);
      expect(lists.ok && [...(lists.value.get('prog') ?? [])].sort()).toEqual([...names].sort());
      for (const [i, n] of names.entries()) expect(patterns.filter((p) => matchGlob(n, p)), n).toEqual([patterns[i]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
