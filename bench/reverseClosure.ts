/**
 * reverseClosureCounts: for each header of an IncludeGraph, how many TUs
 * include it directly or through other headers. Pure.
 *
 * Relies on includeGraph's numbering (every include points to a lower
 * index), so one pass in index order computes every header's closure.
 */
import type { IncludeGraph } from './includeGraph.js';

export function reverseClosureCounts(graph: IncludeGraph): Int32Array {
  const h = graph.headers.length;
  const closures: Int32Array[] = new Array<Int32Array>(h);
  // A stamp per header instead of a Set per union: no allocation per visit.
  const stamp = new Int32Array(h).fill(-1);
  let round = 0;
  const union = (roots: readonly number[]): number[] => {
    const out: number[] = [];
    for (const r of roots) {
      for (const j of closures[r] as Int32Array) {
        if (stamp[j] !== round) {
          stamp[j] = round;
          out.push(j);
        }
      }
    }
    round++;
    return out;
  };
  for (const header of graph.headers) {
    const own = union(header.includes);
    own.push(header.index);
    closures[header.index] = Int32Array.from(own);
  }
  const counts = new Int32Array(h);
  for (const tu of graph.tus) for (const j of union(tu.includes)) counts[j] = (counts[j] as number) + 1;
  return counts;
}
