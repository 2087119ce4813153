/**
 * `nixmake export` against the test daemon (stock nix.conf): stock
 * nix-build builds the export with import-from-derivation off; its
 * generators', objects' and pinned links' derivations are the very `.drv`
 * files `nixmake build` wrote, so it compiles nothing nixmake compiled, and
 * its other links give the same bytes; the package runs; a one-`.c` edit, picked up
 * without exporting again, rebuilds exactly that object and the links above
 * it, a header edit the objects that read it; `--check` tells a stale
 * export from a current one.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAsync, nixmake, run, spawnAsync, useTempProjects } from '../helpers/project.js';
import { GRAMMAR } from '../helpers/calcGrammar.js';

const project = useTempProjects(afterEach);
const installed = (pkg: string): boolean => spawnSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', pkg], { encoding: 'utf8' }).stdout.startsWith('ii');
const HAS_BISON = installed('bison') && installed('m4');
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

/** Every derivation nixmake built (node → .drv), from its --json events. */
const builtDrvs = (events: Record<string, unknown>[]): Record<string, string> =>
  Object.fromEntries(events.filter((e) => e['event'] === 'node-built').map((e) => [String(e['node']), String(e['drv'])]));
/** Every output nixmake built (node → store path), from its --json events. */
const builtOuts = (events: Record<string, unknown>[]): Record<string, string> =>
  Object.fromEntries(events.filter((e) => e['event'] === 'node-built').map((e) => [String(e['node']), String(e['out'])]));

/**
 * The export's derivations against those of the nodes nixmake built: the
 * very same `.drv` for every generator, object and pinned link
 * (engine/pinnedLinks.ts); the links in `unpinned` are other derivations,
 * because nixmake's name what they link by its outputs (the export's bytes
 * are compared where they are built).
 */
function expectSameDerivations(exported: Record<string, string>, built: Record<string, string>, unpinned: readonly string[]): void {
  const same = Object.keys(built).filter((k) => !unpinned.includes(k));
  expect(same.length).toBeGreaterThan(0);
  expect(Object.fromEntries(same.map((k) => [k, exported[k]]))).toEqual(Object.fromEntries(same.map((k) => [k, built[k]])));
  for (const k of unpinned) {
    expect(built[k], k).toMatch(/\.drv$/);
    expect(exported[k], k).not.toBe(built[k]);
  }
}

/** The export's derivations, keyed as nixmake's nodes are (gen:, obj:, link:). */
async function exportDrvs(dir: string): Promise<Record<string, string>> {
  const expr = `let e = import ${path.join(dir, 'nixmake-export')} {}; in
    builtins.mapAttrs (k: d: d.drvPath) e.objects
    // builtins.listToAttrs (map (t: { name = "link:" + t; value = e.targets.\${t}.drvPath; }) (builtins.attrNames e.targets))
    // builtins.listToAttrs (map (g: { name = "gen:" + g; value = e.generators.\${g}.drvPath; }) (builtins.attrNames e.generators))`;
  const inst = await spawnAsync('nix-instantiate', ['--eval', '--strict', '--json', ...NO_IFD, '-E', expr]);
  expect(inst.code, inst.stderr).toBe(0);
  return JSON.parse(inst.stdout) as Record<string, string>;
}

/** The derivations nix-build would build for `attr`, from its --dry-run (they go to stderr). */
async function toBuild(dir: string, attr: string): Promise<string[]> {
  const r = await spawnAsync('nix-build', [path.join(dir, 'nixmake-export'), '-A', attr, '--dry-run', ...NO_IFD]);
  expect(r.code, r.stderr).toBe(0);
  const m = /(?:these (?:\d+ )?derivations|this derivation) will be built:\n((?: {2}\/nix\/store\/\S+\n?)*)/.exec(r.stderr);
  return m ? (m[1] ?? '').trim().split('\n').map((l) => l.trim().replace(/^\/nix\/store\/[0-9a-z]{32}-/, '')).sort() : [];
}

describe('nixmake export', () => {
  it('builds with stock nix-build into the same derivations, and rebuilds one object for a one-.c edit', async () => {
    const nonce = `n${Date.now()}${process.pid}`;
    const dir = project(tree(nonce));
    git(dir, 'init', '-q');
    git(dir, 'add', 'nixmake.json', 'include', 'lib', 'src/main.c', 'src/util.c', 'src/extra.cpp');

    const built = await buildAsync(dir);
    expect(built.counts).toMatchObject({ objects_built: 5, links_built: 3, failed: 0 });
    const nixmakeDrvs = builtDrvs(built.events);

    const ex = nixmake(['export', '-C', dir]);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('copied src/config.h');
    expect(fs.readFileSync(path.join(dir, 'nixmake-export/nixmake-copied/src/config.h'), 'utf8')).toContain(nonce);
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake-export/nixmake-lock.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(lock['files']).toMatchObject({ 'src/config.h': 'copied', 'src/main.c': 'project', 'include/greet.h': 'project' });
    expect(lock['objects']?.['obj:app:src/main.c']).toMatchObject({ tu: 'src/main.c', headers: ['include/greet.h', 'include/loud.h', 'src/config.h'] });

    // The very .drv files nixmake wrote, object by object, and for the shared library (pinned: app holds its
    // path); the static library and the program are linked by nixmake from its objects' outputs.
    const exported = await exportDrvs(dir);
    expect(Object.keys(exported).sort()).toEqual(Object.keys(nixmakeDrvs).sort());
    expectSameDerivations(exported, nixmakeDrvs, ['link:greet', 'link:app']);

    // Same objects, so nothing to compile after nixmake's build: only those two links (greet's is the same in
    // every run of this test, so an earlier run may have built it).
    const links = await toBuild(dir, 'all');
    expect(links).toContain('app.drv');
    expect(links.filter((d) => d !== 'app.drv' && d !== 'greet.drv')).toEqual([]);
    const pkg = await spawnAsync('nix-build', [path.join(dir, 'nixmake-export'), '-A', 'package', '-o', path.join(dir, 'result-package'), ...NO_IFD]);
    expect(pkg.code, pkg.stderr).toBe(0);
    expect(pkg.stderr).not.toMatch(/building '\/nix\/store\/[0-9a-z]{32}-[^']*\.o\.drv'/);
    const out = path.join(dir, 'result-package');
    expect(run(path.join(out, 'bin/app'), []).stdout).toBe(`hello 22 2 ${nonce}\n`);
    // The package's files are nixmake's, byte for byte (the shared library at the same store path).
    const outs = builtOuts(built.events);
    expect(fs.readFileSync(path.join(out, 'bin/app')).equals(fs.readFileSync(path.join(dir, 'result-app/bin/app')))).toBe(true);
    expect(fs.readFileSync(path.join(out, 'lib/libgreet.a')).equals(fs.readFileSync(path.join(outs['link:greet'] ?? '', 'lib/libgreet.a')))).toBe(true);
    expect(fs.realpathSync(path.join(out, 'lib/libloud.so.1'))).toBe(fs.realpathSync(path.join(outs['link:loud'] ?? '', 'lib/libloud.so.1')));
    expect(fs.readFileSync(path.join(out, 'include/greet.h'), 'utf8')).toBe('const char *greeting(void);\n');

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


describe.skipIf(!HAS_BISON)(`nixmake export of generators${HAS_BISON ? '' : ' (SKIPPED: bison or m4 not installed)'}`, () => {
  it('a bison grammar: the same generator and object derivations as the build; a grammar edit reruns bison and recompiles what reads its outputs', async () => {
    // New in every run (the epilogue goes into calc.tab.c), so that what Nix must build is this test's own.
    const nonce = `n${Date.now()}${process.pid}`;
    const grammar = `${GRAMMAR}/* ${nonce} */\n`;
    const dir = project({
      'nixmake.json': JSON.stringify({
        hostPackages: ['bison', 'm4'],
        generators: { parser: { command: ['bison', '-d', '-o', 'src/calc.tab.c', 'src/calc.y'], inputs: ['src/calc.y'], outputs: ['src/calc.tab.c', 'src/calc.tab.h'] } },
        targets: { calc: { type: 'executable', sources: ['src/*.c'] } },
      }),
      'src/calc.y': grammar,
      'src/lex.c':
        `/* ${nonce} */\n` +
        '#include "calc.tab.h"\nstatic const char *p;\nvoid lex_init(const char *s) { p = s; }\n' +
        "int yylex(void) {\n  while (*p == ' ') p++;\n  if (*p >= '0' && *p <= '9') { int v = 0; while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0'); yylval = v; return NUM; }\n  return *p ? *p++ : 0;\n}\n",
      'src/main.c':
        '#include <stdio.h>\nvoid lex_init(const char *);\nint yyparse(void);\nextern int result;\n' +
        'int main(int argc, char **argv) { lex_init(argc > 1 ? argv[1] : "1+2*3"); if (yyparse()) return 1; printf("%d\\n", result); return 0; }\n',
    });
    git(dir, 'init', '-q');
    git(dir, 'add', 'nixmake.json', 'src');
    const built = await buildAsync(dir);
    expect(built.code, built.stderr).toBe(0);

    const ex = nixmake(['export', '-C', dir]);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('(1 generator, 1 targets, 3 objects)');
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake-export/nixmake-lock.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    expect(lock['files']).toEqual({ 'src/calc.y': 'project', 'src/lex.c': 'project', 'src/main.c': 'project' });
    expect(lock['generators']?.['parser']).toMatchObject({ inputs: ['src/calc.y'], outputs: ['src/calc.tab.c', 'src/calc.tab.h'] });
    expect(lock['objects']?.['obj:calc:src/lex.c']).toMatchObject({ headers: ['src/calc.tab.h'], generated: { 'src/calc.tab.h': 'parser' } });
    // The generator's derivation and every object's are the build's own; the program, linked by nixmake from
    // its objects' outputs, is another derivation with the same bytes.
    const drvs = await exportDrvs(dir);
    expectSameDerivations(drvs, builtDrvs(built.events), ['link:calc']);
    expect(Object.keys(drvs)).toContain('gen:parser');
    expect(await toBuild(dir, 'all')).toEqual(['calc.drv']);
    const first = await spawnAsync('nix-build', [path.join(dir, 'nixmake-export'), '-A', 'calc', '-o', path.join(dir, 'result-export'), ...NO_IFD]);
    expect(first.code, first.stderr).toBe(0);
    expect(run(path.join(dir, 'result-export/bin/calc'), ['1+2*3']).stdout).toBe('9\n');
    expect(fs.readFileSync(path.join(dir, 'result-export/bin/calc')).equals(fs.readFileSync(path.join(builtOuts(built.events)['link:calc'] ?? '', 'bin/calc')))).toBe(true);

    // A grammar edit, without exporting again: bison reruns, and every object that reads one of its outputs
    // recompiles (stock Nix has no early cutoff: lex.c reads an unchanged calc.tab.h); main.c does not.
    fs.writeFileSync(path.join(dir, 'src/calc.y'), grammar.replace('{ $$ = $1 * $3; }', () => '{ $$ = $1 * $3 + 1; }'));
    expect(await toBuild(dir, 'all')).toEqual(['calc.drv', 'calc.tab.c.o.drv', 'lex.c.o.drv', 'parser-generated.drv']);
    const edited = await spawnAsync('nix-build', [path.join(dir, 'nixmake-export'), '-A', 'calc', '-o', path.join(dir, 'result-export'), ...NO_IFD]);
    expect(edited.code, edited.stderr).toBe(0);
    expect(run(path.join(dir, 'result-export/bin/calc'), ['1+2*3']).stdout).toBe('10\n');
    // Its includes are unchanged: the export is current (--check reruns the generator to see them).
    expect(nixmake(['export', '-C', dir, '--check']).code).toBe(0);

    // A grammar whose parser header now includes a project header: the locked closure is stale, --check says so.
    fs.writeFileSync(path.join(dir, 'src/extra.h'), '#define EXTRA 1\n');
    fs.writeFileSync(path.join(dir, 'src/calc.y'), grammar.replace('%token NUM', '%code requires { #include "extra.h" }\n%token NUM'));
    const stale = nixmake(['export', '-C', dir, '--check']);
    expect(stale.code, stale.stderr).toBe(1);
    expect(stale.stderr).toContain('nixmake-lock.json differs');
    expect(nixmake(['export', '-C', dir]).code).toBe(0);
    const again = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake-export/nixmake-lock.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    expect(again['objects']?.['obj:calc:src/lex.c']?.['headers']).toEqual(['src/calc.tab.h', 'src/extra.h']);
    const rebuilt = await spawnAsync('nix-build', [path.join(dir, 'nixmake-export'), '-A', 'calc', '-o', path.join(dir, 'result-export'), ...NO_IFD]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
  });

  it('a program the project builds, run by a generator: the tool comes from its link derivation', async () => {
    const nonce = `n${Date.now()}${process.pid}`;
    const dir = project({
      'nixmake.json': JSON.stringify({
        generators: { table: { command: ['mktable', '5'], tools: ['mktable'], stdout: 'gen/table.h', outputs: ['gen/table.h'] } },
        targets: {
          mktable: { type: 'executable', sources: ['tools/mktable.c'] },
          app: { type: 'executable', sources: ['src/app.c'], includeDirs: ['gen'] },
        },
      }),
      'tools/mktable.c':
        '#include <stdio.h>\n#include <stdlib.h>\nint main(int argc, char **argv) {\n  int n = argc > 1 ? atoi(argv[1]) : 0;\n' +
        '  printf("#define NSQUARES %d\\nstatic const int squares[] = {", n);\n  for (int i = 0; i < n; i++) printf("%d,", i * i);\n  printf("};\\n");\n  return 0;\n}\n' + `/* ${nonce} */\n`,
      'src/app.c': '#include <stdio.h>\n#include "table.h"\nint main(void) { int s = 0; for (int i = 0; i < NSQUARES; i++) s += squares[i]; printf("%d\\n", s); return 0; }\n' + `/* ${nonce} */\n`,
    });
    // Exported before any build: export runs the generator (and links its tool) itself.
    const ex = nixmake(['export', '-C', dir]);
    expect(ex.code, ex.stderr).toBe(0);
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake-export/nixmake-lock.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    expect(lock['generators']?.['table']).toMatchObject({ tools: ['mktable'], outputs: ['gen/table.h'] });
    expect(await toBuild(dir, 'app')).toEqual(['app.c.o.drv', 'app.drv']);
    const built = await buildAsync(dir);
    expect(built.code, built.stderr).toBe(0);
    // The tool is pinned (the generator's derivation names it): the same derivations but app's.
    expectSameDerivations(await exportDrvs(dir), builtDrvs(built.events), ['link:app']);
    const out = await spawnAsync('nix-build', [path.join(dir, 'nixmake-export'), '-A', 'app', '-o', path.join(dir, 'result-export'), ...NO_IFD]);
    expect(out.code, out.stderr).toBe(0);
    expect(run(path.join(dir, 'result-export/bin/app'), []).stdout).toBe('30\n');

    // An edit to the tool relinks it, reruns the generator and recompiles the TU that reads its header.
    fs.appendFileSync(path.join(dir, 'tools/mktable.c'), '/* edited */\n');
    expect(await toBuild(dir, 'app')).toEqual(['app.c.o.drv', 'app.drv', 'mktable.c.o.drv', 'mktable.drv', 'table-generated.drv']);
  });
});

describe('nixmake export --patch', () => {
  it('patches each file on its own: a patch to one .c rebuilds that object and the link above it, as a build of the patched tree would', async () => {
    const nonce = `n${Date.now()}${process.pid}`;
    const dir = project({
      'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
      'src/util.h': 'int twice(int);\nint thrice(int);\n',
      'src/main.c': `#include <stdio.h>\n#include "util.h"\n/* ${nonce} */\nint main(void) { printf("%d %d\\n", twice(3), thrice(3)); return 0; }\n`,
      'src/twice.c': `#include "util.h"\n/* ${nonce} */\nint twice(int x) {\n  return 2 * x;\n}\n`,
      'src/thrice.c': `#include "util.h"\n/* ${nonce} */\nint thrice(int x) {\n  return 3 * x;\n}\n`,
    });
    git(dir, 'init', '-q');
    git(dir, 'add', 'nixmake.json', 'src');
    expect(nixmake(['export', '-C', dir]).code).toBe(0);
    const plain = await spawnAsync('nix-build', [path.join(dir, 'nixmake-export'), '-A', 'app', '-o', path.join(dir, 'result-export'), ...NO_IFD]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(run(path.join(dir, 'result-export/bin/app'), []).stdout).toBe('6 9\n');

    // A patch as git writes it, touching one .c; the project itself is left as it is.
    fs.writeFileSync(
      path.join(dir, 'fix.patch'),
      ['diff --git a/src/twice.c b/src/twice.c', '--- a/src/twice.c', '+++ b/src/twice.c', '@@ -3,3 +3,3 @@', ' int twice(int x) {', '-  return 2 * x;', '+  return 2 * x + 100;', ' }', ''].join('\n'),
    );
    const ex = nixmake(['export', '-C', dir, '--patch', 'fix.patch']);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('patched src/twice.c');
    expect(fs.readFileSync(path.join(dir, 'src/twice.c'), 'utf8')).toContain('return 2 * x;');
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake-export/nixmake-lock.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(lock['patches']).toEqual({ 'fix.patch': ['src/twice.c'] });
    expect(lock['files']).toMatchObject({ 'src/twice.c': 'copied', 'src/thrice.c': 'project' });
    expect(await toBuild(dir, 'all')).toEqual(['app.drv', 'twice.c.o.drv']);
    const patched = await spawnAsync('nix-build', [path.join(dir, 'nixmake-export'), '-A', 'app', '-o', path.join(dir, 'result-export'), ...NO_IFD]);
    expect(patched.code, patched.stderr).toBe(0);
    expect(run(path.join(dir, 'result-export/bin/app'), []).stdout).toBe('106 9\n');
    expect(nixmake(['export', '-C', dir, '--patch', 'fix.patch', '--check']).code).toBe(0);
    // Without the patch the export is stale.
    expect(nixmake(['export', '-C', dir, '--check']).code).toBe(1);

    // The derivations are those nixmake builds from the tree patched in place.
    git(dir, 'apply', 'fix.patch');
    const built = await buildAsync(dir);
    expect(built.code, built.stderr).toBe(0);
    expectSameDerivations(await exportDrvs(dir), builtDrvs(built.events), ['link:app']);
    git(dir, 'checkout', 'src/twice.c');

    // A patch that does not apply names itself and its hunk's line; nothing is written.
    fs.writeFileSync(path.join(dir, 'stale.patch'), ['--- src/thrice.c', '+++ src/thrice.c', '@@ -3,3 +3,3 @@', ' int thrice(int x) {', '-  return 4 * x;', '+  return 5 * x;', ' }', ''].join('\n'));
    const bad = nixmake(['export', '-C', dir, '--patch', 'stale.patch']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('stale.patch:3: error: src/thrice.c: hunk at line 3 does not apply');
  });
});

