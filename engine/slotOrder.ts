/**
 * slotOrder: the order in which a plan's objects take the job slots —
 * longest expected compile first. Objects do not wait for one another, so
 * within each run of consecutive objects in the plan (between the
 * generators and links they wait for or feed) any order is valid; started
 * in file order, one long TU that comes last (Lua's lvm.c) keeps one slot
 * busy while the other has nothing left, and every link waits for it.
 *
 * It does not estimate: the caller gives each object's expected seconds
 * (what it took last time, or a guess from its size). Ties keep the plan's
 * order. Pure; it reorders nothing but objects.
 */
import type { ObjectNode } from './BuildGraph.js';
import type { PlannedNode } from './plan.js';

export function longestFirst(build: readonly PlannedNode[], expectedSeconds: (node: ObjectNode) => number): PlannedNode[] {
  const out: PlannedNode[] = [];
  let run: { item: PlannedNode; cost: number; i: number }[] = [];
  const flush = (): void => {
    run.sort((a, b) => b.cost - a.cost || a.i - b.i);
    for (const r of run) out.push(r.item);
    run = [];
  };
  build.forEach((item, i) => {
    if (item.node.kind === 'object') {
      run.push({ item, cost: expectedSeconds(item.node), i });
      return;
    }
    flush();
    out.push(item);
  });
  flush();
  return out;
}

/**
 * A compile's expected seconds when none was measured: from the size of
 * its source, at about what GCC takes for optimised C here (Lua's 30 KB
 * lvm.c: 0.8 s). Only the order matters, so a rough rate will do.
 */
export const SOURCE_BYTES_PER_SECOND = 40_000;
