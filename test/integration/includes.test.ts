/**
 * Include analysis end to end through the daemon: a header that shadows
 * another, forced includes (-include), computed includes (resolved,
 * unresolved, with a conditional default), conditionals that do not parse,
 * and headers not found (left to the sandboxed compile; -k builds the rest).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, nixmake, run, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);
const unique = `/* ${process.pid}-${Date.now()} */\n`;

describe('shadowing', () => {
  it('adding include/first/x.h rebuilds exactly the TUs that include x.h, and equals a clean build', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({
        includeDirs: ['include/first', 'include/second'],
        targets: { app: { type: 'executable', sources: ['src/*.c'] } },
      }),
      'include/second/x.h': `${unique}#define X 2\n`,
      'src/a.c': '#include "x.h"\nint a(void) { return X; }\n',
      'src/b.c': '#include <x.h>\nint b(void) { return X * 10; }\n',
      'src/main.c': '#include <stdio.h>\nint a(void); int b(void);\nint main(void) { printf("%d %d\\n", a(), b()); return 0; }\n',
    });
    expect(build(dir).counts).toMatchObject({ objects_built: 3, links_built: 1, failed: 0 });
    const bin = path.join(dir, 'result-app/bin/app');
    expect(run(bin, []).stdout).toBe('2 20\n');

    fs.mkdirSync(path.join(dir, 'include/first'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'include/first/x.h'), `${unique}#define X 1\n`);
    const r = build(dir, '--explain');
    expect(r.counts).toMatchObject({ objects_built: 2, links_built: 1, up_to_date: 1, failed: 0 });
    const rebuilt = r.events.filter((e) => e['event'] === 'node-planned').map((e) => `${e['label']}: ${e['reason']}`);
    // Objects come longest expected compile first, then the link.
    expect(rebuilt.slice(0, 2).sort()).toEqual(['src/a.c: header-changed: include/first/x.h', 'src/b.c: header-changed: include/first/x.h']);
    expect(rebuilt[2]).toBe('app: dependency-changed');
    expect(run(bin, []).stdout).toBe('1 10\n');

    const incremental = fs.readlinkSync(path.join(dir, 'result-app'));
    expect(nixmake(['clean', '-C', dir]).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'result-app'))).toBe(false);
    expect(build(dir).counts).toMatchObject({ failed: 0, submitted: 4 });
    expect(fs.readlinkSync(path.join(dir, 'result-app'))).toBe(incremental);
  });
});

describe('forced and computed includes', () => {
  it('-include FILE is an input of every TU', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ cflags: ['-include', 'config/force.h'], targets: { app: { type: 'executable', sources: ['main.c'] } } }),
      'config/force.h': `${unique}#define VALUE 7\n`,
      'main.c': '#include <stdio.h>\nint main(void) { printf("%d\\n", VALUE); return 0; }\n',
    });
    expect(build(dir).counts).toMatchObject({ objects_built: 1, failed: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('7\n');
    fs.writeFileSync(path.join(dir, 'config/force.h'), `${unique}#define VALUE 8\n`);
    expect(build(dir).counts).toMatchObject({ objects_built: 1, links_built: 1, failed: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('8\n');
  });

  it('#include MACRO is resolved when MACRO is a header name, in the TU, a header or -D', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ defines: ['FROM_FLAGS="impl/flags.h"'], targets: { app: { type: 'executable', sources: ['main.c'] } } }),
      'names.h': '#define IMPL_HEADER "impl/one.h"\n',
      'impl/one.h': `${unique}#define ONE 1\n`,
      'impl/flags.h': '#define TWO 2\n',
      'impl/unused.h': '#error never included\n',
      'main.c': '#include <stdio.h>\n#include "names.h"\n#include IMPL_HEADER\n#include FROM_FLAGS\nint main(void) { printf("%d\\n", ONE + TWO); return 0; }\n',
    });
    const deps = nixmake(['deps', '--json', '-C', dir]);
    expect(deps.code).toBe(0);
    const line = JSON.parse(deps.stdout.trim()) as { headers: string[]; notes: { kind: string }[] };
    expect(line.headers).toEqual(['impl/flags.h', 'impl/one.h', 'names.h']);
    expect(line.notes.map((n) => n.kind)).toEqual(['computed-resolved', 'computed-resolved']);
    expect(build(dir).counts).toMatchObject({ objects_built: 1, failed: 0 });
    fs.writeFileSync(path.join(dir, 'impl/one.h'), `${unique}#define ONE 10\n`);
    expect(build(dir).counts).toMatchObject({ objects_built: 1, failed: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('12\n');
  });

  it('an unresolved computed include warns at file:line and makes every header an input', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ includeDirs: ['inc'], targets: { app: { type: 'executable', sources: ['src/main.c'] } } }),
      'inc/pick.h': '#define STR(x) #x\n#define XSTR(x) STR(x)\n',
      'inc/impl/two.h': `${unique}#define TWO 2\n`,
      'inc/other.h': '#define OTHER 3\n',
      'src/main.c': '#include <stdio.h>\n#include "pick.h"\n#include XSTR(impl/two.h)\nint main(void) { printf("%d\\n", TWO); return 0; }\n',
    });
    const r = build(dir);
    expect(r.code).toBe(0);
    const warning = r.events.find((e) => e['event'] === 'diagnostic');
    expect(warning).toMatchObject({ severity: 'warning', file: 'src/main.c', line: 3 });
    expect(String(warning?.['message'])).toContain('XSTR(impl/two.h)');
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('2\n');
    // Every header under inc/ is an input, so even one the TU never reads rebuilds it.
    fs.writeFileSync(path.join(dir, 'inc/other.h'), '#define OTHER 4\n');
    expect(build(dir).counts).toMatchObject({ objects_built: 1, failed: 0 });
  });
});

describe('conditionals, from the directives', () => {
  it('a header for another platform inside an #if block that does not parse is no concern, under C and C++', () => {
    const plat = '#ifndef PLAT_H\n#define PLAT_H\n#if defined(_WIN32)\n#include <windows.h>\n#include "win/impl.h"\nstatic int plat(HANDLE h) {\n#else\n#include "posix/impl.h"\nstatic int plat(int h) {\n#endif\n  return IMPL + (int)h;\n}\n#endif\n';
    const dir = project({
      'nixmake.json': JSON.stringify({ includeDirs: ['include'], targets: { app: { type: 'executable', sources: ['src/*.c', 'src/*.cc'] } } }),
      'include/plat.h': plat,
      'include/posix/impl.h': `${unique}#define IMPL 40\n`,
      'src/main.c': '#include <stdio.h>\n#include "plat.h"\nint twice(void);\nint main(void) { printf("%d %d\\n", plat(2), twice()); return 0; }\n',
      'src/twice.cc': '#include "plat.h"\nextern "C" int twice(void) { return 2 * plat(0); }\n',
    });
    const r = build(dir);
    expect(r.events.filter((e) => e['event'] === 'diagnostic')).toEqual([]);
    expect(r.counts).toMatchObject({ objects_built: 2, links_built: 1, failed: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('42 80\n');
    const notes = nixmake(['deps', '--json', '-C', dir]).stdout.trim().split('\n').map((l) => JSON.parse(l) as { tu: string; headers: string[]; notes: { kind: string; line: number }[] });
    for (const tu of notes) {
      expect(tu.headers).toEqual(['include/plat.h', 'include/posix/impl.h']);
      expect(tu.notes.map((n) => `${n.kind}:${n.line}`)).toEqual(['missing-conditional:4', 'missing-conditional:5']);
    }
  });

  it('a computed include with an #ifndef default: -D on the command line wins, and the missing default is no error', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ defines: ['X_INCLUDE="other.h"'], targets: { app: { type: 'executable', sources: ['main.c'] } } }),
      'cfg.h': '#ifndef X_INCLUDE\n#define X_INCLUDE "default.h"\n#endif\n',
      'other.h': `${unique}#define VALUE 5\n`,
      'main.c': '#include <stdio.h>\n#include "cfg.h"\n#include X_INCLUDE\nint main(void) { printf("%d\\n", VALUE); return 0; }\n',
    });
    const r = build(dir);
    expect(r.events.filter((e) => e['event'] === 'diagnostic')).toEqual([]);
    expect(r.counts).toMatchObject({ objects_built: 1, failed: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('5\n');
    // other.h is an input: editing it rebuilds.
    fs.writeFileSync(path.join(dir, 'other.h'), `${unique}#define VALUE 6\n`);
    expect(build(dir).counts).toMatchObject({ objects_built: 1, failed: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('6\n');
  });
});

describe('headers not found', () => {
  const tree = {
    'nixmake.json': JSON.stringify({
      targets: {
        util: { type: 'static-library', sources: ['lib/*.c'] },
        good: { type: 'executable', sources: ['good/*.c'], deps: ['util'] },
        bad: { type: 'executable', sources: ['bad/*.c'], deps: ['util'] },
      },
    }),
    'lib/util.c': 'int util(void) { return 3; }\n',
    'good/main.c': '#include <stdio.h>\nint util(void);\nint main(void) { printf("%d\\n", util()); return 0; }\n',
    'bad/main.c': `${unique}#include <stdio.h>\n#include "absent.h"\nint util(void);\nint main(void) { printf("%d\\n", util() + ABSENT); return 0; }\n`,
    'bad/other.c': '  #  include <nowhere/x.h>\nint other(void) { return 1; }\n',
  };
  const diagnostics = (r: ReturnType<typeof build>): string[] =>
    r.events.filter((e) => e['event'] === 'diagnostic').map((e) => `${e['severity']} ${e['file']}:${e['line']}:${e['column']}: ${String(e['message']).split(';')[0]}`);

  it('with -k: the TUs that include one fail with the compiler\'s message, what links them is skipped, everything else builds', () => {
    const dir = project(tree);
    const r = build(dir, '-k');
    expect(r.code).toBe(1);
    expect(diagnostics(r)).toEqual(['warning bad/main.c:3:1: absent.h: No such file or directory', 'warning bad/other.c:1:3: nowhere/x.h: No such file or directory']);
    expect(String(r.events.find((e) => e['event'] === 'diagnostic')?.['message'])).toContain('add its folder to "includeDirs"');
    const failed = r.events.filter((e) => e['event'] === 'node-failed');
    expect(failed.map((e) => e['label']).sort()).toEqual(['bad/main.c', 'bad/other.c']);
    expect(String(failed.find((e) => e['label'] === 'bad/main.c')?.['log'])).toMatch(/bad\/main\.c:3:10: fatal error: absent\.h: No such file or directory/);
    expect(r.events.filter((e) => e['event'] === 'node-skipped').map((e) => e['node'])).toEqual(['link:bad']);
    expect(r.counts).toMatchObject({ objects_built: 2, links_built: 2, failed: 2 });
    expect(run(path.join(dir, 'result-good/bin/good'), []).stdout).toBe('3\n');
    expect(fs.existsSync(path.join(dir, 'result-bad'))).toBe(false);

    // The header appears: only what needed it is built.
    fs.writeFileSync(path.join(dir, 'bad/absent.h'), '#define ABSENT 10\n');
    fs.writeFileSync(path.join(dir, 'bad/other.c'), 'int other(void) { return 1; }\n');
    const again = build(dir);
    expect(diagnostics(again)).toEqual([]);
    expect(again.counts).toMatchObject({ objects_built: 2, links_built: 1, up_to_date: 4, failed: 0 });
    expect(run(path.join(dir, 'result-bad/bin/bad'), []).stdout).toBe('13\n');
  });

  it('without -k: exit 1, the warning at file:line:col and the compiler\'s error, in the terminal too', () => {
    const dir = project(tree);
    const r = nixmake(['build', '-C', dir, '-j1', 'bad']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad/main.c:3:1: warning: absent.h: No such file or directory; left to the compiler');
    expect(r.stdout + r.stderr).toMatch(/bad\/(main|other)\.c:\d+:\d+: fatal error: (absent\.h|nowhere\/x\.h): No such file or directory/);
    expect(fs.existsSync(path.join(dir, 'result-bad'))).toBe(false);
  });
});

describe('a header not found by a TU whose flags are set whole', () => {
  it('the warning says which perSource entry the folder must go to, as -I (includeDirs do not reach it)', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({
        includeDirs: ['inc dir'],
        targets: { app: { type: 'executable', sources: ['*.c'], perSource: [{ sources: ['m.c'], flags: ['-O2'] }] } },
      }),
      'inc dir/h.h': '#define H 1\n',
      'f.c': '#include "h.h"\nint f(void) { return H; }\n',
      'm.c': '#include "h.h"\nint f(void);\nint main(void) { return f() - H; }\n',
    });
    const r = nixmake(['build', '-C', dir, '--dry-run', '--json']);
    const warnings = r.stdout
      .split('\n')
      .filter((l) => l.includes('"diagnostic"'))
      .map((l) => (JSON.parse(l) as { message: string }).message);
    expect(warnings).toEqual([
      'h.h: No such file or directory; left to the compiler, which fails every TU that reaches this line if it is really missing: add its folder to "includeDirs", or the package that provides it to "hostPackages" (m.c of target app takes its flags whole from "targets.app.perSource[0].flags": add the folder there, as -I)',
    ]);
  });
});

describe('symlinks and ..', () => {
  it('an include dir that is a symlink, a header reached through it and a "../" include build, and an edit through the link rebuilds', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ includeDirs: ['include'], targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
      'vendor/api/api.h': `${unique}#include "detail.h"\n#include "../common.h"\n#define API (DETAIL + COMMON)\n`,
      'vendor/api/detail.h': '#define DETAIL 30\n',
      'vendor/common.h': '#define COMMON 4\n',
      'src/main.c': '#include <stdio.h>\n#include <pub/api.h>\nint main(void) { printf("%d\\n", API); return 0; }\n',
    });
    fs.mkdirSync(path.join(dir, 'include'));
    fs.symlinkSync('../vendor/api', path.join(dir, 'include/pub'));
    // The lexical view (include/pub/../common.h = include/common.h) is what the sandbox sees.
    fs.symlinkSync('../vendor/common.h', path.join(dir, 'include/common.h'));
    const d = nixmake(['deps', '-C', dir, '--json']);
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout.trim()).headers).toEqual(['include/common.h', 'include/pub/api.h', 'include/pub/detail.h']);
    expect(build(dir).counts).toMatchObject({ objects_built: 1, links_built: 1, failed: 0 });
    const bin = path.join(dir, 'result-app/bin/app');
    expect(run(bin, []).stdout).toBe('34\n');
    fs.writeFileSync(path.join(dir, 'vendor/api/detail.h'), '#define DETAIL 50\n');
    const r = build(dir, '--explain');
    expect(r.events.filter((e) => e['event'] === 'node-planned').map((e) => `${e['label']}: ${e['reason']}`))
      .toEqual(['src/main.c: header-changed: include/pub/detail.h', 'app: dependency-changed']);
    expect(run(bin, []).stdout).toBe('54\n');
  });
});

describe('parallel scanning', () => {
  it('a cold scan in worker threads gives the same closures as one thread, and a warm one parses nothing', () => {
    const files: Record<string, string> = {
      'nixmake.json': JSON.stringify({ includeDirs: ['include'], targets: { lib: { type: 'static-library', sources: ['src/*.c'] } } }),
    };
    for (let i = 0; i < 8; i++) files[`include/h${i}.h`] = `#ifndef H${i}\n#define H${i}\n${i > 0 ? `#include "h${i - 1}.h"\n` : '#include <string.h>\n'}#endif\n`;
    for (let i = 0; i < 80; i++) files[`src/f${i}.c`] = `#include <stdio.h>\n#include "h${i % 8}.h"\nint f${i}(void) { return ${i}; }\n`;
    const dir = project(files);
    const analysis = (r: { stdout: string }): Record<string, unknown> | undefined =>
      r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e['event'] === 'analysis');
    const parallel = nixmake(['build', '-C', dir, '--dry-run', '--json'], { env: { NIXMAKE_SCAN_THREADS: '2' } });
    expect(analysis(parallel)).toMatchObject({ tus: 80, scanned: expect.any(Number) as number });
    expect(Number(analysis(parallel)?.['scanned'])).toBeGreaterThanOrEqual(88);
    const depsParallel = nixmake(['deps', '-C', dir, '--json']);
    fs.rmSync(path.join(dir, '.nixmake'), { recursive: true });
    const depsSerial = nixmake(['deps', '-C', dir, '--json'], { env: { NIXMAKE_SCAN_THREADS: '1' } });
    expect(depsSerial.code).toBe(0);
    expect(depsParallel.stdout).toBe(depsSerial.stdout);
    expect(JSON.parse(depsSerial.stdout.split('\n')[0] as string)).toMatchObject({ tu: 'src/f0.c', headers: ['include/h0.h'] });
    expect(analysis(nixmake(['build', '-C', dir, '--dry-run', '--json']))).toMatchObject({ tus: 80, scanned: 0 });
  });
});

describe('parallel scanning of headers', () => {
  it('scans the project headers a cold walk meets on worker threads, replaced as they go, with the same closures as one thread', () => {
    const files: Record<string, string> = {
      'nixmake.json': JSON.stringify({ includeDirs: ['include', 'include/deep'], targets: { lib: { type: 'static-library', sources: ['src/*.c'] } } }),
    };
    // 60 headers in chains of three levels (quote and angle forms, a folder of the includer and an -I folder), 60 TUs.
    for (let i = 0; i < 60; i++) {
      files[`include/deep/d${i}.h`] = `#pragma once\n#include <stddef.h>\nenum { D${i} = ${i} };\n`;
      files[`include/m${i}.h`] = `#pragma once\n#include "deep/d${i}.h"\n`;
      files[`src/f${i}.c`] = `#include <m${i}.h>\n#include "local${i % 3}.h"\nint f${i}(void) { return D${i}; }\n`;
    }
    for (let i = 0; i < 3; i++) files[`src/local${i}.h`] = `#pragma once\n#include <d${i}.h>\n`;
    const dir = project(files);
    const deps = (env: NodeJS.ProcessEnv): string => {
      fs.rmSync(path.join(dir, '.nixmake'), { recursive: true, force: true });
      const r = nixmake(['deps', '-C', dir, '--json'], { env });
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    // Every worker replaced after each batch: the closures are those of one thread.
    const parallel = deps({ NIXMAKE_SCAN_THREADS: '2', NIXMAKE_SCAN_RECYCLE_BYTES: '1' });
    expect(parallel).toBe(deps({ NIXMAKE_SCAN_THREADS: '1' }));
    expect(JSON.parse(parallel.split('\n')[0] as string)).toMatchObject({ tu: 'src/f0.c', headers: ['include/deep/d0.h', 'include/m0.h', 'src/local0.h'] });
  });
});

/** a.c reads x.h, b.c reads y.h, both in include/second; main prints both: `includeDirs` as given. */
const twoHeaders = (includeDirs: readonly string[]): Record<string, string> => ({
  'nixmake.json': JSON.stringify({ includeDirs, targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
  'include/second/x.h': `${unique}#define X 2\n`,
  'include/second/y.h': '#define Y 3\n',
  'src/a.c': '#include "x.h"\nint a(void) { return X; }\n',
  'src/b.c': '#include "y.h"\nint b(void) { return Y; }\n',
  'src/main.c': '#include <stdio.h>\nint a(void); int b(void);\nint main(void) { printf("%d %d\\n", a(), b()); return 0; }\n',
});

describe('closures reused from the last run', () => {
  it('are used when nothing changed, and a new shadowing header or an edit still rebuilds exactly the TUs that read it', () => {
    const dir = project(twoHeaders(['include/first', 'include/second']));

    fs.mkdirSync(path.join(dir, 'include/first'));
    // Everything was written "an hour ago", so no folder is too recent to trust.
    const past = new Date(Date.now() - 3600_000);
    for (const rel of ['include/first', 'include/second', 'src', '.', 'include']) fs.utimesSync(path.join(dir, rel), past, past);
    const analysis = (r: { events: Record<string, unknown>[] }): Record<string, unknown> | undefined => r.events.find((e) => e['event'] === 'analysis');
    expect(analysis(build(dir))).toMatchObject({ tus: 3, cached: 0 });
    expect(analysis(build(dir))).toMatchObject({ tus: 3, cached: 3, scanned: 0 });
    const bin = path.join(dir, 'result-app/bin/app');
    expect(run(bin, []).stdout).toBe('2 3\n');

    fs.writeFileSync(path.join(dir, 'include/first/x.h'), `${unique}#define X 1\n`);
    const r = build(dir, '--explain');
    expect(r.events.filter((e) => e['event'] === 'node-planned').map((e) => `${e['label']}: ${e['reason']}`))
      .toEqual(['src/a.c: header-changed: include/first/x.h', 'app: dependency-changed']);
    expect(run(bin, []).stdout).toBe('1 3\n');

    fs.appendFileSync(path.join(dir, 'include/second/y.h'), '#undef Y\n#define Y 4\n');
    expect(build(dir).counts).toMatchObject({ objects_built: 1, links_built: 1 });
    expect(run(bin, []).stdout).toBe('1 4\n');
  });
});

describe('closures that probed the project root', () => {
  it('are reused from the memo after a build pointed a result link there, and a new header there is still seen', () => {
    const dir = project(twoHeaders(['.', 'include/second']));

    const past = new Date(Date.now() - 3600_000);
    const backdateRoot = (): void => fs.utimesSync(dir, past, past);
    for (const rel of ['include/second', 'src', 'include']) fs.utimesSync(path.join(dir, rel), past, past);
    // No stamp, no baseline: the memo's stored closures are what is checked.
    const withoutBaseline = (): ReturnType<typeof build> => {
      for (const f of ['noop.stamp', 'baseline.json']) fs.rmSync(path.join(dir, '.nixmake', f), { force: true });
      return build(dir);
    };
    const analysis = (r: { events: Record<string, unknown>[] }): Record<string, unknown> | undefined => r.events.find((e) => e['event'] === 'analysis');
    expect(build(dir).code).toBe(0);
    backdateRoot();
    // The root unchanged for an hour: the closures are stored, with its listing.
    expect(analysis(withoutBaseline())).toMatchObject({ tus: 3 });
    fs.writeFileSync(path.join(dir, 'src/b.c'), '#include "y.h"\nint b(void) { return Y + 1; }\n');
    let r = withoutBaseline();
    expect(analysis(r)).toMatchObject({ tus: 3, cached: 2 });
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 1 });
    // That build pointed result-app: the root's mtime moved, its names (but result links) did not.
    expect(fs.statSync(dir).mtimeMs).toBeGreaterThan(past.getTime() + 1000);
    fs.writeFileSync(path.join(dir, 'src/b.c'), '#include "y.h"\nint b(void) { return Y + 2; }\n');
    r = withoutBaseline();
    expect(analysis(r)).toMatchObject({ tus: 3, cached: 2 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('2 5\n');
    // A header that appears in the root shadows include/second/y.h: the closures that probed the root are walked again.
    fs.writeFileSync(path.join(dir, 'y.h'), '#define Y 9\n');
    r = withoutBaseline();
    expect(analysis(r)).toMatchObject({ tus: 3, cached: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('2 11\n');
  });
});

describe('compileCommands', () => {
  it('takes each TU\'s flags (and so its include folders) from a compile database, and rebuilds a TU whose entry changes', () => {
    const db = (value: number): string => JSON.stringify([
      { directory: '/ROOT/build', file: '../src/a.c', command: `cc -I../only-in-db -DVALUE=${value} -O1 -c ../src/a.c -o a.o` },
    ]);
    const dir = project({
      'nixmake.json': JSON.stringify({ compileCommands: 'build/compile_commands.json', cflags: ['-O2'], targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
      'only-in-db/v.h': `${unique}#define BASE 100\n`,
      'src/a.c': '#include "v.h"\nint a(void) { return BASE + VALUE; }\n',
      'src/main.c': '#include <stdio.h>\nint a(void);\nint main(void) { printf("%d\\n", a()); return 0; }\n',
    });
    const write = (v: number): void => fs.writeFileSync(path.join(dir, 'build/compile_commands.json'), db(v).replaceAll('/ROOT', dir));
    fs.mkdirSync(path.join(dir, 'build'));
    write(1);
    expect(build(dir).counts).toMatchObject({ objects_built: 2, links_built: 1, failed: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('101\n');
    const d = JSON.parse(nixmake(['deps', '-C', dir, '--json']).stdout.split('\n')[0] as string) as { tu: string; headers: string[] };
    expect(d).toMatchObject({ tu: 'src/a.c', headers: ['only-in-db/v.h'] });

    write(2);
    const r = build(dir, '--explain');
    expect(r.events.filter((e) => e['event'] === 'node-planned').map((e) => `${e['label']}: ${e['reason']}`)).toEqual(['src/a.c: flags-changed', 'app: dependency-changed']);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('102\n');

    fs.rmSync(path.join(dir, 'build/compile_commands.json'));
    const missing = build(dir);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('compileCommands: cannot read build/compile_commands.json');
  });
});

describe('nixmake init --from compile_commands.json', () => {
  it('proposes targets, each TU with its own flags, and the result builds', () => {
    const dir = project({
      'lib/x.c': 'int x(void) { return 41; }\n',
      'tools/run.c': '#include <stdio.h>\nint x(void);\nint main(void) { printf("%d\\n", x() + TOOL); return 0; }\n',
    });
    fs.writeFileSync(path.join(dir, 'compile_commands.json'), JSON.stringify([
      { directory: dir, file: 'lib/x.c', command: 'cc -O2 -c lib/x.c -o x.o' },
      { directory: dir, file: 'tools/run.c', command: 'cc -O2 -DTOOL=1 -c tools/run.c -o run.o' },
    ]));
    const r = nixmake(['init', '-C', dir, '--from', 'compile_commands.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('nixmake init: run: executable (guessed: tools/run.c defines main()), 1 source(s), links lib');
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ targets: { lib: { type: 'static-library', sources: ['lib/x.c'] }, run: { type: 'executable', defines: ['TOOL=1'], deps: ['lib'] } } });
    expect(build(dir).counts).toMatchObject({ objects_built: 2, links_built: 2, failed: 0 });
    expect(run(path.join(dir, 'result-run/bin/run'), []).stdout).toBe('42\n');
  });
});
