/**
 * Generator nodes through the daemon: a bison grammar (bison and m4 from
 * `hostPackages`) whose parser .c and .h a program compiles; a program the
 * project builds and then runs to write a header; what an edit reruns and
 * recompiles, and early cutoff when the output regenerates identical.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, nixmake, run, useTempProjects } from '../helpers/project.js';
import { GRAMMAR } from '../helpers/calcGrammar.js';

const project = useTempProjects(afterEach);
const installed = (pkg: string): boolean => spawnSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', pkg], { encoding: 'utf8' }).stdout.startsWith('ii');
const HAS_BISON = installed('bison') && installed('m4');
const HAS_M4 = installed('m4');
const HAS_BEAR = HAS_BISON && installed('bear') && installed('make');

type Events = Record<string, unknown>[];
const built = (events: Events, kind: string): string[] =>
  events.filter((e) => e['event'] === 'node-built' && e['kind'] === kind).map((e) => String(e['label'])).sort();
const generatorsBuilt = (events: Events): unknown => events.find((e) => e['event'] === 'summary')?.['generators_built'];


const calc = (): Record<string, string> => ({
  'nixmake.json': JSON.stringify({
    hostPackages: ['bison', 'm4'],
    generators: {
      parser: {
        command: ['bison', '-d', '-o', 'src/calc.tab.c', 'src/calc.y'],
        inputs: ['src/calc.y'],
        outputs: ['src/calc.tab.c', 'src/calc.tab.h'],
      },
    },
    targets: { calc: { type: 'executable', sources: ['src/*.c'] } },
  }),
  'src/calc.y': GRAMMAR,
  'src/lex.c': `#include "calc.tab.h"
static const char *p;
void lex_init(const char *s) { p = s; }
int yylex(void) {
  while (*p == ' ') p++;
  if (*p >= '0' && *p <= '9') { int v = 0; while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0'); yylval = v; return NUM; }
  return *p ? *p++ : 0;
}
`,
  'src/main.c': `#include <stdio.h>
void lex_init(const char *);
int yyparse(void);
extern int result;
int main(int argc, char **argv) { lex_init(argc > 1 ? argv[1] : "1+2*3"); if (yyparse()) return 1; printf("%d\\n", result); return 0; }
`,
});

describe.skipIf(!HAS_BISON)(`a bison grammar${HAS_BISON ? '' : ' (SKIPPED: bison or m4 not installed)'}`, () => {
  it('generates the parser the program compiles; a grammar edit reruns bison and recompiles only what reads changed output; identical output stops there', () => {
    const dir = project(calc());
    const first = build(dir);
    expect(first.code, first.stderr).toBe(0);
    expect(built(first.events, 'generate')).toEqual(['parser']);
    expect(built(first.events, 'object')).toEqual(['src/calc.tab.c', 'src/lex.c', 'src/main.c']);
    expect(generatorsBuilt(first.events)).toBe(1);
    const gen = first.events.find((e) => e['event'] === 'node-built' && e['kind'] === 'generate') as Record<string, unknown>;
    expect(gen['drv']).toMatch(/^\/nix\/store\/[0-9a-z]{32}-parser-generated\.drv$/);
    expect(fs.readFileSync(`${String(gen['out'])}/src/calc.tab.h`, 'utf8')).toContain('NUM');
    expect(run(path.join(dir, 'result-calc/bin/calc'), ['1+2*3']).stdout).toBe('9\n');
    // Nothing is written into the project: the generated files live in the store.
    expect(fs.existsSync(path.join(dir, 'src/calc.tab.c'))).toBe(false);
    expect(build(dir).counts).toMatchObject({ submitted: 0, objects_built: 0, failed: 0 });
    // The no-op stamp answers the next build; it records the grammar, so the edit below is seen.
    expect(build(dir).events.find((e) => e['event'] === 'analysis')?.['noop_stamp']).toBe(true);

    // An action changes: the parser's .c changes, its header does not (lex.c is not recompiled).
    fs.writeFileSync(path.join(dir, 'src/calc.y'), GRAMMAR.replace('{ $$ = $1 * $3; }', () => '{ $$ = $1 * $3 + 1; }'));
    const edit = build(dir, '--explain');
    expect(edit.code, edit.stderr).toBe(0);
    expect(built(edit.events, 'generate')).toEqual(['parser']);
    expect(edit.events.find((e) => e['event'] === 'node-planned' && e['kind'] === 'generate')?.['reason']).toBe('source-changed');
    expect(built(edit.events, 'object')).toEqual(['src/calc.tab.c']);
    expect(built(edit.events, 'link')).toEqual(['calc']);
    // With generators no build starts from a baseline (their outputs are files in the store, not the project's).
    expect(edit.events.filter((e) => e['event'] === 'analysis').every((e) => e['baseline'] === undefined)).toBe(true);
    expect(run(path.join(dir, 'result-calc/bin/calc'), ['1+2*3']).stdout).toBe('10\n');

    // A comment in the declarations: bison reruns, its output is byte for byte the same, nothing else is built.
    fs.writeFileSync(path.join(dir, 'src/calc.y'), GRAMMAR.replace('{ $$ = $1 * $3; }', () => '{ $$ = $1 * $3 + 1; }').replace('%token NUM', '%token NUM /* a number */'));
    const same = build(dir);
    expect(same.code, same.stderr).toBe(0);
    expect(built(same.events, 'generate')).toEqual(['parser']);
    expect(same.counts).toMatchObject({ objects_built: 0, links_built: 0, failed: 0, submitted: 1 });
    expect(run(path.join(dir, 'result-calc/bin/calc'), ['2*3+4']).stdout).toBe('11\n');
  });
});

describe('a program the project builds, run to generate a header', () => {
  const tree = (): Record<string, string> => ({
    'nixmake.json': JSON.stringify({
      generators: {
        table: { command: ['mktable', '5'], tools: ['mktable'], stdout: 'gen/table.h', outputs: ['gen/table.h'] },
      },
      targets: {
        mktable: { type: 'executable', sources: ['tools/mktable.c'] },
        app: { type: 'executable', sources: ['src/app.c'], includeDirs: ['gen'] },
      },
    }),
    'tools/mktable.c': `#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 0;
  printf("#define NSQUARES %d\\nstatic const int squares[] = {", n);
  for (int i = 0; i < n; i++) printf("%d,", i * i);
  printf("};\\n");
  return 0;
}
`,
    'src/app.c': `#include <stdio.h>
#include "table.h"
int main(void) { int s = 0; for (int i = 0; i < NSQUARES; i++) s += squares[i]; printf("%d\\n", s); return 0; }
`,
  });

  it('links the tool, runs it in the sandbox, and the TU that includes its header depends on it', () => {
    const dir = project(tree());
    const first = build(dir);
    expect(first.code, first.stderr).toBe(0);
    expect(built(first.events, 'link')).toEqual(['app', 'mktable']);
    expect(built(first.events, 'generate')).toEqual(['table']);
    // The tool is linked before the generator runs, the generator before the TU that reads its output compiles.
    const order = first.events.filter((e) => e['event'] === 'node-built').map((e) => String(e['node']));
    expect(order.indexOf('link:mktable')).toBeLessThan(order.indexOf('gen:table'));
    expect(order.indexOf('gen:table')).toBeLessThan(order.indexOf('obj:app:src/app.c'));
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('30\n');
    const deps = nixmake(['build', '--json', '--dry-run', '-C', dir]);
    expect(deps.code).toBe(0);

    // A comment in the tool: recompiled, the link cut off, and so the generator: nothing else.
    fs.appendFileSync(path.join(dir, 'tools/mktable.c'), '/* a comment */\n');
    const comment = build(dir);
    expect(comment.code, comment.stderr).toBe(0);
    expect(comment.counts).toMatchObject({ objects_built: 1, links_built: 0, cut_off: 2, failed: 0 });
    expect(comment.events.filter((e) => e['event'] === 'node-cutoff').map((e) => e['label']).sort()).toEqual(['mktable', 'table']);

    // The generator's arguments change: it reruns, app.c is recompiled (its header changed) and relinked.
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as { generators: { table: { command: string[] } } };
    cfg.generators.table.command = ['mktable', '6'];
    fs.writeFileSync(path.join(dir, 'nixmake.json'), JSON.stringify(cfg));
    const more = build(dir, '--explain');
    expect(more.code, more.stderr).toBe(0);
    expect(built(more.events, 'generate')).toEqual(['table']);
    expect(more.events.find((e) => e['event'] === 'node-planned' && e['node'] === 'obj:app:src/app.c')?.['reason']).toBe('header-changed: gen/table.h');
    expect(built(more.events, 'object')).toEqual(['src/app.c']);
    expect(built(more.events, 'link')).toEqual(['app']);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('55\n');
    expect(build(dir).counts).toMatchObject({ submitted: 0, failed: 0 });
  });

  it('a tool whose sources read its own generator\'s output is refused before anything is built, naming both', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({
        generators: { table: { command: ['mk'], tools: ['mk'], stdout: 'gen/table.h', outputs: ['gen/table.h'] } },
        targets: { mk: { type: 'executable', sources: ['tools/mk.c'], includeDirs: ['gen'] } },
      }),
      'tools/mk.c': '#include "table.h"\nint main(void) { return 0; }\n',
    });
    const r = build(dir);
    expect(r.code).toBe(1);
    expect(r.events.filter((e) => e['event'] === 'node-started')).toEqual([]);
    expect(r.events.filter((e) => e['event'] === 'diagnostic').map((e) => e['message'])).toEqual([
      'tools/mk.c (target mk) reads gen/table.h, an output of generator table, which cannot run before mk is built (it runs mk, or a program that needs it)',
    ]);
  });

  it('fails the generator, naming the output it did not write', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({
        generators: { broken: { command: ['gcc', '--version'], outputs: ['gen/x.h'] } },
        targets: { app: { type: 'executable', sources: ['src/app.c'] } },
      }),
      'src/app.c': 'int main(void) { return 0; }\n',
    });
    const r = build(dir);
    expect(r.code).toBe(1);
    const failed = r.events.find((e) => e['event'] === 'node-failed');
    expect(failed?.['kind']).toBe('generate');
    expect(String(failed?.['log'])).toContain('the program did not write gen/x.h');
    // Its log is kept, under the generator's name.
    const log = nixmake(['log', '-C', dir, 'broken']);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toContain('the program did not write gen/x.h');
  });
});

describe.skipIf(!HAS_M4)(`generators in a chain${HAS_M4 ? '' : ' (SKIPPED: m4 not installed)'}`, () => {
  it('a generator whose input is another generator\'s output runs after it, on that output', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({
        hostPackages: ['m4'],
        generators: {
          second: { command: ['m4', '-DSCALE=10', 'gen/v.h.in'], inputs: ['gen/*.in'], stdout: 'gen/v.h', outputs: ['gen/v.h'] },
          first: { command: ['m4', 'src/v.m4'], inputs: ['src/v.m4'], stdout: 'gen/v.h.in', outputs: ['gen/v.h.in'] },
        },
        targets: { app: { type: 'executable', sources: ['src/*.c'], includeDirs: ['gen'] } },
      }),
      'src/v.m4': "changecom()dnl\ndefine(`VALUE', 4)dnl\n`changecom()dnl'\n#define V VALUE*SCALE\n",
      'src/app.c': '#include <stdio.h>\n#include "v.h"\nint main(void) { printf("%d\\n", V); return 0; }\n',
    });
    const r = build(dir);
    expect(r.code, r.stderr).toBe(0);
    const order = r.events.filter((e) => e['event'] === 'node-built').map((e) => String(e['node']));
    expect(order.slice(0, 2)).toEqual(['gen:first', 'gen:second']);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('40\n');
    fs.writeFileSync(path.join(dir, 'src/v.m4'), fs.readFileSync(path.join(dir, 'src/v.m4'), 'utf8').replace('4)', '5)'));
    const edit = build(dir);
    expect(built(edit.events, 'generate')).toEqual(['first', 'second']);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('50\n');
  });
});

describe.skipIf(!HAS_M4)(`a tool that reads a generated header${HAS_M4 ? '' : ' (SKIPPED: m4 not installed)'}`, () => {
  it('is built in the round after that header\'s generator, and runs in the next', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({
        hostPackages: ['m4'],
        generators: {
          config: { command: ['m4', 'src/config.h.m4'], inputs: ['src/config.h.m4'], stdout: 'gen/config.h', outputs: ['gen/config.h'] },
          table: { command: ['mk'], tools: ['mk'], stdout: 'gen/table.h', outputs: ['gen/table.h'] },
        },
        includeDirs: ['gen'],
        targets: { mk: { type: 'executable', sources: ['tools/mk.c'] }, app: { type: 'executable', sources: ['src/app.c'] } },
      }),
      'src/config.h.m4': "define(`COUNT', 4)dnl\nenum { N = COUNT };\n",
      'tools/mk.c': '#include <stdio.h>\n#include "config.h"\nint main(void) { printf("static const int sq[] = {"); for (int i = 0; i < N; i++) printf("%d,", i * i); printf("};\\n"); return 0; }\n',
      'src/app.c': '#include <stdio.h>\n#include "config.h"\n#include "table.h"\nint main(void) { int s = 0; for (int i = 0; i < N; i++) s += sq[i]; printf("%d\\n", s); return 0; }\n',
    });
    const r = build(dir);
    expect(r.code, r.stderr).toBe(0);
    const order = r.events.filter((e) => e['event'] === 'node-built').map((e) => String(e['node']));
    expect(order).toEqual(['gen:config', 'obj:mk:tools/mk.c', 'link:mk', 'gen:table', 'obj:app:src/app.c', 'link:app']);
    expect(r.events.filter((e) => e['event'] === 'analysis')).toHaveLength(3);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('14\n');
    expect(build(dir).counts).toMatchObject({ submitted: 0, failed: 0 });

    // COUNT changes: config reruns, the tool is recompiled and relinked, table reruns, app follows.
    fs.writeFileSync(path.join(dir, 'src/config.h.m4'), "define(`COUNT', 5)dnl\nenum { N = COUNT };\n");
    const edit = build(dir);
    expect(edit.code, edit.stderr).toBe(0);
    expect(edit.events.filter((e) => e['event'] === 'node-built').map((e) => String(e['node']))).toEqual(['gen:config', 'obj:mk:tools/mk.c', 'link:mk', 'gen:table', 'obj:app:src/app.c', 'link:app']);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('30\n');
  });
});

describe.skipIf(!HAS_BEAR)(`init records a bison run${HAS_BEAR ? '' : ' (SKIPPED: bear, make or bison not installed)'}`, () => {
  it('from make -j2 (which may run it twice), as one generator with its outputs named; the generated files may then be deleted', () => {
    const files = calc();
    const dir = project({
      'src/calc.y': files['src/calc.y'] as string,
      'src/lex.c': files['src/lex.c'] as string,
      'src/main.c': files['src/main.c'] as string,
      // Two targets of one recipe: at -j2 make may run bison for each. bison runs in src/, its outputs implied.
      Makefile: [
        'calc: src/main.o src/calc.tab.o src/lex.o',
        '\tgcc -o $@ $^',
        'src/calc.tab.c src/calc.tab.h: src/calc.y',
        '\tcd src && bison -d calc.y',
        'src/lex.o: src/lex.c src/calc.tab.h',
        '\tgcc -O1 -c -o $@ src/lex.c',
        'src/calc.tab.o: src/calc.tab.c',
        '\tgcc -O1 -c -o $@ src/calc.tab.c',
        'src/main.o: src/main.c',
        '\tgcc -O1 -c -o $@ src/main.c',
        'clean:',
        '\trm -f calc src/*.o src/calc.tab.c src/calc.tab.h',
        '',
      ].join('\n'),
    });
    const init = nixmake(['init', '-C', dir, '--', 'make', '-j2']);
    expect(init.code, init.stderr + init.stdout).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as { hostPackages: string[]; generators: Record<string, unknown> };
    expect(config.generators).toEqual({
      'parser-calc': {
        command: ['bison', '-o', 'src/calc.tab.c', '--defines=src/calc.tab.h', 'src/calc.y'],
        inputs: ['src/calc.y'],
        outputs: ['src/calc.tab.c', 'src/calc.tab.h'],
      },
    });
    expect(config.hostPackages).toEqual(expect.arrayContaining(['bison', 'm4']));
    expect(spawnSync('make', ['clean'], { cwd: dir }).status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'src/calc.tab.c'))).toBe(false);
    const r = build(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(built(r.events, 'generate')).toEqual(['parser-calc']);
    expect(run(path.join(dir, 'result-calc/bin/calc'), ['2+3*4']).stdout).toBe('20\n');
  });
});
