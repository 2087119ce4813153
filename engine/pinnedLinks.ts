/**
 * pinnedLinks: which links must have the very store path the export gives
 * them, because other nodes carry that path: a shared library (programs
 * that link it hold its path as an rpath), an executable a generator runs
 * (the generator's derivation names it), and every library linked into one
 * of those (its derivation names theirs). See linkDerivation.
 *
 * A pinned link's derivation names its objects and libraries by their
 * derivations, as a Nix expression does; any other link names their
 * outputs as input sources, which Nix 2.8 registers and builds without
 * visiting every object's derivation (measured on a 1,000-object archive:
 * 300 → 54 ms to register, 925 → 160 ms to build, machine under load).
 *
 * Pure: it reads the graph and decides nothing else.
 */
import type { BuildGraph } from './BuildGraph.js';

export function pinnedLinks(graph: BuildGraph): ReadonlySet<string> {
  const pinned = new Set<string>();
  const pin = (key: string): void => {
    if (pinned.has(key)) return;
    const link = graph.links.get(key);
    if (!link) return;
    pinned.add(key);
    for (const lib of link.libraries) pin(lib);
  };
  for (const [key, link] of graph.links) if (link.type === 'shared-library') pin(key);
  for (const g of graph.generators.values()) for (const tool of g.tools) pin(tool);
  return pinned;
}
