/**
 * addWithReferences: adds a NAR that refers to other store paths, as a
 * content-addressed path, the way Nix itself would name the same tree with
 * those references (`fixed:r:sha256`, a "source" path whose type lists the
 * references).
 *
 * Why not wopAddToStore: Nix 2.8's daemon refuses references with any
 * `fixed:` method there ("cannot yet have refs with flat or nar-hashed
 * data"). wopAddToStoreNar takes a full path info instead; because the info
 * carries a content address that matches the path, the daemon accepts it
 * without a signature even from a non-trusted client
 * (ValidPathInfo::isContentAddressed), and it checks the NAR against the
 * hash it is given. Self-references are not supported (Nix would hash the
 * NAR modulo the path's own hash part); `narReferences` lets the caller
 * check that a tree has none.
 */
import type { DaemonConnection } from './DaemonConnection.js';
import { narSha256Hex } from './nar.js';
import { toNixBase32 } from './nixbase32.js';
import { makeFixedOutputPath, storePathHashPart } from './storePath.js';

export interface ContentAddressedNar {
  readonly path: string;
  readonly narHashHex: string;
  readonly narSize: number;
  /** `fixed:r:sha256:<nixbase32 of the NAR hash>`, as Nix renders it. */
  readonly ca: string;
  /** Sorted, without duplicates. */
  readonly references: readonly string[];
}

/** The path and info of `nar` added recursively under `name` with `references` (pure). */
export function contentAddressedNar(name: string, nar: Uint8Array, references: readonly string[]): ContentAddressedNar {
  const narHashHex = narSha256Hex(nar);
  const refs = [...new Set(references)].sort();
  return {
    path: makeFixedOutputPath('recursive', 'sha256', narHashHex, name, refs),
    narHashHex,
    narSize: nar.byteLength,
    ca: `fixed:r:sha256:${toNixBase32(Buffer.from(narHashHex, 'hex'))}`,
    references: refs,
  };
}

/** The `candidates` whose hash part occurs in `nar` (Nix's reference scan, by hash part). */
export function narReferences(nar: Uint8Array, candidates: readonly string[]): string[] {
  const buf = Buffer.from(nar.buffer, nar.byteOffset, nar.byteLength);
  return candidates.filter((c) => buf.includes(storePathHashPart(c)));
}

/**
 * Makes the content-addressed path of `nar` with `references` valid through
 * `conn` (a temporary root first, so it stays alive while `conn` is open)
 * and answers it. Every reference must be valid already.
 */
export async function addNarWithReferences(conn: DaemonConnection, name: string, nar: Uint8Array, references: readonly string[]): Promise<string> {
  const info = contentAddressedNar(name, nar, references);
  await conn.addTempRoot(info.path);
  if (await conn.isValidPath(info.path)) return info.path;
  await conn.addNarWithInfo(info, nar);
  return info.path;
}
