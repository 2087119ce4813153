/**
 * addWithReferences: the content-addressed path of a NAR with references
 * (pure), the reference scan, and DaemonConnection.addNarWithInfo's bytes
 * (wopAddToStoreNar as Nix 2.8's RemoteStore::addToStore sends it), against
 * a scripted fake daemon. The real daemon's acceptance is in
 * test/integration/toolchainImport.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addNarWithReferences, contentAddressedNar, narReferences } from '../../store/addWithReferences.js';
import { DaemonConnection } from '../../store/DaemonConnection.js';
import { narOfFile, narSha256Hex } from '../../store/nar.js';
import { fromNixBase32 } from '../../store/nixbase32.js';
import { makeFixedOutputPath, makeSourcePath } from '../../store/storePath.js';
import { WireReader } from '../../store/wire.js';

const u = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b.toString('hex');
};
const str = (s: string | Buffer) => {
  const b = Buffer.from(s);
  return u(b.length) + b.toString('hex') + '00'.repeat((8 - (b.length % 8)) % 8);
};
const strs = (ss: string[]) => u(ss.length) + ss.map(str).join('');
const LAST = u(0x616c7473);

const LIBC = '/nix/store/lram4xsrw3hrb0pjlk8gmbdv7i107x9k-nixmake-host-glibc-2.36';
const OTHER = '/nix/store/0000000000000000000000000000000a-other';

describe('contentAddressedNar', () => {
  const nar = narOfFile(Buffer.from(`#!interp ${LIBC}/lib/ld-linux-x86-64.so.2\n`), true);

  it('is the source path of the NAR when there are no references', () => {
    const info = contentAddressedNar('x', nar, []);
    expect(info.path).toBe(makeSourcePath('x', narSha256Hex(nar)));
  });

  it('lists the references, sorted and once, in the path type and the info', () => {
    const info = contentAddressedNar('tools', nar, [OTHER, LIBC, OTHER]);
    expect(info.references).toEqual([OTHER, LIBC].sort());
    expect(info.path).toBe(makeFixedOutputPath('recursive', 'sha256', narSha256Hex(nar), 'tools', [LIBC, OTHER]));
    expect(info.path).not.toBe(contentAddressedNar('tools', nar, [LIBC]).path);
    expect(info.narSize).toBe(nar.length);
    expect(info.ca).toMatch(/^fixed:r:sha256:[0-9a-df-np-sv-z]{52}$/);
    expect(fromNixBase32(info.ca.slice('fixed:r:sha256:'.length)).toString('hex')).toBe(narSha256Hex(nar));
  });

  it('finds references by their hash part', () => {
    expect(narReferences(nar, [OTHER, LIBC])).toEqual([LIBC]);
  });
});

describe('DaemonConnection.addNarWithInfo', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('sends wopAddToStoreNar with the path info, no repair, signatures checked, then the framed NAR', async () => {
    const nar = narOfFile(Buffer.from(`${LIBC}\n`), false);
    const info = contentAddressedNar('tools', nar, [LIBC]);
    const dir = mkdtempSync(join(tmpdir(), 'nixmake-fake-daemon-'));
    const server = net.createServer();
    const sockets: net.Socket[] = [];
    cleanup = () => {
      for (const s of sockets) s.destroy();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    };
    const done = new Promise<void>((resolve, reject) =>
      server.once('connection', (s) => {
        sockets.push(s);
        const r = new WireReader();
        s.on('data', (b: Buffer) => r.push(b));
        const expectHex = async (...hex: string[]) => expect((await r.readExact(hex.join('').length / 2)).toString('hex')).toBe(hex.join(''));
        const send = (...hex: string[]) => s.write(Buffer.from(hex.join(''), 'hex'));
        (async () => {
          await expectHex(u(0x6e697863));
          send(u(0x6478696f), u(0x100 | 34));
          await expectHex(u(0x122), u(0), u(0));
          send(str('2.8.0'), LAST);
          await expectHex(u(11), str(info.path)); // addTempRoot
          send(LAST, u(1));
          await expectHex(u(1), str(info.path)); // isValidPath
          send(LAST, u(0));
          await expectHex(u(39), str(info.path), str(''), str(info.narHashHex), strs([LIBC]), u(0), u(nar.length), u(0), strs([]), str(info.ca), u(0), u(0));
          await expectHex(u(nar.length), nar.toString('hex'), u(0));
          send(LAST);
        })().then(resolve, (e: unknown) => {
          s.destroy();
          reject(e);
        });
      }),
    );
    await new Promise<void>((resolve) => server.listen(join(dir, 'socket'), resolve));
    const c = await DaemonConnection.open(join(dir, 'socket'));
    expect(await addNarWithReferences(c, 'tools', nar, [LIBC])).toBe(info.path);
    await done;
    c.destroy();
  });
});
