/**
 * `nixmake init -- make -j2` on a small make project written here, built
 * through the real daemon: every TU keeps the flags it was compiled with
 * (a define for one file, -Os for a vendored one, a C++ file's own -std in
 * a C library, one source compiled twice for two programs), a host library
 * named by path is linked by name from its Debian package and stays in the
 * shared library's NEEDED, the library keeps its own file names (real
 * name, soname, development link, archive) although a program has its
 * name, the version script shapes what the library exports, programs made
 * by ln and cp are aliases, and two `main` programs both survive. Then:
 * every compile line equals a recorded one, and editing one TU's flags in
 * nixmake.json rebuilds that TU alone.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyCommands } from '../../init/classifyCommands.js';
import { readInterceptLog } from '../../init/readInterceptLog.js';
import { buildAsync, makeProject, nixmakeAsync, run } from '../helpers/project.js';
import { expectRecordedFlags } from '../helpers/recordedFlags.js';

const TRIPLE = spawnSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).stdout.trim();
const LIBZ = `/usr/lib/${TRIPLE}/libz.so`;

const MAKEFILE = `CC = gcc
CFLAGS = -O2 -Wall -Isrc/include
LIBOBJ = src/lib/core.o src/lib/etc.o src/lib/vendor/tiny.o src/lib/cxx.o src/lib/z.o
all: libapp.so.1.2.3 libapp.a app app-ls app-cat tools/main tests/main one two

src/lib/core.o: src/lib/core.c
\t$(CC) $(CFLAGS) -std=gnu99 -fPIC -c $< -o $@
src/lib/z.o: src/lib/z.c
\t$(CC) $(CFLAGS) -std=gnu99 -fPIC -c $< -o $@
src/lib/etc.o: src/lib/etc.c
\t$(CC) $(CFLAGS) -std=gnu99 -fPIC '-DETC_CONFIG="/etc/app"' -c $< -o $@
src/lib/vendor/tiny.o: src/lib/vendor/tiny.c
\t$(CC) -Os -Wall -Isrc/include -std=gnu99 -fPIC -c $< -o $@
src/lib/cxx.o: src/lib/cxx.cc
\tg++ -O2 -Wall -Isrc/include -std=c++17 -fPIC -c $< -o $@
libapp.so.1.2.3: $(LIBOBJ) src/lib/app.map
\t$(CC) -shared -Wl,-soname,libapp.so.1 -Wl,--version-script=src/lib/app.map -o $@ $(LIBOBJ) ${LIBZ}
\tln -sf libapp.so.1.2.3 libapp.so.1
\tln -sf libapp.so.1.2.3 libapp.so
libapp.a: $(LIBOBJ)
\tar rcs $@ $(LIBOBJ)
src/app/main.o: src/app/main.c
\t$(CC) $(CFLAGS) -c $< -o $@
app: src/app/main.o libapp.so.1.2.3
\t$(CC) -o $@ src/app/main.o -L. -lapp
app-ls: app
\tln -sf app app-ls
app-cat: app
\tcp app app-cat
tools/main: tools/main.c
\t$(CC) -O2 -c tools/main.c -o tools/main.o && $(CC) -o tools/main tools/main.o
tests/main: tests/main.c
\t$(CC) -O2 -c tests/main.c -o tests/main.o && $(CC) -o tests/main tests/main.o
src/obj/who-one.o: src/obj/who.c
\t$(CC) -O2 '-DWHO="one"' -c src/obj/who.c -o $@
src/obj/who-two.o: src/obj/who.c
\t$(CC) -O2 '-DWHO="two"' -c src/obj/who.c -o $@
one: src/one.c src/obj/who-one.o
\t$(CC) -O2 -o $@ src/one.c src/obj/who-one.o
two: src/two.c src/obj/who-two.o
\t$(CC) -O2 -o $@ src/two.c src/obj/who-two.o
`;

const TREE: Record<string, string> = {
  Makefile: MAKEFILE,
  'src/include/app.h': 'long app_c_std(void);\nconst char *app_etc(void);\nint app_tiny(void);\nlong app_cxx_std(void);\nconst char *app_zlib(void);\n',
  'src/lib/core.c': '#include "app.h"\nlong app_c_std(void) { return __STDC_VERSION__; }\nint internal_helper(void) { return 42; }\n',
  'src/lib/etc.c': '#include "app.h"\nconst char *app_etc(void) { return ETC_CONFIG; }\n',
  'src/lib/vendor/tiny.c':
    '#include "app.h"\nint app_tiny(void) {\n#ifdef __OPTIMIZE_SIZE__\n  return 1;\n#else\n  return 0;\n#endif\n}\n',
  'src/lib/cxx.cc': '#include <type_traits>\nextern "C" long app_cxx_std(void) { return std::is_same_v<int, int> ? __cplusplus : 0; }\n',
  'src/lib/z.c': '#include <zlib.h>\n#include "app.h"\nconst char *app_zlib(void) { return zlibVersion(); }\n',
  'src/lib/app.map': '{ global: app_*; local: *; };\n',
  'src/app/main.c':
    '#include <stdio.h>\n#include <string.h>\n#include "app.h"\nint main(int argc, char **argv) {\n  const char *n = strrchr(argv[0], \'/\');\n  (void)argc;\n' +
    '  printf("%s c=%ld etc=%s tiny=%d cxx=%ld zlib=%s\\n", n ? n + 1 : argv[0], app_c_std(), app_etc(), app_tiny(), app_cxx_std(), app_zlib());\n  return 0;\n}\n',
  'tools/main.c': '#include <stdio.h>\nint main(void) { puts("tools"); return 0; }\n',
  'tests/main.c': '#include <stdio.h>\nint main(void) { puts("tests"); return 0; }\n',
  'src/obj/who.c': 'const char *who(void) { return WHO; }\n',
  'src/one.c': '#include <stdio.h>\nconst char *who(void);\nint main(void) { puts(who()); return 0; }\n',
  'src/two.c': '#include <stdio.h>\nconst char *who(void);\nint main(void) { puts(who()); return 0; }\n',
};

interface TargetJson {
  type: string;
  sources: string[];
  perSource?: { sources: string[]; flags?: string[]; defines?: string[] }[];
  deps?: string[];
  libs?: string[];
  fileName?: string;
  soname?: string;
  aliases?: string[];
  linkInputs?: string[];
  ldflags?: string[];
}

describe('init from a recorded make build: flags, names, host libraries, scripts, aliases', () => {
  let dir = '';
  let config: { hostPackages?: string[]; targets: Record<string, TargetJson> } = { targets: {} };
  beforeAll(() => {
    dir = makeProject(TREE, 'nixmake-init-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('records each TU\'s flags, the host library, the names, the script and the aliases', async () => {
    const r = await nixmakeAsync(['init', '-C', dir, '--', 'make', '-j2']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    config = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as typeof config;
    expect(Object.keys(config.targets).sort()).toEqual(['app', 'app-shared', 'app-static', 'one', 'tests-main', 'tools-main', 'two']);
    const lib = config.targets['app-shared'] as TargetJson;
    expect(lib).toMatchObject({ type: 'shared-library', fileName: 'libapp.so.1.2.3', soname: 'libapp.so.1', libs: ['z'], linkInputs: ['src/lib/app.map'], ldflags: ['-Wl,--version-script,src/lib/app.map'] });
    expect(lib.perSource).toContainEqual({ sources: ['src/lib/etc.c'], defines: ['ETC_CONFIG="/etc/app"'] });
    expect(lib.perSource).toContainEqual({ sources: ['src/lib/vendor/tiny.c'], flags: ['-Os', '-Wall', '-Isrc/include', '-std=gnu99', '-fPIC'] });
    expect(lib.perSource).toContainEqual({ sources: ['src/lib/cxx.cc'], flags: ['-O2', '-Wall', '-Isrc/include', '-std=c++17', '-fPIC'] });
    expect(config.targets['app-static']).toMatchObject({ type: 'static-library', fileName: 'libapp.a' });
    expect(config.targets['app']).toMatchObject({ type: 'executable', deps: ['app-shared'], aliases: ['app-cat', 'app-ls'] });
    expect(config.targets['tools-main']).toMatchObject({ sources: ['tools/main.c'], fileName: 'main' });
    expect(config.targets['tests-main']).toMatchObject({ sources: ['tests/main.c'], fileName: 'main' });
    expect(config.targets['one']).toMatchObject({ sources: ['src/obj/who.c', 'src/one.c'] });
    expect(config.hostPackages).toEqual(['zlib1g-dev']);
  }, 300_000);

  it('compiles every TU with the flags the recorded build used for it', () => {
    const steps = classifyCommands(readInterceptLog(fs.readFileSync(path.join(dir, '.nixmake/init-events.json'), 'utf8')).execs);
    expect(expectRecordedFlags(dir, steps.compiles)).toBe(17);
  });

  it('builds; the programs run with each TU\'s own flags, the library has its names, NEEDED and exports', async () => {
    spawnSync('make', ['clean'], { cwd: dir });
    const r = await buildAsync(dir);
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    expect(r.counts).toMatchObject({ objects_built: 17, links_built: 7, failed: 0 });
    const bin = (t: string, name = t): string => path.join(dir, `result-${t}/bin/${name}`);
    const expected = 'c=199901 etc=/etc/app tiny=1 cxx=201703 zlib=';
    expect(run(bin('app'), []).stdout).toMatch(new RegExp(`^app ${expected}\\d`));
    // The aliases are the same program under other names.
    expect(run(bin('app', 'app-ls'), []).stdout).toMatch(new RegExp(`^app-ls ${expected}`));
    expect(run(bin('app', 'app-cat'), []).stdout).toMatch(new RegExp(`^app-cat ${expected}`));
    expect(run(bin('one'), []).stdout).toBe('one\n');
    expect(run(bin('two'), []).stdout).toBe('two\n');
    expect(run(bin('tools-main', 'main'), []).stdout).toBe('tools\n');
    expect(run(bin('tests-main', 'main'), []).stdout).toBe('tests\n');

    const libDir = path.join(dir, 'result-app-shared/lib');
    expect(fs.readdirSync(libDir).sort()).toEqual(['libapp.so', 'libapp.so.1', 'libapp.so.1.2.3']);
    expect(fs.readdirSync(path.join(dir, 'result-app-static/lib'))).toEqual(['libapp.a']);
    const dynamic = run('readelf', ['-d', path.join(libDir, 'libapp.so.1.2.3')]).stdout;
    expect(dynamic).toContain('Shared library: [libz.so.1]');
    expect(dynamic).toContain('Library soname: [libapp.so.1]');
    // The version script: app_* exported, the rest local.
    const exported = run('nm', ['-D', '--defined-only', path.join(libDir, 'libapp.so.1.2.3')]).stdout;
    expect(exported).toContain('app_c_std');
    expect(exported).not.toContain('internal_helper');
    // -lapp finds the library by its development link and by its archive.
    fs.writeFileSync(path.join(dir, 'probe.c'), '#include "app.h"\nint main(void) { return app_c_std() == 199901 ? 0 : 1; }\n');
    for (const l of [libDir, path.join(dir, 'result-app-static/lib')]) {
      const cc = run('gcc', ['-Isrc/include', 'probe.c', `-L${l}`, '-lapp', '-lz', '-o', 'probe'], dir);
      expect(cc.code, cc.stderr).toBe(0);
    }
  }, 600_000);

  it('editing one TU\'s flags in nixmake.json rebuilds that TU alone (flags-changed)', async () => {
    const file = path.join(dir, 'nixmake.json');
    const edited = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof config;
    const entry = edited.targets['app-shared']?.perSource?.find((e) => e.sources.includes('src/lib/etc.c'));
    if (!entry) throw new Error('no perSource entry for src/lib/etc.c');
    entry.defines = ['ETC_CONFIG="/etc/other"'];
    fs.writeFileSync(file, JSON.stringify(edited, null, 2));
    const r = await buildAsync(dir, '--explain');
    expect(r.code, r.stderr).toBe(0);
    const planned = r.events.filter((e) => e['event'] === 'node-planned' && e['kind'] === 'object');
    expect(planned.map((e) => [e['node'], e['reason']])).toEqual([['obj:app-shared:src/lib/etc.c', 'flags-changed']]);
    expect(r.counts?.objects_built).toBe(1);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toContain('etc=/etc/other');
  }, 600_000);

  it('editing the version script relinks the library (it is an input of the link)', async () => {
    fs.writeFileSync(path.join(dir, 'src/lib/app.map'), '{ global: app_*; internal_helper; local: *; };\n');
    const r = await buildAsync(dir, '--explain');
    expect(r.code, r.stderr).toBe(0);
    const planned = r.events.filter((e) => e['event'] === 'node-planned').map((e) => [e['node'], e['reason']]);
    expect(planned).toContainEqual(['link:app-shared', 'source-changed']);
    expect(r.counts?.objects_built).toBe(0);
    expect(run('nm', ['-D', '--defined-only', path.join(dir, 'result-app-shared/lib/libapp.so.1.2.3')]).stdout).toContain('internal_helper');
  }, 600_000);
});
