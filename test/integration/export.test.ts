/**
 * `nixmake export` against the test daemon (stock nix.conf): stock
 * nix-build builds the export with import-from-derivation off; its
 * derivations are the very `.drv` files `nixmake build` wrote, so it builds
 * nothing nixmake built; the package runs; a one-`.c` edit, picked up
 * without exporting again, rebuilds exactly that object and the links above
 * it, a header edit the objects that read it; `--check` tells a stale
 * export from a current one.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAsync, nixmake, run, spawnAsync, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);
const NO_IFD = ['--option', 'allow-import-from-derivation', 'false'];

function tree(nonce: string): Record<string, string> {
  return {
    'nixmake.json': JSON.stringify({
      includeDirs: ['include'],
      cflags: ['-O2', '-Wall'],
      publicHeaders: ['include'],
      targets: {
        greet: { type: 'static-library', sources: ['lib/greet.c'] },
        loud: { type: 'shared-library', sources: ['lib/loud.c'], soname: 'libloud.so.1' },
        app: { type: 'executable', sources: ['src/*.c', 'src/*.cpp'], deps: ['greet', 'loud'] },
      },
    }),
    'include/greet.h': 'const char *greeting(void);\n',
    'include/loud.h': 'int loudness(void);\n',
    'lib/greet.c': '#include "greet.h"\nconst char *greeting(void) { return "hello"; }\n',
    'lib/loud.c': '#include "loud.h"\nint loudness(void) { return 11; }\n',
    // Made by a "configure step": not tracked by git, so the export holds a copy.
    'src/config.h': `#define NONCE "${nonce}"\n`,
    'src/main.c':
      '#include <stdio.h>\n#include "greet.h"\n#include "loud.h"\n#include "config.h"\nint extra(void);\nint twice(int);\n' +
      'int main(void) { printf("%s %d %d %s\\n", greeting(), twice(loudness()), extra(), NONCE); return 0; }\n',
    'src/util.c': 'int twice(int x) { return 2 * x; }\n',
    'src/extra.cpp': '#include <vector>\nextern "C" int extra(void) { std::vector<int> v{1, 2}; return (int)v.size(); }\n',
  };
}

function git(dir: string, ...args: string[]): void {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

/** The derivations nix-build would build for `attr`, from its --dry-run (they go to stderr). */
async function toBuild(dir: string, attr: string): Promise<string[]> {
  const r = await spawnAsync('nix-build', [path.join(dir, 'nixmake-export'), '-A', attr, '--dry-run', ...NO_IFD]);
  expect(r.code, r.stderr).toBe(0);
  const m = /these (\d+ )?derivations will be built:\n((?: {2}\/nix\/store\/\S+\n?)*)/.exec(r.stderr);
  return m ? (m[2] ?? '').trim().split('\n').map((l) => l.trim().replace(/^\/nix\/store\/[0-9a-z]{32}-/, '')).sort() : [];
}

describe('nixmake export', () => {
  it('builds with stock nix-build into the same derivations, and rebuilds one object for a one-.c edit', async () => {
    const nonce = `n${Date.now()}${process.pid}`;
    const dir = project(tree(nonce));
    git(dir, 'init', '-q');
    git(dir, 'add', 'nixmake.json', 'include', 'lib', 'src/main.c', 'src/util.c', 'src/extra.cpp');

    const built = await buildAsync(dir);
    expect(built.counts).toMatchObject({ objects_built: 5, links_built: 3, failed: 0 });
    const nixmakeDrvs = Object.fromEntries(built.events.filter((e) => e['event'] === 'node-built').map((e) => [String(e['node']), String(e['drv'])]));

    const ex = nixmake(['export', '-C', dir]);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('copied src/config.h');
    expect(fs.readFileSync(path.join(dir, 'nixmake-export/nixmake-copied/src/config.h'), 'utf8')).toContain(nonce);
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake-export/nixmake-lock.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(lock['files']).toMatchObject({ 'src/config.h': 'copied', 'src/main.c': 'project', 'include/greet.h': 'project' });
    expect(lock['objects']?.['obj:app:src/main.c']).toMatchObject({ tu: 'src/main.c', headers: ['include/greet.h', 'include/loud.h', 'src/config.h'] });

    // The very .drv files nixmake wrote, object by object and link by link.
    const expr = `let e = import ${path.join(dir, 'nixmake-export')} {}; in
      builtins.mapAttrs (k: d: d.drvPath) e.objects // builtins.listToAttrs (map (t: { name = "link:" + t; value = e.targets.\${t}.drvPath; }) (builtins.attrNames e.targets))`;
    const inst = await spawnAsync('nix-instantiate', ['--eval', '--strict', '--json', ...NO_IFD, '-E', expr]);
    expect(inst.code, inst.stderr).toBe(0);
    expect(JSON.parse(inst.stdout)).toEqual(nixmakeDrvs);

    // Same derivations, so nothing to build after nixmake's build.
    expect(await toBuild(dir, 'all')).toEqual([]);
    const pkg = await spawnAsync('nix-build', [path.join(dir, 'nixmake-export'), '-A', 'package', '-o', path.join(dir, 'result-package'), ...NO_IFD]);
    expect(pkg.code, pkg.stderr).toBe(0);
    const out = path.join(dir, 'result-package');
    expect(run(path.join(out, 'bin/app'), []).stdout).toBe(`hello 22 2 ${nonce}\n`);
    // The package's program is nixmake's (same store path, so the same bytes).
    expect(fs.realpathSync(path.join(out, 'bin/app'))).toBe(fs.realpathSync(path.join(dir, 'result-app/bin/app')));
    expect(fs.readFileSync(path.join(out, 'include/greet.h'), 'utf8')).toBe('const char *greeting(void);\n');
    expect(fs.existsSync(path.join(out, 'lib/libgreet.a'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'lib/libloud.so.1'))).toBe(true);

    // A one-.c patch, without exporting again: that object and the one link above it.
    fs.writeFileSync(path.join(dir, 'src/util.c'), `int twice(int x) { return x + x + 1; } /* ${nonce} */\n`);
    expect(nixmake(['export', '-C', dir, '--check']).code).toBe(0);
    expect(await toBuild(dir, 'all')).toEqual(['app.drv', 'util.c.o.drv']);
    const all = await spawnAsync('nix-build', [path.join(dir, 'nixmake-export'), '-A', 'all', '-o', path.join(dir, 'result-all'), ...NO_IFD]);
    expect(all.code, all.stderr).toBe(0);
    expect([...all.stderr.matchAll(/^building '\/nix\/store\/[0-9a-z]{32}-([^']+)'/gm)].map((m) => m[1]).sort()).toEqual(['app.drv', 'util.c.o.drv']);
    // result-all is app (attributes in name order: app, greet, loud).
    expect(run(path.join(dir, 'result-all/bin/app'), []).stdout).toBe(`hello 23 2 ${nonce}\n`);

    // A header edit: the objects that read it, and every link above them.
    fs.appendFileSync(path.join(dir, 'include/greet.h'), '/* edited */\n');
    expect(await toBuild(dir, 'all')).toEqual(['app.drv', 'greet.c.o.drv', 'greet.drv', 'main.c.o.drv']);

    // A changed include list needs a new export, and --check says so.
    fs.writeFileSync(path.join(dir, 'src/util.c'), '#include "loud.h"\nint twice(int x) { return 2 * x; }\n');
    const stale = nixmake(['export', '-C', dir, '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('nixmake-lock.json differs');
    expect(nixmake(['export', '-C', dir]).code).toBe(0);
    expect(nixmake(['export', '-C', dir, '--check']).code).toBe(0);
  });

  it('refuses an unknown option and names a missing public header folder', () => {
    expect(nixmake(['export', '--bogus']).code).toBe(1);
    const dir = project({
      'nixmake.json': JSON.stringify({ publicHeaders: ['inc'], targets: { a: { type: 'executable', sources: ['a.c'] } } }),
      'a.c': 'int main(void) { return 0; }\n',
    });
    const r = nixmake(['export', '-C', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain('nixmake.json: error: publicHeaders[0]: "inc" does not exist');
    expect(fs.existsSync(path.join(dir, 'nixmake-export'))).toBe(false);
  });

  it('copies an input that is a symbolic link, and refuses one that leads out of the project', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ targets: { a: { type: 'executable', sources: ['a.c'] } } }),
      'a.c': '#include "t.h"\nint main(void) { return T; }\n',
      'real/t.h': '#define T 0\n',
    });
    fs.symlinkSync('real/t.h', path.join(dir, 't.h'));
    const r = nixmake(['export', '-C', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('copied t.h');
    expect(fs.lstatSync(path.join(dir, 'nixmake-export/nixmake-copied/t.h')).isFile()).toBe(true);

    const outside = project({ 'o.h': '#define T 1\n' });
    fs.rmSync(path.join(dir, 't.h'));
    fs.symlinkSync(path.join(outside, 'o.h'), path.join(dir, 't.h'));
    const refused = nixmake(['export', '-C', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`t.h links to ${fs.realpathSync(path.join(outside, 'o.h'))}, outside the project`);
  });
});
