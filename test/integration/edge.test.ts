/**
 * Inputs that must not confuse nixmake: odd file names, config mistakes
 * and a daemon that cannot be reached. Odd names go through the real
 * daemon; the others fail before any build (missing headers: includes.test.ts).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, CLI, nixmake, run, spawnAsync, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);

describe('odd file names', () => {
  it('builds a project whose files and folders hold spaces, quotes, $ and unicode', () => {
    const inc = `inc lude/it's $HOME "q"`;
    const dir = project({
      'nixmake.json': JSON.stringify({
        includeDirs: [inc],
        defines: ['MSG="it\'s $HOME; `rm -rf /`"'],
        targets: {
          'odd-lib': { type: 'static-library', sources: ['l$b dir/*.c'] },
          odd: { type: 'executable', sources: ["src dir/*.c"], deps: ['odd-lib'] },
        },
      }),
      [`${inc}/h $x.h`]: '#define FROM_HEADER "header $x"\nconst char *lib_name(void);\n',
      'l$b dir/l "1".c': '#include "h $x.h"\nconst char *lib_name(void) { return "lïb"; }\n',
      "src dir/ma in's $x.c": '#include <stdio.h>\n#include "h $x.h"\n#include "ünï côdé.h"\nint main(void) { printf("%s|%s|%s|%s\\n", MSG, FROM_HEADER, lib_name(), UNI); return 0; }\n',
      'src dir/ünï côdé.h': '#define UNI "ünï"\n',
    });
    const r = build(dir);
    expect(r.stderr).toBe('');
    expect(r.counts).toEqual({ objects_built: 2, links_built: 2, cut_off: 0, up_to_date: 0, failed: 0, submitted: 4 });
    expect(run(path.join(dir, 'result-odd/bin/odd'), []).stdout).toBe("it's $HOME; `rm -rf /`|header $x|lïb|ünï\n");
    expect(build(dir).counts).toMatchObject({ submitted: 0, up_to_date: 4 });
    // A comment: both objects recompile to the same bytes, so neither target relinks.
    fs.appendFileSync(path.join(dir, `${inc}/h $x.h`), '/* edited */\n');
    expect(build(dir).counts).toMatchObject({ objects_built: 2, links_built: 0, cut_off: 2 });
    fs.appendFileSync(path.join(dir, `${inc}/h $x.h`), '#define EXTRA 1\nint lib_extra(void);\n');
    fs.appendFileSync(path.join(dir, 'l$b dir/l "1".c'), 'int lib_extra(void) { return EXTRA; }\n');
    expect(build(dir).counts).toMatchObject({ objects_built: 2, links_built: 2, cut_off: 0 });
  });
});

describe('failures', () => {
  it('-k keeps going past a failed compile; without it the build stops', () => {
    const tree = {
      'nixmake.json': JSON.stringify({ targets: { bad: { type: 'executable', sources: ['a.c'] }, good: { type: 'executable', sources: ['b.c'] } } }),
      // The larger source goes first (longest expected compile first), so with -j1 the failure comes before b.c starts.
      'a.c': `int main(void) { return nope; } /* ${'x'.repeat(200)} */\n`,
      'b.c': `int main(void) { return 0; } /* ${process.pid}-${Date.now()} */\n`,
    };
    let dir = project(tree);
    let r = build(dir, '-j1');
    expect(r.code).toBe(1);
    expect(r.counts).toEqual({ objects_built: 0, links_built: 0, cut_off: 0, up_to_date: 0, failed: 1, submitted: 1 });
    // Every unrun node is reported with its reason (in the order they were reached, which timing decides).
    expect(r.events.filter((e) => e['event'] === 'node-skipped').map((e) => `${e['node']}: ${e['because']}`).sort()).toEqual([
      'link:bad: a.c was not built',
      'link:good: b.c was not built',
      'obj:good:b.c: the build stopped at a failure (use -k to keep going)',
    ]);
    dir = project(tree);
    r = build(dir, '-j1', '-k');
    expect(r.code).toBe(1);
    expect(r.counts).toEqual({ objects_built: 1, links_built: 1, cut_off: 0, up_to_date: 0, failed: 1, submitted: 3 });
    expect(fs.existsSync(path.join(dir, 'result-good/bin/good'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'result-bad'))).toBe(false);
    expect(r.events.find((e) => e['event'] === 'node-skipped')).toMatchObject({ node: 'link:bad', because: 'a.c was not built' });
  });
});

describe('two nixmake processes on one project', () => {
  it('the second waits for the first, says so, and finds everything built', async () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['*.c'] } } }),
      'main.c': `int main(void) { return 0; } /* ${process.pid}-${Date.now()} */\n`,
    });
    const start = (): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [CLI, 'build', '--json', '-C', dir]);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
      });
    const runs = await Promise.all([start(), start()]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    const summaries = runs.map((r) => JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { objects_built: number; links_built: number });
    expect(summaries.map((s) => s.objects_built + s.links_built).sort()).toEqual([0, 2]);
    const waited = runs.filter((r) => r.stdout.includes('waiting for another nixmake (pid'));
    expect(waited).toHaveLength(1);
  });
});

describe('a corrupt memo', () => {
  it('is set aside with a warning, and the build succeeds', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['*.c'] } } }),
      'main.c': `int main(void) { return 0; } /* ${process.pid}-${Date.now()} */\n`,
    });
    expect(build(dir).code).toBe(0);
    const memo = path.join(dir, '.nixmake/memo.sqlite');
    for (const ext of ['-wal', '-shm']) fs.rmSync(memo + ext, { force: true });
    fs.writeFileSync(memo, 'this is not a database'.repeat(300));
    const r = nixmake(['build', '-C', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\.nixmake\/memo\.sqlite: warning: memo database is corrupt .*moved it to .*memo\.sqlite\.corrupt-\d+/m);
    expect(build(dir).counts).toMatchObject({ submitted: 0, up_to_date: 2 });
  });
});

describe('config errors', () => {
  const targets = { app: { type: 'executable', sources: ['*.c'] } };
  const cases: [string, unknown, RegExp][] = [
    ['an unknown field', { targets, cflagz: [] }, /nixmake\.json: error: cflagz: unknown field "cflagz"/],
    ['an unknown target in deps', { targets: { app: { ...targets.app, deps: ['nope'] } } }, /targets\.app\.deps\[0\]: unknown target "nope"/],
    ['a glob that matches nothing', { targets: { app: { type: 'executable', sources: ['src/*.c'] } } }, /targets\.app\.sources\[0\]: "src\/\*\.c" matches no file/],
    [
      'a cycle between targets',
      {
        targets: {
          app: { ...targets.app, deps: ['a'] },
          a: { type: 'static-library', sources: ['*.c'], deps: ['b'] },
          b: { type: 'static-library', sources: ['*.c'], deps: ['a'] },
        },
      },
      /targets\.\w\.deps\[0\]: cycle between targets: (a -> b -> a|b -> a -> b)/,
    ],
    ['a wrong type', { targets: { app: { type: 'program', sources: ['*.c'] } } }, /targets\.app\.type: "program" is not one of executable, static-library, shared-library/],
  ];
  for (const [what, config, message] of cases) {
    it(`reports ${what} with its JSON path and exit code 1`, () => {
      const dir = project({ 'nixmake.json': JSON.stringify(config, null, 2), 'main.c': 'int main(void) { return 0; }\n' });
      const r = nixmake(['build', '-C', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(path.join(dir, '.nixmake'))).toBe(false);
    });
  }

  it('reports invalid JSON at its line and column', () => {
    const dir = project({ 'nixmake.json': '{\n  "targets": {\n    "app": { "type": "executable" "sources": [] }\n  }\n}\n' });
    const r = nixmake(['build', '-C', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nixmake\.json:3:\d+: error: invalid JSON/m);
  });
});

describe('errors found before building', () => {
  it('says clearly when the daemon cannot be reached, and why', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['*.c'] } } }),
      'main.c': 'int main(void) { return 0; }\n',
    });
    const missing = nixmake(['build', '-C', dir], { env: { NIX_DAEMON_SOCKET_PATH: path.join(dir, 'no-such-socket') } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`error: cannot connect to the Nix daemon: no socket at ${path.join(dir, 'no-such-socket')} (ENOENT). Start nix-daemon`);
    expect(missing.stderr).not.toMatch(/internal error|\n\s+at /);
    // A socket file nobody listens on: refused, which is not the same advice.
    const dead = path.join(dir, 'dead-socket');
    expect(run('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', dead]).code).toBe(0);
    const refused = nixmake(['build', '-C', dir], { env: { NIX_DAEMON_SOCKET_PATH: dead } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`error: cannot connect to the Nix daemon: connection refused on ${dead} (ECONNREFUSED)`);
  });

  it('reports a toolchain that does not exist, for build and deps', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ toolchain: { cc: '/nonexistent/gcc' }, targets: { app: { type: 'executable', sources: ['*.c'] } } }),
      'main.c': 'int main(void) { return 0; }\n',
    });
    for (const cmd of ['build', 'deps']) {
      const r = nixmake([cmd, '-C', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('error: toolchain: /nonexistent/gcc not found (set "toolchain" in nixmake.json)\n');
    }
  });

  it('reports an unknown target on the command line', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['*.c'] } } }),
      'main.c': 'int main(void) { return 0; }\n',
    });
    const r = nixmake(['build', '-C', dir, 'ap']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown target "ap" (targets: app)');
  });
});

describe('a garbage collection during a build', () => {
  it('cannot delete the derivations or input files between writing and building them', async () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['*.c'] } } }),
      'main.c': `#include <stdio.h>\nint main(void) { puts("before"); return 0; } /* ${process.pid}-${Date.now()} */\n`,
    });
    expect(build(dir).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'main.c'), `#include <stdio.h>\nint main(void) { puts("after"); return 0; } /* ${process.pid}-${Date.now()} */\n`);
    // The test hook holds the first node for 3 s after its derivation is written; the collection runs in that window.
    const child = spawn(process.execPath, [CLI, 'build', '--json', '-C', dir], { env: { ...process.env, NIXMAKE_TEST_PAUSE_BEFORE_BUILD_MS: '3000' } });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 128)));
    for (let i = 0; i < 100 && !stdout.includes('"event":"node-started"'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(stdout).toContain('"event":"node-started"');
    const gc = await spawnAsync('nix-collect-garbage', []);
    expect(gc.code, gc.stderr).toBe(0);
    expect(await done).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({ objects_built: 1, links_built: 1, failed: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('after\n');
  });
});
