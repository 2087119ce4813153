import { describe, expect, it } from 'vitest';
import { WireFormatError, WireReader, WireWriter } from '../../store/wire.js';

const hex = (b: Buffer) => b.toString('hex');

function readerOf(...chunks: (string | Buffer)[]): WireReader {
  const r = new WireReader();
  for (const c of chunks) r.push(typeof c === 'string' ? Buffer.from(c, 'hex') : c);
  return r;
}

describe('WireWriter', () => {
  it('writes u64 little-endian, numbers and bigints alike', () => {
    expect(hex(new WireWriter().u64(1).toBuffer())).toBe('0100000000000000');
    expect(hex(new WireWriter().u64(0x6e697863).toBuffer())).toBe('6378696e00000000');
    expect(hex(new WireWriter().u64(0xffff_ffff_ffff_ffffn).toBuffer())).toBe('ffffffffffffffff');
    expect(hex(new WireWriter().u64(2n ** 53n + 1n).toBuffer())).toBe('0100000000002000');
    expect(hex(new WireWriter().u64(2 ** 53 - 1).toBuffer())).toBe('ffffffffffff1f00');
    expect(hex(new WireWriter().u64(0x1_0000_0001).toBuffer())).toBe('0100000001000000');
  });

  it('refuses numbers that are not u64 or not exact', () => {
    expect(() => new WireWriter().u64(-1)).toThrow(RangeError);
    expect(() => new WireWriter().u64(2 ** 64)).toThrow(RangeError);
    expect(() => new WireWriter().u64(1.5)).toThrow(RangeError);
    expect(() => new WireWriter().u64(1n << 64n)).toThrow(RangeError);
  });

  it('writes bools as u64 0 and 1', () => {
    expect(hex(new WireWriter().bool(true).bool(false).toBuffer())).toBe('0100000000000000' + '0000000000000000');
  });

  it('pads byte strings to 8 with zeros after their length', () => {
    expect(hex(new WireWriter().string('abc').toBuffer())).toBe('0300000000000000' + '616263' + '0000000000');
    expect(hex(new WireWriter().string('').toBuffer())).toBe('0000000000000000');
    expect(hex(new WireWriter().string('12345678').toBuffer())).toBe('0800000000000000' + '3132333435363738');
    expect(hex(new WireWriter().bytes(new Uint8Array([0xff, 0])).toBuffer())).toBe('0200000000000000' + 'ff00' + '000000000000');
    // UTF-8: the length counts bytes.
    expect(hex(new WireWriter().string('é').toBuffer())).toBe('0200000000000000' + 'c3a9' + '000000000000');
  });

  it('writes a byte string from a view into a larger buffer', () => {
    const big = Buffer.from('xxabcxx');
    expect(hex(new WireWriter().bytes(big.subarray(2, 5)).toBuffer())).toBe('0300000000000000' + '616263' + '0000000000');
  });

  it('writes string lists as a count then the strings', () => {
    expect(hex(new WireWriter().strings(['a', 'bc']).toBuffer())).toBe(
      '0200000000000000' + '0100000000000000' + '61' + '00000000000000' + '0200000000000000' + '6263' + '000000000000',
    );
    expect(hex(new WireWriter().strings(new Set<string>()).toBuffer())).toBe('0000000000000000');
  });

  it('writes framed streams without padding and ends them with a zero frame', () => {
    const data = Buffer.from('abcde');
    expect(hex(new WireWriter().framed(data, 3).toBuffer())).toBe(
      '0300000000000000' + '616263' + '0200000000000000' + '6465' + '0000000000000000',
    );
    expect(hex(new WireWriter().framed(new Uint8Array(0)).toBuffer())).toBe('0000000000000000');
  });
});

describe('WireReader', () => {
  it('reads u64s, as numbers when safe and as bigints on request', async () => {
    const r = readerOf('0100000000000000', 'ffffffffffffffff', 'ffffffffffff1f00');
    expect(await r.readU64()).toBe(1);
    expect(await r.readU64Big()).toBe(0xffff_ffff_ffff_ffffn);
    expect(await r.readU64()).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses u64s that a number cannot hold exactly', async () => {
    await expect(readerOf('0000000000002000').readU64()).rejects.toThrow(WireFormatError);
  });

  it('reads strings with their padding, across chunk boundaries', async () => {
    const bytes = Buffer.from('0300000000000000' + '616263' + '0000000000' + '0000000000000000', 'hex');
    const r = new WireReader();
    const s1 = r.readString();
    for (const b of bytes.subarray(0, 16)) r.push(Buffer.from([b]));
    expect(await s1).toBe('abc');
    r.push(bytes.subarray(16));
    expect(await r.readString()).toBe('');
  });

  it('refuses non-zero padding', async () => {
    await expect(readerOf('0100000000000000' + '61' + '00000000000001').readString()).rejects.toThrow('non-zero padding');
  });

  it('reads string lists whatever the chunks, whole ones at once and the rest as they come', async () => {
    const list = ['/nix/store/aaa-x', '', 'yz', 'é'.repeat(9), 'abcdefgh'];
    const bytes = new WireWriter().strings(list).u64(7).toBuffer();
    for (const cut of [1, 3, 8, 13, 24, 40, 57, bytes.length - 9]) {
      const r = new WireReader();
      r.push(bytes.subarray(0, cut));
      const pending = r.readStrings();
      for (let at = cut; at < bytes.length; at += 5) r.push(bytes.subarray(at, at + 5));
      expect(await pending).toEqual(list);
      expect(await r.readU64()).toBe(7);
    }
    const split = new WireReader();
    for (const b of bytes) split.push(Buffer.from([b]));
    expect(await split.readStrings()).toEqual(list);
    await expect(readerOf('0100000000000000' + '0100000000000000' + '61' + '00000000000001').readStrings()).rejects.toThrow('non-zero padding');
  });

  it('reads string lists and bools', async () => {
    const r = readerOf(new WireWriter().strings(['x', 'yz']).bool(true).bool(false).toBuffer());
    expect(await r.readStrings()).toEqual(['x', 'yz']);
    expect(await r.readBool()).toBe(true);
    expect(await r.readBool()).toBe(false);
  });

  it('fails a pending read and later reads when the stream ends', async () => {
    const r = readerOf('0100');
    const pending = r.readU64();
    r.end(new Error('gone'));
    await expect(pending).rejects.toThrow('gone');
    await expect(r.readU64()).rejects.toThrow('gone');
  });

  it('still serves bytes received before the end', async () => {
    const r = readerOf('0700000000000000');
    r.end(new Error('gone'));
    expect(await r.readU64()).toBe(7);
  });
});
