import { describe, expect, it } from 'vitest';
import type { TuClosure } from '../../analyzers/includeClosure.js';
import { parseConfig } from '../../config/parseConfig.js';
import { buildGraph } from '../../engine/BuildGraph.js';
import { linkDerivation } from '../../engine/derivations.js';
import { fingerprintGraph } from '../../engine/fingerprint.js';
import { pinnedLinks } from '../../engine/pinnedLinks.js';
import { reasonFor } from '../../engine/plan.js';
import type { Toolchain } from '../../toolchain/Toolchain.js';

const closure = (tu: string): TuClosure => ({ tu, headers: [], system: [], notes: [], probedDirs: [], unresolvedComputed: false }) as unknown as TuClosure;

/** A graph of `targets`, each target with one source `<name>/<name>.c`. */
function graphOf(targets: Record<string, { type: string; deps?: string[] }>, generators: Record<string, unknown> = {}) {
  const r = parseConfig(JSON.stringify({ targets: Object.fromEntries(Object.entries(targets).map(([n, t]) => [n, { ...t, sources: [`${n}/*.c`] }])), generators }), '/p');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const sources = new Map(Object.keys(targets).map((n) => [n, [`${n}/${n}.c`]]));
  const closures = new Map(Object.keys(targets).map((n) => [`obj:${n}:${n}/${n}.c`, closure(`${n}/${n}.c`)]));
  const gens = new Map(Object.keys(generators).map((g) => [g, { files: [], generated: [] }]));
  return buildGraph(r.value, sources, closures, gens);
}

describe('pinnedLinks', () => {
  it('pins shared libraries, generators\' tools and every library linked into them; nothing else', () => {
    const graph = graphOf(
      {
        util: { type: 'static-library' },
        core: { type: 'static-library' },
        so: { type: 'shared-library', deps: ['core'] },
        mk: { type: 'executable', deps: ['util'] },
        app: { type: 'executable', deps: ['so', 'util'] },
        other: { type: 'executable', deps: ['util'] },
      },
      { table: { command: ['mk'], outputs: ['gen/t.h'], tools: ['mk'] } },
    );
    expect([...pinnedLinks(graph)].sort()).toEqual(['link:core', 'link:mk', 'link:so', 'link:util']);
  });

  it('pins nothing in a project of static libraries and programs', () => {
    const graph = graphOf({ lib: { type: 'static-library' }, app: { type: 'executable', deps: ['lib'] } });
    expect(pinnedLinks(graph).size).toBe(0);
  });
});

describe('linkDerivation by derivations or by outputs', () => {
  const tc = { system: 'x86_64-linux', id: 'tc', path: ['/nix/store/gcc/bin'], storePaths: ['/nix/store/gcc'], cflags: [], ldflags: [], ar: '/nix/store/gcc/bin/ar', cc: '/nix/store/gcc/bin/gcc' } as unknown as Toolchain;
  const ref = (n: string) => ({ drvPath: `/nix/store/${n}.drv`, hashModulo: n, out: `/nix/store/${n}` });
  const graph = graphOf({ lib: { type: 'static-library' }, app: { type: 'executable', deps: ['lib'] } });
  const app = graph.links.get('link:app');
  if (!app) throw new Error('no link:app');
  const lib = { ref: ref('lib'), type: 'static-library' as const, target: 'lib' };

  it('names the same things either way, in inputDrvs or in inputSrcs, with the same arguments and environment', () => {
    const byDrv = linkDerivation(app, [ref('a.o'), ref('b.o')], [lib], ref('builder'), tc);
    const byOut = linkDerivation(app, [ref('a.o'), ref('b.o')], [lib], ref('builder'), tc, new Map(), 'outputs');
    expect(Object.keys(byDrv.inputDrvs).sort()).toEqual(['/nix/store/a.o.drv', '/nix/store/b.o.drv', '/nix/store/builder.drv', '/nix/store/lib.drv']);
    expect(byDrv.inputSrcs).toEqual(['/nix/store/gcc']);
    expect(Object.keys(byOut.inputDrvs)).toEqual(['/nix/store/builder.drv']);
    expect(byOut.inputSrcs).toEqual(['/nix/store/gcc', '/nix/store/a.o', '/nix/store/b.o', '/nix/store/lib']);
    expect(byOut.args).toEqual(byDrv.args);
    expect(byOut.env).toEqual(byDrv.env);
    expect(byOut.args).toContain('/nix/store/lib/lib/liblib.a');
  });
});

describe('a link that becomes pinned', () => {
  it('gets another fingerprint, and is rebuilt for a stated reason: template-changed', () => {
    const ctx = { toolchainId: 'tc', templateHash: 't', platform: 'x86_64-linux', hashOf: () => 'h', hashOfRel: () => 'h' } as unknown as Parameters<typeof fingerprintGraph>[1];
    const before = fingerprintGraph(graphOf({ util: { type: 'static-library' }, app: { type: 'executable', deps: ['util'] } }), ctx).get('link:util');
    const after = fingerprintGraph(graphOf({ util: { type: 'static-library' }, so: { type: 'shared-library', deps: ['util'] } }), ctx).get('link:util');
    expect(before?.inputs).toMatchObject({ kind: 'link', inputsBy: 'outputs' });
    expect(after?.inputs).not.toHaveProperty('inputsBy');
    expect(after?.fingerprint).not.toBe(before?.fingerprint);
    expect(reasonFor(after?.inputs as never, before?.inputs, false)).toEqual({ kind: 'template-changed' });
  });
});
