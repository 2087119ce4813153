/**
 * hashes: branded hash types and the one hashing function, so a file's
 * content hash cannot be passed where a fingerprint is expected.
 */
import { createHash } from 'node:crypto';

export type ContentHash = string & { readonly __brand: 'ContentHash' };
export type Fingerprint = string & { readonly __brand: 'Fingerprint' };

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function contentHash(data: string | Buffer): ContentHash {
  return sha256(data) as ContentHash;
}

/** Hash of a canonical JSON record: keys sorted at every level. */
export function fingerprintOf(record: unknown): Fingerprint {
  return sha256(canonicalJson(record)) as Fingerprint;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}
