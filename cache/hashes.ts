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

/**
 * JSON with the keys of every object sorted, so equal records give equal
 * text. Written out by hand: a JSON.stringify replacer that rebuilds every
 * object was the largest cost of fingerprinting 10,000 objects.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v !== undefined && typeof v !== 'function') parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
