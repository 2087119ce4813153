/**
 * verbOf: the word a progress line shows for a node's kind — `GEN` for a
 * generator's run, `CC` for a compile, `LINK` for a link (pure).
 */
import type { NodeKind } from '../engine/events.js';

export function verbOf(kind: NodeKind): string {
  return kind === 'object' ? 'CC' : kind === 'link' ? 'LINK' : 'GEN';
}
