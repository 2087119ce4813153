/**
 * nixmake init's pure stages: bear's log → processes → build steps →
 * nixmake.json, and a compile database → proposed targets.
 */
import { describe, expect, it } from 'vitest';
import { classifyCommands } from '../../init/classifyCommands.js';
import { fromCompileCommands, shellSplit } from '../../init/fromCompileCommands.js';
import { canonicalFlags, factorFlags, splitFlags } from '../../init/factorFlags.js';
import { inferConfig } from '../../init/inferConfig.js';
import type { HostOwner } from '../../init/inferConfig.js';
import { parseConfig } from '../../config/parseConfig.js';
import { readInterceptLog } from '../../init/readInterceptLog.js';

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

  it('proposes a library per folder and an executable per main()', () => {
    const db = JSON.stringify([
      { directory: R, file: 'lib/x.c', command: 'cc -Ilib -O2 -c lib/x.c -o build/x.o' },
      { directory: R, file: 'lib/y.c', arguments: ['cc', '-Ilib', '-O2', '-c', 'lib/y.c', '-o', 'build/y.o'] },
      { directory: R, file: 'tools/run.c', command: 'cc -Ilib -O2 -c tools/run.c -o build/run.o' },
    ]);
    const files: Record<string, string> = { [`${R}/lib/x.c`]: 'int x(void){return 1;}', [`${R}/lib/y.c`]: 'int y(void){return 2;}', [`${R}/tools/run.c`]: 'int main(void) { return 0; }' };
    const r = fromCompileCommands(db, R, (p) => files[p] ?? '');
    expect(r.config['targets']).toEqual({
      lib: { type: 'static-library', sources: ['lib/x.c', 'lib/y.c'], includeDirs: ['lib'], cflags: ['-O2'] },
      run: { type: 'executable', sources: ['tools/run.c'], includeDirs: ['lib'], cflags: ['-O2'], deps: ['lib'] },
    });
    expect(r.notes[0]).toMatch(/^guessed from 3 compile commands/);
  });

  it('keeps two programs with one name, each named after its folder', () => {
    const db = JSON.stringify([
      { directory: R, file: 'tools/main.c', command: 'cc -c tools/main.c -o b/1.o' },
      { directory: R, file: 'tests/main.c', command: 'cc -DT -c tests/main.c -o b/2.o' },
    ]);
    const r = fromCompileCommands(db, R, () => 'int main(void) { return 0; }');
    expect(r.config['targets']).toEqual({
      'tools-main': { type: 'executable', sources: ['tools/main.c'], fileName: 'main' },
      'tests-main': { type: 'executable', sources: ['tests/main.c'], defines: ['T'], fileName: 'main' },
    });
    expect(r.notes).toContain('tools-main: executable (guessed), 1 source(s)');
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
