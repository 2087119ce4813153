/**
 * NAR serialisation against `nix-store --dump` of the same files.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { narFileHeader, narFileTrailer, narOfFile, narOfPath, narOfSymlink, narSha256Hex } from '../../store/nar.js';
import { makeSourcePath } from '../../store/storePath.js';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-nar-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('narOfFile', () => {
  it('writes exactly the bytes `nix-store --dump hello.txt | xxd` shows', () => {
    const str = (s: string): string => {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(s.length));
      return len.toString('hex') + Buffer.from(s).toString('hex') + '00'.repeat((8 - (s.length % 8)) % 8);
    };
    const expected = ['nix-archive-1', '(', 'type', 'regular', 'contents', 'hello', ')'].map(str).join('');
    expect(narOfFile(Buffer.from('hello'), false).toString('hex')).toBe(expected);
  });

  it.each([
    // nix-store --dump hello.txt | sha256sum   ("hello", mode 644)
    ['hello', false, '0a430879c266f8b57f4092a0f935cf3facd48bbccde5760d4748ca405171e969'],
    // nix-store --dump exe.sh | sha256sum      (mode 755)
    ['#!/bin/sh\necho hi\n', true, '5e0accf02cedede5e4119ffa15e79e79a5fb1fb9bc43c3d434f33227a14477a0'],
    // nix-store --dump empty | sha256sum       (empty file)
    ['', false, '77ac62e2629d8e45f624589c0c8bf99e24b3a722349bf1e79bc186008534e246'],
  ])('hashes %j (executable %s) as Nix does', (contents, executable, sha) => {
    expect(narSha256Hex(narOfFile(Buffer.from(contents), executable))).toBe(sha);
  });

  it('header + contents + trailer streamed through a hash equals narOfFile, for every padding', () => {
    for (let size = 0; size <= 17; size++) {
      for (const executable of [false, true]) {
        const contents = Buffer.alloc(size, 0x61 + size);
        const h = createHash('sha256');
        h.update(narFileHeader(size, executable));
        h.update(contents);
        h.update(narFileTrailer(size));
        expect(h.digest('hex')).toBe(narSha256Hex(narOfFile(contents, executable)));
        expect(narOfFile(contents, executable).length % 8).toBe(0);
      }
    }
  });
});

describe('narOfSymlink and narOfPath', () => {
  it('symlinks: ln -s "/some/target path" link; nix-store --dump link | sha256sum', () => {
    const sha = '906d04ca1c8516304c5d838d052a159f4f7a4082112e400a181ea0d94a59cdc2';
    expect(narSha256Hex(narOfSymlink('/some/target path'))).toBe(sha);
    const link = path.join(dir, 'link');
    fs.symlinkSync('/some/target path', link);
    expect(narSha256Hex(narOfPath(link))).toBe(sha);
    // nix-store --add link
    expect(makeSourcePath('link', sha)).toBe('/nix/store/ck9d5gnpik0nw4g86wd2653dyza8cvnm-link');
  });

  it('directories: entries in byte order (Z before b), executables and symlinks inside', () => {
    // mkdir -p d/sub; printf B > d/b; printf A > d/Z; ln -s ../b d/sub/link; printf x > d/sub/a; chmod +x d/sub/a
    const d = path.join(dir, 'd');
    fs.mkdirSync(path.join(d, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(d, 'b'), 'B');
    fs.writeFileSync(path.join(d, 'Z'), 'A');
    fs.symlinkSync('../b', path.join(d, 'sub/link'));
    fs.writeFileSync(path.join(d, 'sub/a'), 'x', { mode: 0o755 });
    const sha = narSha256Hex(narOfPath(d));
    // nix-store --dump d | sha256sum
    expect(sha).toBe('dcd736ccbf79e56c5eb62d4dc0d9268004b2f5ce0748122a22f259dbb0fb3b4a');
    // nix-store --add d
    expect(makeSourcePath('d', sha)).toBe('/nix/store/31mz46jfp3qr03fpfsz4r5r57i3zb1qk-d');
  });

  it('regular files read from disk match narOfFile, executable bit included', () => {
    const f = path.join(dir, 'exe.sh');
    fs.writeFileSync(f, '#!/bin/sh\necho hi\n', { mode: 0o755 });
    expect(narOfPath(f).equals(narOfFile(Buffer.from('#!/bin/sh\necho hi\n'), true))).toBe(true);
  });
});
