/**
 * nixbase32 against vectors printed by Nix 2.8's own tools.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromNixBase32, toNixBase32 } from '../../store/nixbase32.js';

const hex = (h: string): Buffer => Buffer.from(h, 'hex');

describe('nixbase32', () => {
  it.each([
    // `nix-hash --type sha256 --flat --base32 hello.txt` (contents "hello"), and
    // `nix-hash --to-base32 --type sha256 2cf24dba…9824` print the same.
    ['2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', '094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic'],
    // `nix-hash --to-base32 --type sha1 aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d`
    ['aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d', '9m1skbnr5i43n3yypvda5s65vhfwdx5a'],
    // `nix-hash --to-base32 --type md5 5d41402abc4b2a76b9719d911017c592`
    ['5d41402abc4b2a76b9719d911017c592', '4jqlbi14cxf6wpcajbphm40hax'],
  ])('%s ↔ %s', (h, b32) => {
    expect(toNixBase32(hex(h))).toBe(b32);
    expect(fromNixBase32(b32).toString('hex')).toBe(h);
  });

  it('gives 52 characters for sha256 and 32 for a 20-byte store path hash', () => {
    expect(toNixBase32(createHash('sha256').update('x').digest())).toHaveLength(52);
    expect(toNixBase32(new Uint8Array(20))).toBe('0'.repeat(32));
    expect(toNixBase32(new Uint8Array(0))).toBe('');
  });

  it('round-trips every length', () => {
    for (let n = 1; n <= 40; n++) {
      const bytes = createHash('sha512').update(String(n)).digest().subarray(0, n);
      expect(fromNixBase32(toNixBase32(bytes)).equals(bytes)).toBe(true);
    }
  });

  it('throws on characters outside the alphabet (e, o, u, t, upper case, others)', () => {
    for (const bad of ['e', 'o', 'u', 't', 'A', '-', 'é']) {
      expect(() => fromNixBase32(`${bad}${'0'.repeat(31)}`)).toThrow(/invalid nix base-32 character/);
    }
  });

  it('throws on a length no byte string has, and on bits beyond the last byte', () => {
    expect(() => fromNixBase32('0'.repeat(33))).toThrow(/length/);
    // 32 chars carry 160 bits for 20 bytes exactly; 52 chars carry 260 bits for 32 bytes: the top digit may use 1 bit.
    expect(() => fromNixBase32(`2${'0'.repeat(51)}`)).toThrow(/beyond the last byte/);
    expect(fromNixBase32(`1${'0'.repeat(51)}`)[31]).toBe(0x80);
  });
});
