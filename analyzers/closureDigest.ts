/**
 * closureDigest: one hash of everything a TU's closure reads: the TU's and
 * every project header's path and content hash, and (as one digest per
 * list) the system headers'. ClosureCache validates stored closures with it
 * and fingerprints use it in place of the per-header tables. Pure: hashes
 * come from the functions it is given.
 */
import { sha256 } from '../cache/hashes.js';
import type { TuClosure } from './includeClosure.js';

export function systemDigest(system: readonly string[], hashOf: (abs: string) => string | undefined): string {
  return sha256(system.map((p) => `${p}\0${hashOf(p) ?? 'missing'}`).join('\n'));
}

export function closureDigest(c: TuClosure, hashOfRel: (rel: string) => string | undefined, systemPart: string): string {
  const project = [c.tu, ...c.headers].map((rel) => `${rel}\0${hashOfRel(rel) ?? 'missing'}`);
  return sha256(`${project.join('\n')}\n${systemPart}`);
}
