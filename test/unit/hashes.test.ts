/**
 * canonicalJson: sorted keys at every level, no whitespace, the same text as
 * JSON.stringify for everything else (fingerprints depend on it byte for byte).
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprintOf } from '../../cache/hashes.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 'x"y' }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":"x\\"y","f":2}]},"b":1}');
  });

  it('drops undefined properties and writes undefined array items as null, as JSON.stringify does', () => {
    const v = { a: undefined, b: [undefined, 1], c: 'ü' };
    expect(canonicalJson(v)).toBe(JSON.stringify({ b: [null, 1], c: 'ü' }));
  });

  it('gives equal fingerprints to records that differ only in key order', () => {
    expect(fingerprintOf({ x: 1, y: [2, 3] })).toBe(fingerprintOf({ y: [2, 3], x: 1 }));
    expect(fingerprintOf({ x: 1 })).not.toBe(fingerprintOf({ x: 2 }));
  });
});
