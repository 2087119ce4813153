/**
 * nixbase32: Nix's own base-32 text form of hashes (store path hash parts,
 * `nix-hash --base32`, `builtins.placeholder`).
 *
 * It is not RFC 4648: the alphabet omits e, o, u and t, and the digits are
 * written from the last 5-bit group of the byte string to the first, bits
 * taken least significant first (libutil/hash.cc printHash32 / parseHash).
 * Does not know hash types or the `sha256:` prefixes; callers add those.
 */

const ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

/** Number of characters for `n` bytes: ceil(8n / 5). */
export function nixBase32Length(n: number): number {
  return n === 0 ? 0 : Math.floor((n * 8 - 1) / 5) + 1;
}

export function toNixBase32(bytes: Uint8Array): string {
  const len = nixBase32Length(bytes.length);
  let s = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const lo = bytes[i]! >> j;
    const hi = i + 1 < bytes.length ? bytes[i + 1]! << (8 - j) : 0;
    s += ALPHABET[(lo | hi) & 0x1f];
  }
  return s;
}

/**
 * The bytes `s` encodes. Throws on a character outside the alphabet, on a
 * length no byte count encodes to, or on bits set beyond the last byte.
 */
export function fromNixBase32(s: string): Buffer {
  const size = Math.floor((s.length * 5) / 8);
  if (nixBase32Length(size) !== s.length) throw new Error(`invalid nix base-32 length ${s.length}: '${s}'`);
  const out = Buffer.alloc(size);
  for (let n = 0; n < s.length; n++) {
    const code = s.charCodeAt(s.length - n - 1);
    const digit = code < 128 ? DIGIT[code]! : -1;
    if (digit < 0) throw new Error(`invalid nix base-32 character '${s[s.length - n - 1]}' in '${s}'`);
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    out[i] = out[i]! | ((digit << j) & 0xff);
    const carry = digit >> (8 - j);
    if (i + 1 < size) out[i + 1] = out[i + 1]! | carry;
    else if (carry !== 0) throw new Error(`invalid nix base-32 string (bits beyond the last byte): '${s}'`);
  }
  return out;
}
