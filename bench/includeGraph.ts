/**
 * includeGraph: the files of a synthetic project and who includes whom,
 * drawn from a ProjectSpec and a seeded Random. Pure; it writes no C.
 *
 * Headers are numbered so that every include points to a lower number,
 * which rules out cycles and makes index order a topological order.
 * They are grouped into layers (deep: one per static library; flat: one)
 * and each layer into bands; a header includes headers of lower bands of
 * its own layer and of the layer below, and nothing else:
 *   - flat: `depth` bands, so an include chain is at most `depth` headers;
 *   - deep: 2 bands per layer, so chains cross every layer.
 * The first include of a header comes from the band just below it, so the
 * longest chains really occur. A TU includes headers of its own layer and of
 * the one below. Headers that no header includes are given to TUs of their
 * layer first, so every header is included by something.
 *
 * It does not know about the shadowed or the unused header (see
 * projectTree) nor about C text (see cCode).
 */
import type { ProjectSpec } from './ProjectSpec.js';
import type { Random } from './random.js';

export interface HeaderNode {
  readonly index: number;
  readonly layer: number;
  /** Project-relative path, e.g. include/h3.h or include/layer1/h3.h. */
  readonly path: string;
  /** What an #include "..." names it by (relative to include/). */
  readonly includeName: string;
  /** Included header indices, ascending, all lower than `index`. */
  readonly includes: readonly number[];
}

export interface TuNode {
  readonly index: number;
  readonly layer: number;
  readonly path: string;
  /** Included header indices, ascending. */
  readonly includes: readonly number[];
}

export interface IncludeGraph {
  readonly layers: number;
  readonly headers: readonly HeaderNode[];
  readonly tus: readonly TuNode[];
}

/** First index of part `p` when `count` items are split into `parts` near-equal runs. */
const partStart = (count: number, parts: number, p: number): number => Math.ceil((p * count) / parts);
/** The part an index falls in; the inverse of partStart. */
const partOf = (count: number, parts: number, i: number): number => Math.floor((i * parts) / count);

export function includeGraph(spec: ProjectSpec, rng: Random): IncludeGraph {
  const layers = spec.shape === 'deep' ? spec.depth : 1;
  const h = spec.headers;
  const layerStart = (l: number): number => partStart(h, layers, l);
  const bandsOf = (l: number): number => {
    const size = layerStart(l + 1) - layerStart(l);
    return Math.min(spec.shape === 'deep' ? 2 : spec.depth, size);
  };
  const bandStart = (l: number, b: number): number => {
    const size = layerStart(l + 1) - layerStart(l);
    return layerStart(l) + partStart(size, bandsOf(l), b);
  };

  const headers: HeaderNode[] = [];
  const includedByHeader = new Uint8Array(h);
  for (let j = 0; j < h; j++) {
    const layer = partOf(h, layers, j);
    const band = partOf(layerStart(layer + 1) - layerStart(layer), bandsOf(layer), j - layerStart(layer));
    const lo = layer > 0 ? layerStart(layer - 1) : layerStart(layer);
    const hi = bandStart(layer, band);
    const taken = new Set<number>();
    if (spec.fanout > 0 && hi > lo) {
      // The chain step: the band just below, in this layer or at the top of the one below.
      const [clo, chi] = band > 0 ? [bandStart(layer, band - 1), hi] : [bandStart(layer - 1, bandsOf(layer - 1) - 1), layerStart(layer)];
      taken.add(rng.inRange(clo, chi));
      rng.sampleInto(taken, lo, hi, spec.fanout - 1);
    }
    const includes = [...taken].sort((a, b) => a - b);
    for (const i of includes) includedByHeader[i] = 1;
    headers.push({ index: j, layer, ...headerPath(spec, layer, j), includes });
  }

  const n = spec.n;
  const tuLayer = (i: number): number => partOf(n, layers, i);
  const tuStart = (l: number): number => partStart(n, layers, l);
  const forced: number[][] = Array.from({ length: n }, () => []);
  for (let l = 0; l < layers; l++) {
    const roots: number[] = [];
    for (let j = layerStart(l); j < layerStart(l + 1); j++) if (!includedByHeader[j]) roots.push(j);
    const first = tuStart(l);
    const count = tuStart(l + 1) - first;
    roots.forEach((j, r) => forced[first + Math.floor((r * count) / roots.length)]?.push(j));
  }

  const tus: TuNode[] = [];
  for (let i = 0; i < n; i++) {
    const layer = tuLayer(i);
    const taken = new Set<number>(forced[i]);
    const lo = layer > 0 ? layerStart(layer - 1) : 0;
    rng.sampleInto(taken, lo, layerStart(layer + 1), spec.fanout - taken.size);
    const includes = [...taken].sort((a, b) => a - b);
    const dir = spec.shape === 'deep' ? `src/layer${layer}` : 'src/lib';
    tus.push({ index: i, layer, path: `${dir}/tu${i}.c`, includes });
  }
  return { layers, headers, tus };
}

function headerPath(spec: ProjectSpec, layer: number, j: number): { path: string; includeName: string } {
  const includeName = spec.shape === 'deep' ? `layer${layer}/h${j}.h` : `h${j}.h`;
  return { path: `include/${includeName}`, includeName };
}
