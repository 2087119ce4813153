/**
 * The primitives of the Nix daemon's wire format (Nix 2.8, serialise.hh):
 * every integer is a u64 little-endian; a byte string is its length as a
 * u64, the bytes, then zero padding up to a multiple of 8; a list or set of
 * strings is a count followed by the strings; a bool is a u64 (0 or 1);
 * a *framed* stream is chunks of `u64 length + raw bytes` (no padding)
 * ending with a zero-length chunk.
 *
 * `WireWriter` builds one request in memory; `WireReader` reads replies
 * from the chunks a socket delivers (the owner of the socket feeds it). Integers beyond 2^53 are read as bigint
 * (`readU64Big`) or rejected by `readU64`, never rounded.
 *
 * This module knows nothing of operations, stderr messages or versions.
 */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const ZEROS = Buffer.alloc(8);

/** The bytes do not follow the wire format (bad padding, a number too large). */
export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

function padding(len: number): number {
  return (8 - (len % 8)) % 8;
}

export class WireWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }

  u64(n: number | bigint): this {
    const b = Buffer.allocUnsafe(8);
    if (typeof n === 'number') {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a u64: ${n}`);
      // Two 32-bit halves: no bigint per integer (a request may carry thousands of lengths).
      b.writeUInt32LE(n % 0x1_0000_0000, 0);
      b.writeUInt32LE(Math.floor(n / 0x1_0000_0000), 4);
      return this.push(b);
    }
    if (n < 0n || n > 0xffff_ffff_ffff_ffffn) throw new RangeError(`not a u64: ${n}`);
    b.writeBigUInt64LE(n);
    return this.push(b);
  }

  bool(b: boolean): this {
    return this.u64(b ? 1 : 0);
  }

  /** A byte string: length, bytes, zero padding to 8. Text is sent as UTF-8. */
  bytes(data: Uint8Array | string): this {
    const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.u64(b.length);
    this.push(b);
    const pad = padding(b.length);
    return pad ? this.push(ZEROS.subarray(0, pad)) : this;
  }

  string(s: string): this {
    return this.bytes(s);
  }

  /** A count, then each string: Nix's Strings, StringSet and StorePathSet. */
  strings(ss: Iterable<string>): this {
    const list = [...ss];
    this.u64(list.length);
    for (const s of list) this.string(s);
    return this;
  }

  /** A framed stream (FramedSink): `u64 length + bytes` per frame, no padding, then a 0 frame. */
  framed(data: Uint8Array, frameSize = 64 * 1024): this {
    for (let at = 0; at < data.byteLength; at += frameSize) {
      const chunk = data.subarray(at, Math.min(at + frameSize, data.byteLength));
      this.u64(chunk.byteLength);
      this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    return this.u64(0);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

interface Waiter {
  readonly n: number;
  resolve(b: Buffer): void;
  reject(e: Error): void;
}

/**
 * Reads exact byte counts from chunks pushed in order (`push`), failing
 * every pending and later read once the stream ends (`end`). One reader
 * at a time: callers must serialise their reads.
 */
export class WireReader {
  private chunks: Buffer[] = [];
  private available = 0;
  private waiter: Waiter | undefined;
  private ended: Error | undefined;

  /** Bytes received and not yet read. */
  get buffered(): number {
    return this.available;
  }

  push(chunk: Buffer): void {
    if (this.ended || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.available += chunk.length;
    const w = this.waiter;
    if (w && this.available >= w.n) {
      this.waiter = undefined;
      w.resolve(this.take(w.n));
    }
  }

  /** Ends the stream: pending and later reads that lack bytes reject with `error`. */
  end(error: Error): void {
    if (this.ended) return;
    this.ended = error;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(error);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) {
      // Fast path: no copy when one chunk holds the whole read.
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.available -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.available -= n;
    return out;
  }

  readExact(n: number): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error('WireReader: concurrent reads'));
    if (this.available >= n) return Promise.resolve(this.take(n));
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
    });
  }

  async readU64Big(): Promise<bigint> {
    return (await this.readExact(8)).readBigUInt64LE(0);
  }

  /** A u64 as a number; one beyond 2^53 - 1 is an error, not a rounded value. */
  async readU64(): Promise<number> {
    const v = await this.readU64Big();
    if (v > MAX_SAFE) throw new WireFormatError(`serialised integer ${v} is too large`);
    return Number(v);
  }

  async readBool(): Promise<boolean> {
    return (await this.readU64Big()) !== 0n;
  }

  async readBytes(max = 0x7fff_ffff): Promise<Buffer> {
    const len = await this.readU64();
    if (len > max) throw new WireFormatError(`string of ${len} bytes is too long`);
    const data = len ? Buffer.from(await this.readExact(len)) : Buffer.alloc(0);
    const pad = padding(len);
    if (pad) {
      const p = await this.readExact(pad);
      if (p.some((x) => x !== 0)) throw new WireFormatError('non-zero padding');
    }
    return data;
  }

  async readString(): Promise<string> {
    return (await this.readBytes()).toString('utf8');
  }

  async readStrings(): Promise<string[]> {
    const n = await this.readU64();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.takeString() ?? (await this.readString()));
    return out;
  }

  /**
   * A string read at once when all of it (length, bytes, padding) has
   * arrived, else undefined and nothing consumed: a list of thousands of
   * paths costs no promise per string.
   */
  private takeString(): string | undefined {
    if (this.waiter || this.available < 8) return undefined;
    const first = this.chunks[0]!;
    const len = first.length >= 8 ? Number(first.readBigUInt64LE(0)) : Number(Buffer.concat(this.chunks.slice(0, 8)).readBigUInt64LE(0));
    const pad = padding(len);
    if (len > 0x7fff_ffff || this.available < 8 + len + pad) return undefined;
    this.take(8);
    const data = this.take(len).toString('utf8');
    if (pad && this.take(pad).some((x) => x !== 0)) throw new WireFormatError('non-zero padding');
    return data;
  }
}
