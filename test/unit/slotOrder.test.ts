/**
 * longestFirst: objects take the job slots longest expected compile first,
 * without moving anything across the generators and links between them.
 */
import { describe, expect, it } from 'vitest';
import type { BuildNode } from '../../engine/BuildGraph.js';
import type { PlannedNode } from '../../engine/plan.js';
import { longestFirst } from '../../engine/slotOrder.js';

const item = (node: Partial<BuildNode> & { kind: BuildNode['kind']; key: string }): PlannedNode => ({ node: node as BuildNode, fp: {} as PlannedNode['fp'], reason: { kind: 'new' } });
const obj = (key: string): PlannedNode => item({ kind: 'object', key, tu: `${key}.c` });

describe('longestFirst', () => {
  it('orders each run of objects by expected seconds, longest first, and keeps the other nodes where they are', () => {
    const build = [obj('a'), obj('b'), obj('c'), item({ kind: 'link', key: 'link:tool' }), item({ kind: 'generate', key: 'gen:g' }), obj('d'), obj('e'), item({ kind: 'link', key: 'link:app' })];
    const cost: Record<string, number> = { a: 0.1, b: 0.9, c: 0.5, d: 0.2, e: 0.3 };
    const order = longestFirst(build, (o) => cost[o.key] ?? 0).map((p) => p.node.key);
    expect(order).toEqual(['b', 'c', 'a', 'link:tool', 'gen:g', 'e', 'd', 'link:app']);
  });

  it('keeps the plan order between objects expected to take as long', () => {
    const order = longestFirst([obj('x'), obj('y'), obj('z')], () => 1).map((p) => p.node.key);
    expect(order).toEqual(['x', 'y', 'z']);
  });
});
