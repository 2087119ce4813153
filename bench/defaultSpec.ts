/**
 * defaultSpec: the ProjectSpec used when only a shape, a size and a seed
 * are given (by the generate CLI and the benchmark runner).
 *
 * The numbers aim at projects that look like real ones: about one header
 * per two TUs, a handful of includes per file, chains a few headers long.
 */
import type { ProjectSpec, Shape } from './ProjectSpec.js';

export function defaultSpec(shape: Shape, n: number, seed: number): ProjectSpec {
  const depth = shape === 'deep' ? Math.min(6, n) : 4;
  return { shape, n, headers: Math.max(depth, Math.ceil(n / 2)), fanout: 4, depth, weight: 4, seed };
}
