/**
 * The planner with an in-memory memo: what is built, and why.
 */
import { describe, expect, it } from 'vitest';
import type { TuClosure } from '../../analyzers/includeClosure.js';
import type { Fingerprint } from '../../cache/hashes.js';
import type { CurrentRecord, NodeRecord } from '../../cache/Memo.js';
import { parseConfig } from '../../config/parseConfig.js';
import type { Config } from '../../config/Config.js';
import { buildGraph, objectKey } from '../../engine/BuildGraph.js';
import { fingerprintGraph } from '../../engine/fingerprint.js';
import type { Fingerprinted } from '../../engine/fingerprint.js';
import { formatReason, plan } from '../../engine/plan.js';
import type { PlanIo } from '../../engine/plan.js';

const config = ((): Config => {
  const r = parseConfig(
    JSON.stringify({
      includeDirs: ['include'],
      targets: { lib: { type: 'static-library', sources: ['lib/*.c'] }, app: { type: 'executable', sources: ['src/*.c'], deps: ['lib'] } },
    }),
    '/p',
  );
  if (!r.ok) throw new Error('bad config');
  return r.value;
})();
const sources = new Map([
  ['lib', ['lib/a.c', 'lib/b.c']],
  ['app', ['src/main.c']],
]);
const closure = (tu: string, headers: string[]): TuClosure => ({ tu, headers, system: [], notes: [], unresolvedComputed: false });
const closures = new Map([
  [objectKey('lib', 'lib/a.c'), closure('lib/a.c', ['include/x.h'])],
  [objectKey('lib', 'lib/b.c'), closure('lib/b.c', [])],
  [objectKey('app', 'src/main.c'), closure('src/main.c', ['include/x.h'])],
]);

/** A memo in memory, plus a file system of content hashes. */
class FakeWorld implements PlanIo {
  readonly nodes = new Map<string, NodeRecord>();
  readonly current = new Map<string, CurrentRecord>();
  readonly exists = new Set<string>();
  readonly content = new Map<string, string>([
    ['/p/lib/a.c', 'a1'],
    ['/p/lib/b.c', 'b1'],
    ['/p/src/main.c', 'm1'],
    ['/p/include/x.h', 'x1'],
  ]);
  toolchain = 'gcc-12';
  flags: string[] = [];

  fingerprints(): Map<string, Fingerprinted> {
    const cfg = { ...config, defaults: { ...config.defaults, cflags: this.flags } };
    const graph = buildGraph(cfg, sources, closures);
    return fingerprintGraph(graph, {
      toolchainId: this.toolchain,
      templateHash: 't1',
      platform: 'x86_64-linux',
      hashOf: (p) => this.content.get(p) as never,
      hashOfRel: (rel) => this.content.get(`/p/${rel}`) as never,
    });
  }

  /** Plans, then "builds" every planned node as execute() would record it. */
  step(): string[] {
    const cfg = { ...config, defaults: { ...config.defaults, cflags: this.flags } };
    const graph = buildGraph(cfg, sources, closures);
    const fps = this.fingerprints();
    const p = plan(graph, fps, this);
    for (const item of p.build) {
      const rec = { drv: `/nix/store/${item.fp.fingerprint}.drv`, out: `/nix/store/${item.fp.fingerprint}`, drvHash: 'h', narHash: 'n' };
      this.nodes.set(item.fp.fingerprint, rec);
      this.current.set(item.node.key, { fingerprint: item.fp.fingerprint, inputs: item.fp.inputsJson });
      this.exists.add(rec.drv).add(rec.out);
    }
    return p.build.map((b) => `${b.node.key} ${formatReason(b.reason)}`);
  }

  getNode(fp: Fingerprint) {
    return this.nodes.get(fp);
  }
  getCurrent(k: string) {
    return this.current.get(k);
  }
  storePathExists(p: string) {
    return this.exists.has(p);
  }
}

describe('plan', () => {
  it('builds everything new, objects first, then links in dependency order', () => {
    const w = new FakeWorld();
    expect(w.step()).toEqual([
      'obj:lib:lib/a.c new',
      'obj:lib:lib/b.c new',
      'obj:app:src/main.c new',
      'link:lib new',
      'link:app new',
    ]);
    expect(w.step()).toEqual([]);
  });

  it('gives the reason for each rebuild', () => {
    const w = new FakeWorld();
    w.step();
    w.content.set('/p/lib/b.c', 'b2');
    expect(w.step()).toEqual(['obj:lib:lib/b.c source-changed', 'link:lib dependency-changed', 'link:app dependency-changed']);
    w.content.set('/p/include/x.h', 'x2');
    expect(w.step()).toEqual([
      'obj:lib:lib/a.c header-changed: include/x.h',
      'obj:app:src/main.c header-changed: include/x.h',
      'link:lib dependency-changed',
      'link:app dependency-changed',
    ]);
    w.flags = ['-O2'];
    expect(w.step().slice(0, 3)).toEqual(['obj:lib:lib/a.c flags-changed', 'obj:lib:lib/b.c flags-changed', 'obj:app:src/main.c flags-changed']);
    w.toolchain = 'gcc-13';
    expect(w.step()).toHaveLength(5);
  });

  it('reuses a memoised state after an edit is undone, and rebuilds a collected output', () => {
    const w = new FakeWorld();
    w.step();
    w.content.set('/p/src/main.c', 'm2');
    expect(w.step()).toHaveLength(2);
    w.content.set('/p/src/main.c', 'm1');
    expect(w.step()).toEqual([]);
    const fp = w.fingerprints().get('obj:lib:lib/a.c')?.fingerprint as string;
    w.exists.delete(`/nix/store/${fp}`);
    expect(w.step()).toEqual(['obj:lib:lib/a.c output-missing']);
  });
});
