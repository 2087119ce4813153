/**
 * The synthetic project generator, checked on the text it writes (parsed
 * and resolved here the way gcc resolves includes), without touching disk.
 */
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../bench/defaultSpec.js';
import { checkSpec } from '../../bench/ProjectSpec.js';
import type { ProjectSpec } from '../../bench/ProjectSpec.js';
import { projectTree } from '../../bench/projectTree.js';
import type { TargetConfig } from '../../config/Config.js';
import { compileFlags } from '../../engine/BuildGraph.js';
import { parseConfig } from '../../config/parseConfig.js';

const OPTS = { cc: 'gcc' };
const SEARCH = ['include/over', 'include/base', 'include'];
const spec = (shape: ProjectSpec['shape'], n: number, seed: number): ProjectSpec => defaultSpec(shape, n, seed);

/** Every file's resolved #includes (project files only), as gcc would find them. */
function includeEdges(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const [file, text] of files) {
    if (!/\.[ch]$/.test(file)) continue;
    const out: string[] = [];
    for (const m of text.matchAll(/^#include ([<"])([^>"]+)[>"]/gm)) {
      const [, form, name] = m as unknown as [string, string, string];
      const dirs = form === '"' ? [file.slice(0, file.lastIndexOf('/')), ...SEARCH] : SEARCH;
      const found = dirs.map((d) => `${d}/${name}`).find((p) => files.has(p));
      if (found) out.push(found);
      else expect(name, `${file} includes ${name}`).toBe('stdio.h');
    }
    edges.set(file, out);
  }
  return edges;
}

/** TUs (library .c files) that reach each header, directly or not. */
function reverseClosure(edges: ReadonlyMap<string, string[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [file] of edges) {
    if (!file.endsWith('.c')) continue;
    const seen = new Set<string>();
    const stack = [...(edges.get(file) ?? [])];
    while (stack.length > 0) {
      const h = stack.pop() as string;
      if (seen.has(h)) continue;
      seen.add(h);
      stack.push(...(edges.get(h) ?? []));
    }
    for (const h of seen) counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return counts;
}

/** Longest include chain starting at each file, counting headers; throws on a cycle. */
function longestChains(edges: ReadonlyMap<string, string[]>): Map<string, number> {
  const memo = new Map<string, number>();
  const onStack = new Set<string>();
  const visit = (f: string): number => {
    const known = memo.get(f);
    if (known !== undefined) return known;
    if (onStack.has(f)) throw new Error(`include cycle through ${f}`);
    onStack.add(f);
    const longest = Math.max(0, ...(edges.get(f) ?? []).map(visit));
    onStack.delete(f);
    const mine = f.endsWith('.h') ? longest + 1 : longest;
    memo.set(f, mine);
    return mine;
  };
  for (const f of edges.keys()) visit(f);
  return memo;
}

describe('generateProject (pure tree)', () => {
  it('gives byte-identical trees for the same spec, and different ones for another seed', () => {
    for (const shape of ['flat', 'deep'] as const) {
      const a = projectTree(spec(shape, 120, 5), '/p', OPTS);
      const b = projectTree(spec(shape, 120, 5), '/p', OPTS);
      expect([...a.files]).toEqual([...b.files]);
      expect(a.project).toEqual(b.project);
      const c = projectTree(spec(shape, 120, 6), '/p', OPTS);
      expect([...c.files]).not.toEqual([...a.files]);
      expect(c.project.expectedOutput).not.toBe(a.project.expectedOutput);
    }
  });

  it('lists every file it writes, and nothing else but build files and include/over/.keep', () => {
    const { project, files } = projectTree(spec('deep', 60, 1), '/p', OPTS);
    const listed = [...project.tus, ...project.headers, 'nixmake.json', 'Makefile', 'build.ninja', 'include/over/.keep'];
    expect([...files.keys()].sort()).toEqual(listed.sort());
    expect(files.get('include/over/.keep')).toBe('');
    expect(files.has(project.edits.shadowPath)).toBe(false);
  });

  for (const shape of ['flat', 'deep'] as const) {
    describe(shape, () => {
      const seeds = [1, 2, 3];
      const trees = seeds.map((seed) => projectTree(spec(shape, 400, seed), '/p', OPTS));

      it('has no include cycles, and flat chains are at most depth long', () => {
        for (const { project, files } of trees) {
          const chains = longestChains(includeEdges(files));
          if (shape === 'flat') expect(Math.max(...chains.values())).toBeLessThanOrEqual(project.spec.depth);
          expect(Math.max(...chains.values())).toBeGreaterThan(1);
        }
      });

      it('includes every header but unusedHeader, each with an include guard', () => {
        for (const { project, files } of trees) {
          const included = new Set([...includeEdges(files).values()].flat());
          expect(project.headers.filter((h) => !included.has(h))).toEqual([project.edits.unusedHeader]);
          for (const h of project.headers) expect(files.get(h)).toMatch(/^\/\*.*\*\/\n#ifndef (\w+)\n#define \1\n[\s\S]*\n#endif \/\* \1 \*\/\n$/);
        }
      });

      it('reports the real reverse closure of the popular and the shadowed header', () => {
        for (const { project, files } of trees) {
          const counts = reverseClosure(includeEdges(files));
          const { popularHeader, popularHeaderTus, shadowed, shadowTus } = project.edits;
          expect(counts.get(popularHeader)).toBe(popularHeaderTus);
          expect(popularHeaderTus).toBeGreaterThanOrEqual(1);
          expect(popularHeaderTus).toBeLessThanOrEqual(0.1 * project.spec.n);
          expect(counts.get(shadowed)).toBe(shadowTus);
          expect(shadowTus).toBeGreaterThanOrEqual(1);
          expect(project.edits.cFile).toMatch(/^src\/(lib|layer\d+)\/tu\d+\.c$/);
        }
      });

      it('writes a nixmake.json whose compile flags match the Makefile and build.ninja', () => {
        const extraFlags = { [trees[0]?.project.edits.flagTarget as string]: ['-DBENCH_FLAG=1'] };
        const { project, files } = projectTree(spec(shape, 40, 1), '/p', { cc: '/opt/cc wrapper', extraFlags });
        const parsed = parseConfig(files.get('nixmake.json') as string, '/p');
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        const config = parsed.value;
        expect([...config.targets.keys()]).toEqual(project.targets.map((t) => t.name));
        const ninja = files.get('build.ninja') as string;
        const make = files.get('Makefile') as string;
        const ninjaCflags = /^cflags = (.*)$/m.exec(ninja)?.[1] as string;
        const makeCflags = /^CFLAGS := (.*)$/m.exec(make)?.[1] as string;
        expect(makeCflags).toBe(ninjaCflags);
        expect(ninja).toContain("cc = '/opt/cc wrapper'");
        expect(make).toContain("CC := '/opt/cc wrapper'");
        for (const t of project.targets) {
          const extra = extraFlags[t.name] ?? [];
          const flags = compileFlags(config, config.targets.get(t.name) as TargetConfig, 'c');
          expect(flags).toEqual([...ninjaCflags.split(' '), ...extra]);
          if (extra.length > 0) {
            expect(ninja).toContain(`build build/${t.sources[0]?.replace(/\.c$/, '.o')}: cc ${t.sources[0]}\n  extra = ${extra.join(' ')}\n`);
            expect(make).toContain(`${t.name}_CFLAGS := ${extra.join(' ')}`);
            expect(make).toContain(`$(${t.name}_OBJS): CFLAGS += $(${t.name}_CFLAGS)`);
          }
        }
      });
    });
  }

  it('deep: a file of layer k includes only headers of layer k or k-1 (and the shadowed header)', () => {
    for (const seed of [1, 2, 3]) {
      const { project, files } = projectTree(spec('deep', 300, seed), '/p', OPTS);
      const layerOf = (f: string): number | undefined => {
        const m = /^(?:src|include)\/layer(\d+)\//.exec(f);
        return m ? Number(m[1]) : undefined;
      };
      let crossing = 0;
      for (const [file, includes] of includeEdges(files)) {
        const k = layerOf(file);
        if (k === undefined) continue;
        for (const inc of includes) {
          if (inc === project.edits.shadowed) continue;
          expect([k, k - 1], `${file} includes ${inc}`).toContain(layerOf(inc));
          if (layerOf(inc) === k - 1) crossing++;
        }
      }
      expect(crossing).toBeGreaterThan(0);
      expect(project.targets.map((t) => [t.name, t.deps])).toEqual([
        ...Array.from({ length: project.spec.depth }, (_, k) => [`layer${k}`, k > 0 ? [`layer${k - 1}`] : []]),
        ['app', Array.from({ length: project.spec.depth }, (_, k) => `layer${project.spec.depth - 1 - k}`)],
      ]);
    }
  });

  it('rejects specs it cannot generate', () => {
    expect(checkSpec({ shape: 'deep', n: 3, headers: 10, fanout: 2, depth: 4, weight: 1, seed: 1 })).toHaveLength(1);
    expect(checkSpec({ shape: 'flat', n: 0, headers: 0, fanout: -1, depth: 1, weight: 1.5, seed: 1 })).toHaveLength(4);
    expect(() => projectTree({ shape: 'flat', n: 0, headers: 1, fanout: 1, depth: 1, weight: 1, seed: 1 }, '/p', OPTS)).toThrow(/n must be/);
  });

  it('generates 10,000 TUs quickly', () => {
    const t0 = performance.now();
    const { files } = projectTree(spec('flat', 10_000, 1), '/p', OPTS);
    expect(files.size).toBeGreaterThan(15_000);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
