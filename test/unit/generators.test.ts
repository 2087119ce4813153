import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expandSources } from '../../config/expandSources.js';
import { expandGeneratorInputs } from '../../config/expandGeneratorInputs.js';
import { parseConfig } from '../../config/parseConfig.js';
import { matchGlob } from '../../config/matchGlob.js';
import { buildGraph, nodesInOrder } from '../../engine/BuildGraph.js';
import type { TuClosure } from '../../analyzers/includeClosure.js';
import { generatorDerivation } from '../../engine/derivations.js';
import type { Toolchain } from '../../toolchain/Toolchain.js';
import { hashPlaceholder } from '../../store/storePath.js';
import { parseBison, recordGenerators } from '../../init/recordGenerators.js';
import type { Exec } from '../../init/readInterceptLog.js';

const parse = (v: unknown) => parseConfig(JSON.stringify(v), '/p');
const errors = (v: unknown): string[] => {
  const r = parse(v);
  return r.ok ? [] : r.errors.map((e) => `${e.jsonPath}: ${e.message}`);
};
const targets = { app: { type: 'executable', sources: ['src/*.c'] }, lib: { type: 'static-library', sources: ['lib/*.c'] } };

describe('generators in nixmake.json', () => {
  it('reads command, inputs, outputs (normalised), stdout, tools and env', () => {
    const r = parse({
      targets,
      generators: { table: { command: ['mk', '5'], inputs: ['data/*.txt'], outputs: ['./gen/t.h', 'gen/t.c'], stdout: 'gen/t.h', tools: ['app'], env: { LC_ALL: 'C' } } },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.generators.get('table')).toEqual({ name: 'table', command: ['mk', '5'], inputs: ['data/*.txt'], outputs: ['gen/t.h', 'gen/t.c'], stdout: 'gen/t.h', tools: ['app'], env: { LC_ALL: 'C' } });
    expect(parse({ targets }).ok && parse({ targets }).ok).toBe(true);
  });

  it('names every mistake at its JSON path', () => {
    expect(
      errors({
        targets,
        generators: {
          a: { command: [], outputs: ['../x.h', 'gen/*.h', 'gen/y.h'], stdout: 'gen/z.h', tools: ['lib', 'ghost'], env: { PATH: '/usr/bin', 'A-B': 'x' }, extra: 1 },
          b: { command: ['x'], outputs: ['gen/y.h'], inputs: ['/etc/passwd'] },
          c: { command: ['x'] },
        },
      }),
    ).toEqual([
      'generators.a.extra: unknown field "extra" (expected one of: command, inputs, outputs, stdout, tools, env)',
      'generators.a.command: missing: the program to run and its arguments, e.g. ["bison", "-d", "-o", "src/parse.c", "src/parse.y"]',
      'generators.a.outputs[0]: "../x.h" must be a file inside the project, relative to its root (no globs)',
      'generators.a.outputs[1]: "gen/*.h" must be a file inside the project, relative to its root (no globs)',
      'generators.a.stdout: "gen/z.h" must be one of this generator\'s outputs',
      'generators.a.tools[0]: "lib" is a static-library; a tool is an executable target whose program the command runs',
      'generators.a.tools[1]: unknown target "ghost"',
      'generators.a.env.PATH: "PATH" is set by nixmake (PATH holds the toolchain, the host packages and the tools)',
      'generators.a.env["A-B"]: "A-B" is not a variable name',
      'generators.b.inputs[0]: "/etc/passwd" must be a glob inside the project, relative to its root',
      'generators.b.outputs[0]: "gen/y.h" is also an output of generator "a"',
      'generators.c.outputs: missing: the files the command writes, relative to the project root',
    ]);
  });
});

describe('matchGlob', () => {
  it('matches generated names as fast-glob matches files', () => {
    expect(matchGlob('src/parse.tab.c', 'src/*.c')).toBe(true);
    expect(matchGlob('src/sub/parse.c', 'src/*.c')).toBe(false);
    expect(matchGlob('src/sub/parse.c', 'src/**/*.c')).toBe(true);
    expect(matchGlob('src/parse.c', 'src/**/*.c')).toBe(true);
    expect(matchGlob('src/parse.c', './src/{parse,lex}.c')).toBe(true);
    expect(matchGlob('src/parse.h', 'src/*.[ch]')).toBe(true);
    expect(matchGlob('src/parse.o', 'src/*.[!o]')).toBe(false);
    expect(matchGlob('src/p.c', 'src/?.c')).toBe(true);
    expect(matchGlob('srcXp.c', 'src.p.c')).toBe(false);
  });
});

describe('generate nodes in the graph', () => {
  const closure = (tu: string, headers: string[]): TuClosure => ({ tu, headers, system: [], notes: [], probedDirs: [], unresolvedComputed: false }) as unknown as TuClosure;

  it('come after their tools and before the objects that read their outputs; objects name the generator of each generated input', () => {
    const r = parse({
      generators: { parser: { command: ['bison', 'src/p.y'], outputs: ['src/p.c', 'src/p.h'], tools: ['mk'] } },
      targets: { mk: { type: 'executable', sources: ['tools/mk.c'] }, app: { type: 'executable', sources: ['src/*.c'] } },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const sources = new Map([['mk', ['tools/mk.c']], ['app', ['src/main.c', 'src/p.c']]]);
    const closures = new Map([
      ['obj:mk:tools/mk.c', closure('tools/mk.c', [])],
      ['obj:app:src/main.c', closure('src/main.c', ['src/p.h'])],
      ['obj:app:src/p.c', closure('src/p.c', ['src/p.h'])],
    ]);
    const graph = buildGraph(r.value, sources, closures, new Map([['parser', { files: ['src/p.y'], generated: [] }]]));
    expect(graph.objects.get('obj:app:src/main.c')?.generated).toEqual(new Map([['src/p.h', 'gen:parser']]));
    expect(graph.objects.get('obj:app:src/p.c')?.generated).toEqual(new Map([['src/p.c', 'gen:parser'], ['src/p.h', 'gen:parser']]));
    expect(graph.generators.get('gen:parser')).toMatchObject({ inputs: ['src/p.y'], tools: ['link:mk'] });
    expect(nodesInOrder(graph).map((n) => n.key)).toEqual(['obj:mk:tools/mk.c', 'link:mk', 'gen:parser', 'obj:app:src/main.c', 'obj:app:src/p.c', 'link:app']);
  });

  it('a generator whose tool reads its own output is a cycle', () => {
    const r = parse({
      generators: { g: { command: ['mk'], outputs: ['gen/x.h'], tools: ['mk'] } },
      targets: { mk: { type: 'executable', sources: ['tools/mk.c'] } },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const graph = buildGraph(r.value, new Map([['mk', ['tools/mk.c']]]), new Map([['obj:mk:tools/mk.c', closure('tools/mk.c', ['gen/x.h'])]]));
    expect(() => nodesInOrder(graph)).toThrow('cycle between build nodes: gen:g -> link:mk -> obj:mk:tools/mk.c -> gen:g');
  });
});

describe('generatorDerivation', () => {
  it('lays out inputs, runs the command with the tools first on PATH and the host packages\' tool environment, and collects the outputs', () => {
    const tc = { system: 'x86_64-linux', id: 'tc', path: ['/nix/store/gcc/bin'], storePaths: ['/nix/store/gcc'], cflags: [], ldflags: [], toolEnv: { M4: '/nix/store/pkgs/usr/bin/m4' } } as unknown as Toolchain;
    const ref = (n: string) => ({ drvPath: `/nix/store/${n}.drv`, hashModulo: n, out: `/nix/store/${n}` });
    const spec = generatorDerivation(
      { kind: 'generate', key: 'gen:t', generator: 't', command: ['mk', '5'], env: { LC_ALL: 'C' }, outputs: ['gen/t.h'], stdout: 'gen/t.h', inputs: ['data/a.txt'], generated: [], tools: ['link:mk'] },
      new Map([['data/a.txt', '/nix/store/aaa-nixmake-input']]),
      new Map([['gen/base.h', ref('base')]]),
      [ref('mk')],
      ref('builder'),
      tc,
    );
    const OUT = hashPlaceholder('out');
    expect(spec.name).toBe('t-generated');
    expect(spec.args).toEqual(['--workdir', '/build/src', '--ln', '/nix/store/aaa-nixmake-input', 'data/a.txt', '--ln', '/nix/store/base/gen/base.h', 'gen/base.h', '--mkdir', 'gen', '--stdout', 'gen/t.h', '--collect', 'gen/t.h', `${OUT}/gen/t.h`, '--', 'mk', '5']);
    expect(spec.env).toMatchObject({ PATH: '/nix/store/mk/bin:/nix/store/gcc/bin', M4: '/nix/store/pkgs/usr/bin/m4', LC_ALL: 'C' });
    expect(Object.keys(spec.inputDrvs).sort()).toEqual(['/nix/store/base.drv', '/nix/store/builder.drv', '/nix/store/mk.drv']);
    expect(spec.inputSrcs).toEqual(['/nix/store/gcc', '/nix/store/aaa-nixmake-input']);
  });
});

describe('generated files as sources and generator inputs', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const tree = (files: Record<string, string>): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-gen-'));
    dirs.push(dir);
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    return dir;
  };
  const config = (dir: string, v: unknown) => {
    const r = parseConfig(JSON.stringify(v), dir);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.value;
  };

  it('a target\'s globs match generated sources that are not on disk; a stale copy on disk is not a second TU', () => {
    const dir = tree({ 'src/main.c': '', 'src/parse.c': '/* stale */', 'src/p.y': '' });
    const c = config(dir, {
      generators: { p: { command: ['bison', 'src/p.y'], inputs: ['src/*.y'], outputs: ['src/parse.c', 'src/parse.h', 'gen/t.c'] } },
      targets: { app: { type: 'executable', sources: ['src/*.c', 'gen/*.c', '!src/x*.c'] }, only: { type: 'executable', sources: ['gen/t.c'] } },
    });
    const r = expandSources(c);
    expect(r.ok && Object.fromEntries(r.value)).toEqual({ app: ['gen/t.c', 'src/main.c', 'src/parse.c'], only: ['gen/t.c'] });
    const ins = expandGeneratorInputs(c);
    expect(ins.ok && Object.fromEntries(ins.value)).toEqual({ p: { files: ['src/p.y'], generated: [] } });
  });

  it('generator inputs: other generators\' outputs, nothing matched, their own outputs, cycles', () => {
    const dir = tree({ 'data/a.txt': '' });
    const ok = expandGeneratorInputs(config(dir, {
      generators: { a: { command: ['x'], inputs: ['data/*.txt'], outputs: ['gen/a.h'] }, b: { command: ['x'], inputs: ['gen/*.h'], outputs: ['gen/b.c'] } },
      targets,
    }));
    expect(ok.ok && ok.value.get('b')).toEqual({ files: [], generated: [['gen/a.h', 'a']] });
    const bad = expandGeneratorInputs(config(dir, {
      generators: {
        a: { command: ['x'], inputs: ['gen/b.h'], outputs: ['gen/a.h'] },
        b: { command: ['x'], inputs: ['gen/a.h', 'gen/b.h', 'nothing/*.c'], outputs: ['gen/b.h'] },
      },
      targets,
    }));
    expect(bad.ok ? [] : bad.errors.map((e) => `${e.jsonPath}: ${e.message}`)).toEqual([
      'generators.b.inputs[1]: "gen/b.h" matches "gen/b.h", an output of this very generator',
      'generators.b.inputs[2]: "nothing/*.c" matches no file',
      'generators.b.inputs: cycle between generators: a -> b -> a',
    ]);
  });
});

describe('recordGenerators (init)', () => {
  const exec = (pid: number, ppid: number, argv: string[], cwd: string, order: number): Exec => ({ rid: String(pid), pid, ppid, executable: `/usr/bin/${argv[0]}`, argv, cwd, status: 0, order });

  it('names the outputs bison\'s arguments imply, relative to the root; yacc becomes bison -y, its own bison child and a second run are the same generator', () => {
    expect(parseBison(['bison', '-d', 'x.y'], '/p/src')).toEqual({ input: '/p/src/x.y', parser: '/p/src/x.tab.c', header: '/p/src/x.tab.h', kept: [] });
    expect(parseBison(['bison', '-v', '-p', 'zz', '--defines=inc/g.h', '-ogram.cc', 'g.yy'], '/p')).toEqual({ input: '/p/g.yy', parser: '/p/gram.cc', header: '/p/inc/g.h', kept: ['-v', '-p', 'zz'] });
    expect(parseBison(['yacc', '-d', 'g.y'], '/p')).toMatchObject({ parser: '/p/y.tab.c', header: '/p/y.tab.h', kept: ['-y'] });
    expect(parseBison(['bison', '-b', 'pre', '-d', 'g.yy'], '/p')).toMatchObject({ parser: '/p/pre.tab.cc', header: '/p/pre.tab.hh' });
    const r = recordGenerators(
      [
        exec(10, 1, ['yacc', '-d', 'gram.y'], '/p/src', 0),
        exec(11, 10, ['bison', '-y', '-d', 'gram.y'], '/p/src', 1),
        exec(12, 1, ['bison', '-d', 'calc.y'], '/p', 2),
        exec(13, 1, ['bison', '-d', 'calc.y'], '/p', 3),
        exec(14, 1, ['bison', 'unused.y'], '/p', 4),
      ],
      '/p',
      new Set(['/p/src/y.tab.c', '/p/calc.tab.c']),
    );
    expect(r.generators).toEqual({
      'parser-gram': { command: ['bison', '-y', '-o', 'src/y.tab.c', '--defines=src/y.tab.h', 'src/gram.y'], inputs: ['src/gram.y'], outputs: ['src/y.tab.c', 'src/y.tab.h'] },
      'parser-calc': { command: ['bison', '-o', 'calc.tab.c', '--defines=calc.tab.h', 'calc.y'], inputs: ['calc.y'], outputs: ['calc.tab.c', 'calc.tab.h'] },
    });
    expect(r.hostPackages).toEqual(['bison', 'm4']);
    expect(r.notes).toEqual(['bison unused.y: no compile of the build read unused.tab.c; left out of generators']);
  });
});
