/**
 * DaemonConnection against a scripted fake daemon on a temporary Unix
 * socket: every byte the client sends is compared with what Nix 2.8's
 * RemoteStore sends, and replies are written byte by byte as its daemon
 * would. The encodings are spelled out here (not built with WireWriter) so
 * that a mistake in wire.ts cannot hide itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  DaemonConnection,
  DaemonError,
  DaemonProtocolError,
  describeConnectError,
  InvalidStorePathError,
  narHashToHex,
} from '../../store/DaemonConnection.js';
import type { ClientSettings } from '../../store/nixConfig.js';
import { StoreUnavailableError } from '../../store/NixStore.js';
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

const NEXT = u(0x6f6c6d67);
const READ = u(0x64617461);
const WRITE = u(0x64617416);
const LAST = u(0x616c7473);
const ERROR = u(0x63787470);
const START = u(0x53545254);
const STOP = u(0x53544f50);
const RESULT = u(0x52534c54);
const fInt = (n: number | bigint) => u(0) + u(n);
const fStr = (s: string) => u(1) + str(s);
const fields = (...fs: string[]) => u(fs.length) + fs.join('');

class Peer {
  readonly r = new WireReader();
  received = 0;
  readonly closed: Promise<void>;
  constructor(readonly sock: net.Socket) {
    sock.on('data', (b: Buffer) => {
      this.received += b.length;
      this.r.push(b);
    });
    this.closed = new Promise((resolve) => sock.on('close', () => resolve()));
    sock.on('close', () => this.r.end(new Error('the client closed the connection')));
    sock.on('error', () => undefined);
  }
  send(...hex: string[]): void {
    this.sock.write(Buffer.from(hex.join(''), 'hex'));
  }
  /** Reads exactly the given bytes from the client. */
  async expect(...hex: string[]): Promise<void> {
    const want = hex.join('');
    const got = await this.r.readExact(want.length / 2);
    expect(got.toString('hex')).toBe(want);
  }
  /** Answers the handshake as a daemon of protocol 1.`minor`, after checking the client's bytes. */
  async greet(minor: number, nixVersion = '2.8.0'): Promise<void> {
    await this.expect(u(0x6e697863));
    this.send(u(0x6478696f), u(0x100 | minor));
    await this.expect(u(0x122), minor >= 14 ? u(0) : '', minor >= 11 ? u(0) : '');
    if (minor >= 33) this.send(str(nixVersion));
    this.send(LAST);
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function fakeDaemon(script: (d: Peer) => Promise<void>): Promise<{ path: string; done: Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'nixmake-fake-daemon-'));
  const path = join(dir, 'socket');
  const server = net.createServer();
  const sockets: net.Socket[] = [];
  const done = new Promise<void>((resolve, reject) =>
    server.once('connection', (s) => {
      sockets.push(s);
      // A failed expectation hangs up, so the client fails fast instead of waiting.
      script(new Peer(s)).then(resolve, (e: unknown) => {
        s.destroy();
        reject(e);
      });
    }),
  );
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, done };
}

const SETTINGS: ClientSettings = {
  keepFailed: true,
  keepGoing: false,
  tryFallback: true,
  verbosity: 1,
  maxBuildJobs: 4,
  maxSilentTime: 60,
  buildVerbosity: 0,
  buildCores: 3,
  useSubstitutes: false,
  overrides: new Map([
    ['timeout', '30'],
    ['a-b', 'x'],
  ]),
};

describe('DaemonConnection handshake', () => {
  it('greets a 1.34 daemon as RemoteStore does and keeps its Nix version', async () => {
    const fake = await fakeDaemon((d) => d.greet(34, '2.8.0'));
    const c = await DaemonConnection.open(fake.path);
    await fake.done;
    expect(c.daemonMinor).toBe(34);
    expect(c.minor).toBe(34);
    expect(c.daemonNixVersion).toBe('2.8.0');
    c.destroy();
  });

  it('closed and unref-ed, holds the process no longer while the daemon has not hung up', async () => {
    const fake = await fakeDaemon((d) => d.greet(34));
    const c = await DaemonConnection.open(fake.path);
    await fake.done;
    const pipes = (): number => process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap').length;
    const open = pipes();
    void c.close();
    expect(pipes()).toBe(open);
    c.unref();
    // The fake daemon never hangs up: only the client's end stopped counting.
    expect(pipes()).toBe(open - 1);
    c.destroy();
  });

  it('reads no Nix version from a daemon older than 1.33', async () => {
    const fake = await fakeDaemon((d) => d.greet(32));
    const c = await DaemonConnection.open(fake.path);
    await fake.done;
    expect(c.daemonNixVersion).toBeUndefined();
    expect(c.minor).toBe(32);
    c.destroy();
  });

  it('speaks 1.34 to a newer daemon', async () => {
    const fake = await fakeDaemon((d) => d.greet(37, '2.20.0'));
    const c = await DaemonConnection.open(fake.path);
    await fake.done;
    expect([c.daemonMinor, c.minor, c.daemonNixVersion]).toEqual([37, 34, '2.20.0']);
    c.destroy();
  });

  it.each([
    [0x0218, /speaks protocol 2\.24; nixmake needs 1\.25 or later/],
    [0x0118, /speaks protocol 1\.24; nixmake needs 1\.25 or later/],
  ])('refuses a daemon of version %s', async (version, message) => {
    const fake = await fakeDaemon(async (d) => {
      await d.expect(u(0x6e697863));
      d.send(u(0x6478696f), u(version));
      await d.closed;
    });
    const open = DaemonConnection.open(fake.path);
    await expect(open).rejects.toThrow(StoreUnavailableError);
    await expect(open).rejects.toThrow(message);
    await fake.done;
  });

  it('refuses a socket that does not answer the magic', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.expect(u(0x6e697863));
      d.send(u(42));
      await d.closed;
    });
    await expect(DaemonConnection.open(fake.path)).rejects.toThrow(/not a Nix daemon socket \(protocol mismatch\)/);
  });

  it("turns the daemon's startup error into StoreUnavailableError", async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.expect(u(0x6e697863));
      d.send(u(0x6478696f), u(0x122));
      await d.expect(u(0x122), u(0), u(0));
      d.send(str('2.8.0'), ERROR, str('Error'), u(0), str('Error'), str('you are not trusted'), u(0), u(0));
    });
    await expect(DaemonConnection.open(fake.path)).rejects.toThrow(/refused the connection: you are not trusted/);
  });

  it('reports a daemon that hangs up during the handshake', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.expect(u(0x6e697863));
      d.sock.destroy();
    });
    await expect(DaemonConnection.open(fake.path)).rejects.toThrow(/closed the connection during the handshake/);
  });

  it('names the socket and the cure for a missing socket', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nixmake-nosock-')), 'socket');
    const open = DaemonConnection.open(path);
    await expect(open).rejects.toThrow(StoreUnavailableError);
    await expect(open).rejects.toThrow(`no socket at ${path} (ENOENT). Start nix-daemon`);
  });

  it('says connection refused for a socket nobody listens on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixmake-stale-'));
    const path = join(dir, 'socket');
    // A process that dies while listening leaves its socket file behind, as a crashed daemon would.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await expect(DaemonConnection.open(path)).rejects.toThrow(`connection refused on ${path} (ECONNREFUSED)`);
  });

  it('describes permission errors (EACCES) with what to fix', () => {
    const e = describeConnectError(Object.assign(new Error('x'), { code: 'EACCES' }), '/s');
    expect(e).toBeInstanceOf(StoreUnavailableError);
    expect(e.message).toMatch(/permission denied on \/s \(EACCES\)\. Fix the permissions.*check NIX_REMOTE and NIX_DAEMON_SOCKET_PATH/);
  });

  it('rejects with an AbortError when aborted during the handshake', async () => {
    const ac = new AbortController();
    const fake = await fakeDaemon(async (d) => {
      await d.expect(u(0x6e697863));
      ac.abort();
      await d.closed;
    });
    await expect(DaemonConnection.open(fake.path, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await fake.done;
  });
});

describe('DaemonConnection operations', () => {
  it('sends wopSetOptions with the fixed fields and the sorted overrides', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(
        u(19),
        u(1), u(0), u(1), // keepFailed, keepGoing, tryFallback
        u(1), u(4), u(60), // verbosity, maxBuildJobs, maxSilentTime
        u(1), // obsolete useBuildHook
        u(0), // buildVerbosity (lvlError: verbose build)
        u(0), u(0), // obsolete logType, printBuildTrace
        u(3), u(0), // buildCores, useSubstitutes
        u(2), str('a-b'), str('x'), str('timeout'), str('30'),
      );
      d.send(LAST);
    });
    const c = await DaemonConnection.open(fake.path);
    await c.setOptions(SETTINGS);
    await fake.done;
    c.destroy();
  });

  it('asks isValidPath and passes STDERR_NEXT text to onMessage', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(1), str('/nix/store/abcabcabcabcabcabcabcabcabcabcab-x'));
      d.send(NEXT, str('\x1b[33mwarning:\x1b[0m careful\n'), LAST, u(1));
      await d.expect(u(1), str('/nix/store/abcabcabcabcabcabcabcabcabcabcab-y'));
      d.send(LAST, u(0));
    });
    const messages: string[] = [];
    const c = await DaemonConnection.open(fake.path, { onMessage: (m) => messages.push(m) });
    expect(await c.isValidPath('/nix/store/abcabcabcabcabcabcabcabcabcabcab-x')).toBe(true);
    expect(await c.isValidPath('/nix/store/abcabcabcabcabcabcabcabcabcabcab-y')).toBe(false);
    expect(messages).toEqual(['warning: careful']);
    await fake.done;
    c.destroy();
  });

  it.each([
    [34, u(0)],
    [27, u(0)],
    [26, ''],
  ])('sends queryValidPaths sorted, with the substitute flag from 1.27 (daemon 1.%s)', async (minor, flag) => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(minor);
      await d.expect(u(31), strs(['/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1', '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-2']), flag);
      d.send(LAST, strs(['/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-2']));
    });
    const c = await DaemonConnection.open(fake.path);
    expect(await c.queryValidPaths(['/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-2', '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1', '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-2'])).toEqual(new Set(['/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-2']));
    await fake.done;
    c.destroy();
  });

  it('decodes queryPathInfo, and undefined for an invalid path', async () => {
    const hash = '8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4';
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(26), str('/nix/store/pppppppppppppppppppppppppppppppp-x'));
      d.send(LAST, u(1), str('/nix/store/dddddddddddddddddddddddddddddddd-x.drv'), str(hash), strs(['/nix/store/rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr-1']), u(1700000000), u(120), u(1), strs(['k:sig']), str(''));
      await d.expect(u(26), str('/nix/store/qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq-y'));
      d.send(LAST, u(0));
    });
    const c = await DaemonConnection.open(fake.path);
    expect(await c.queryPathInfo('/nix/store/pppppppppppppppppppppppppppppppp-x')).toEqual({
      path: '/nix/store/pppppppppppppppppppppppppppppppp-x',
      deriver: '/nix/store/dddddddddddddddddddddddddddddddd-x.drv',
      narHash: hash,
      narHashHex: hash,
      references: ['/nix/store/rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr-1'],
      registrationTime: 1700000000,
      narSize: 120,
      ultimate: true,
      sigs: ['k:sig'],
    });
    expect(await c.queryPathInfo('/nix/store/qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq-y')).toBeUndefined();
    await fake.done;
    c.destroy();
  });

  it('sends addToStoreNar as wopAddToStore with a framed dump and reads the path info', async () => {
    const nar = Buffer.from('0123456789abcdefXYZ');
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(7), str('src'), str('fixed:r:sha256'), strs(['/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-ref', '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-ref']), u(0));
      await d.expect(u(nar.length), nar.toString('hex'), u(0));
      d.send(LAST, str('/nix/store/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-src'), str(''), str('ab'.repeat(32)), strs([]), u(5), u(19), u(0), strs([]), str('fixed:r:sha256:xyz'));
    });
    const c = await DaemonConnection.open(fake.path);
    const info = await c.addToStoreNar('src', nar, 'fixed:r:sha256', ['/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-ref', '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-ref']);
    expect(info).toMatchObject({ path: '/nix/store/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-src', narSize: 19, ca: 'fixed:r:sha256:xyz', registrationTime: 5 });
    expect(info.deriver).toBeUndefined();
    await fake.done;
    c.destroy();
  });

  it('sends addTextToStore as wopAddToStore with text:sha256', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(7), str('t.txt'), str('text:sha256'), strs([]), u(0), u(2), Buffer.from('hi').toString('hex'), u(0));
      d.send(LAST, str('/nix/store/hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh-t.txt'), str(''), str('cd'.repeat(32)), strs([]), u(5), u(120), u(0), strs([]), str('text:sha256:x'));
    });
    const c = await DaemonConnection.open(fake.path);
    expect(await c.addTextToStore('t.txt', 'hi', [])).toBe('/nix/store/hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh-t.txt');
    await fake.done;
    c.destroy();
  });

  it('refuses a content-address method the daemon could not parse, sending nothing', async () => {
    const fake = await fakeDaemon((d) => d.greet(34));
    const c = await DaemonConnection.open(fake.path);
    await expect(c.addToStoreNar('x', Buffer.alloc(0), 'fixed:sha3')).rejects.toThrow(TypeError);
    c.destroy();
  });

  it('sends addTempRoot and addIndirectRoot', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(11), str('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-b'));
      d.send(LAST, u(1));
      await d.expect(u(12), str('/home/u/p/.nixmake/gcroots/x'));
      d.send(LAST, u(1));
    });
    const c = await DaemonConnection.open(fake.path);
    await c.addTempRoot('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-b');
    await c.addIndirectRoot('/home/u/p/.nixmake/gcroots/x');
    await fake.done;
    c.destroy();
  });

  it('runs concurrent operations one at a time, in call order', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      const afterGreeting = d.received;
      await d.expect(u(1), str('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1'));
      await new Promise((r) => setTimeout(r, 30));
      expect(d.received).toBe(afterGreeting + 8 + 56); // nothing of the second request yet
      d.send(LAST, u(1));
      await d.expect(u(1), str('/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-2'));
      d.send(LAST, u(0));
    });
    const c = await DaemonConnection.open(fake.path);
    const [a, b] = await Promise.all([c.isValidPath('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1'), c.isValidPath('/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-2')]);
    expect([a, b]).toEqual([true, false]);
    await fake.done;
    c.destroy();
  });
});

describe('DaemonConnection errors', () => {
  it('decodes the 1.26+ error (level, message without colours, traces) and stays usable', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(1), str('/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bad'));
      d.send(ERROR, str('Error'), u(0), str('Error'), str("\x1b[31;1merror:\x1b[0m path '\x1b[35;1m/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bad\x1b[0m' is not in the Nix store"), u(0), u(1), u(0), str('while \x1b[1mchecking\x1b[0m'));
      await d.expect(u(1), str('/nix/store/abcabcabcabcabcabcabcabcabcabcab-ok'));
      d.send(LAST, u(1));
    });
    const c = await DaemonConnection.open(fake.path);
    const err = await c.isValidPath('/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bad').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect(err).toMatchObject({ message: "error: path '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bad' is not in the Nix store", level: 0, status: 1, traces: ['while checking'] });
    expect(await c.isValidPath('/nix/store/abcabcabcabcabcabcabcabcabcabcab-ok')).toBe(true);
    await fake.done;
    c.destroy();
  });

  it('decodes the 1.25 error (message and exit status)', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(25);
      await d.expect(u(11), str('/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bad'));
      d.send(NEXT, str('something\n'), ERROR, str('error: \x1b[1mboom\x1b[0m'), u(101));
    });
    const c = await DaemonConnection.open(fake.path);
    await expect(c.addTempRoot('/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bad')).rejects.toMatchObject({ name: 'DaemonError', message: 'error: boom', status: 101, level: 0 });
    await fake.done;
    c.destroy();
  });

  it.each([
    ['STDERR_READ', READ + u(100)],
    ['STDERR_WRITE', WRITE + str('data')],
    ['unknown message 0x12345', u(0x12345)],
  ])('treats %s as a protocol error and closes the connection', async (what, bytes) => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(1), str('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1'));
      d.send(bytes);
      await d.closed;
    });
    const c = await DaemonConnection.open(fake.path);
    const err = await c.isValidPath('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonProtocolError);
    expect((err as Error).message).toContain(what);
    await fake.done;
    await expect(c.isValidPath('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1')).rejects.toBeInstanceOf(DaemonProtocolError);
  });

  it('sees a daemon that repeats an error and hangs up (2.8, an error before startWork)', async () => {
    const err = ERROR + str('Error') + u(0) + str('Error') + str("path '/x' is not in the Nix store") + u(0) + u(0);
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(11), str('/nix/store/00000000000000000000000000000000-x'));
      d.send(err + err);
      d.sock.end();
    });
    const c = await DaemonConnection.open(fake.path);
    await expect(c.addTempRoot('/nix/store/00000000000000000000000000000000-x')).rejects.toBeInstanceOf(DaemonError);
    await fake.done;
    await expect(c.isValidPath('/nix/store/00000000000000000000000000000000-x')).rejects.toThrow(
      "closed the connection (its last error: path '/x' is not in the Nix store)",
    );
  });

  it('refuses a malformed store path without sending it, and stays usable', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(1), str('/nix/store/00000000000000000000000000000000-ok'));
      d.send(LAST, u(1));
    });
    const c = await DaemonConnection.open(fake.path);
    for (const bad of ['/nix/store/short', '/other/00000000000000000000000000000000-x', '/nix/store/0000000000000000000000000000000e-x', '/nix/store/00000000000000000000000000000000-a b']) {
      await expect(c.isValidPath(bad)).rejects.toBeInstanceOf(InvalidStorePathError);
    }
    await expect(c.buildPathsWithResults(['/nix/store/x.drv!out'])).rejects.toBeInstanceOf(InvalidStorePathError);
    await expect(c.addToStoreNar('n', Buffer.alloc(0), 'fixed:r:sha256', ['relative'])).rejects.toBeInstanceOf(InvalidStorePathError);
    expect(await c.isValidPath('/nix/store/00000000000000000000000000000000-ok')).toBe(true);
    await fake.done;
    c.destroy();
  });

  it('fails the running operation when the daemon goes away', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(1), str('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1'));
      d.sock.destroy();
    });
    const c = await DaemonConnection.open(fake.path);
    await expect(c.isValidPath('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1')).rejects.toThrow(/closed the connection/);
  });
});

describe('DaemonConnection builds', () => {
  const drv1 = '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-one.drv';
  const drv2 = '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-two.drv';
  // Activity ids are (pid << 32) + n: beyond 2^53 two ids can differ in bits a number does not keep.
  const top = (1n << 54n) + 8n;
  const a1 = (1n << 54n) + 1n;
  const a2 = (1n << 54n) + 2n;
  const child = (1n << 54n) + 3n;

  it('sends wopBuildPathsWithResults, attributes log lines to their build and decodes the results', async () => {
    const realisation = JSON.stringify({ dependentRealisations: {}, id: 'sha256:ff!out', outPath: 'cccc-one', signatures: [] });
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(46), strs([`${drv1}!out`, `${drv2}!out`]), u(0));
      d.send(
        START, u(top), u(3), u(104), str(''), fields(), u(0),
        START, u(a1), u(3), u(105), str(`building '${drv1}'`), fields(fStr(drv1), fStr(''), fInt(1), fInt(1)), u(top),
        START, u(a2), u(3), u(105), str(`building '${drv2}'`), fields(fStr(drv2), fStr(''), fInt(1), fInt(1)), u(top),
        START, u(child), u(3), u(0), str('sub'), fields(), u(a1),
        RESULT, u(a2), u(101), fields(fStr('two says hi')),
        RESULT, u(a1), u(101), fields(fStr('one says hi')),
        RESULT, u(child), u(101), fields(fStr('nested line')),
        RESULT, u(a1), u(105), fields(fInt(1), fInt(2), fInt(0), fInt(0)),
        RESULT, u(top), u(101), fields(fStr('not in a build')),
        NEXT, str('plain text\n'),
        STOP, u(child), STOP, u(a1), STOP, u(a2), STOP, u(top),
        LAST,
        u(2),
        str(`${drv1}!out`), u(0), str(''), u(1), u(0), u(1700000000), u(1700000002), u(1), str('sha256:ff!out'), str(realisation),
        str(`${drv2}!out`), u(3), str("builder for '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-two.drv' failed with exit code 1"), u(1), u(0), u(5), u(6), u(0),
      );
    });
    const c = await DaemonConnection.open(fake.path);
    const lines: [string, string | undefined][] = [];
    const messages: string[] = [];
    const results = await c.buildPathsWithResults([`${drv1}!out`, `${drv2}!out`], 0, (l, p) => lines.push([l, p]), undefined, (m) => messages.push(m));
    expect(lines).toEqual([
      ['two says hi', drv2],
      ['one says hi', drv1],
      ['nested line', drv1],
      ['not in a build', undefined],
    ]);
    expect(messages).toEqual(['plain text']);
    expect(results).toEqual([
      {
        path: `${drv1}!out`,
        status: 0,
        statusName: 'Built',
        success: true,
        errorMsg: '',
        timesBuilt: 1,
        isNonDeterministic: false,
        startTime: 1700000000,
        stopTime: 1700000002,
        builtOutputs: { 'sha256:ff!out': JSON.parse(realisation) },
        outputs: { out: '/nix/store/cccc-one' },
      },
      {
        path: `${drv2}!out`,
        status: 3,
        statusName: 'PermanentFailure',
        success: false,
        errorMsg: "builder for '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-two.drv' failed with exit code 1",
        timesBuilt: 1,
        isNonDeterministic: false,
        startTime: 5,
        stopTime: 6,
        builtOutputs: {},
        outputs: {},
      },
    ]);
    await fake.done;
    c.destroy();
  });

  it('names every 2.8 status', async () => {
    const names = ['Built', 'Substituted', 'AlreadyValid', 'PermanentFailure', 'InputRejected', 'OutputRejected', 'TransientFailure', 'CachedFailure', 'TimedOut', 'MiscFailure', 'DependencyFailed', 'LogLimitExceeded', 'NotDeterministic', 'ResolvesToAlreadyValid', 'NoSubstituters', 'Unknown(15)'];
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(46), strs(['/nix/store/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-y']), u(2));
      d.send(LAST, u(names.length), ...names.map((_, i) => str('/nix/store/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-y') + u(i) + str('') + u(0) + u(0) + u(0) + u(0) + u(0)));
    });
    const c = await DaemonConnection.open(fake.path);
    const results = await c.buildPathsWithResults(['/nix/store/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-y'], 2);
    expect(results.map((r) => r.statusName)).toEqual(names);
    expect(results.filter((r) => r.success).map((r) => r.statusName)).toEqual(['Built', 'Substituted', 'AlreadyValid', 'ResolvesToAlreadyValid']);
    await fake.done;
    c.destroy();
  });

  it('falls back to wopBuildPaths before 1.34', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(33);
      await d.expect(u(9), strs([`${drv1}!out`, '/nix/store/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-y']), u(0));
      d.send(LAST, u(1));
    });
    const c = await DaemonConnection.open(fake.path);
    const results = await c.buildPathsWithResults([`${drv1}!out`, '/nix/store/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-y']);
    expect(results.map((r) => [r.path, r.statusName, r.success])).toEqual([
      [`${drv1}!out`, 'Built', true],
      ['/nix/store/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-y', 'Substituted', true],
    ]);
    await fake.done;
    c.destroy();
  });

  it('closes the connection when aborted, so the daemon stops the build, and rejects with AbortError', async () => {
    const ac = new AbortController();
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(46), strs([`${drv1}!out`]), u(0));
      d.send(START, u(a1), u(3), u(105), str(''), fields(fStr(drv1)), u(0), RESULT, u(a1), u(101), fields(fStr('working')));
      await d.closed;
    });
    const c = await DaemonConnection.open(fake.path);
    const build = c.buildPathsWithResults([`${drv1}!out`], 0, () => ac.abort(), ac.signal);
    await expect(build).rejects.toMatchObject({ name: 'AbortError' });
    await fake.done;
    await expect(c.isValidPath('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1')).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('does not start a build whose signal is already aborted', async () => {
    const fake = await fakeDaemon(async (d) => {
      await d.greet(34);
      await d.expect(u(1), str('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1'));
      d.send(LAST, u(1));
    });
    const c = await DaemonConnection.open(fake.path);
    const ac = new AbortController();
    ac.abort();
    await expect(c.buildPathsWithResults([`${drv1}!out`], 0, undefined, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(await c.isValidPath('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1')).toBe(true);
    await fake.done;
    c.destroy();
  });
});

describe('narHashToHex', () => {
  const hex = '8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4';
  it('accepts base16 as 2.8 sends it, and the prefixed, nixbase32 and SRI forms', () => {
    expect(narHashToHex(hex.toUpperCase())).toBe(hex);
    expect(narHashToHex(`sha256:${hex}`)).toBe(hex);
    expect(narHashToHex('sha256:193s6bfb4ncbr0d3rpb177cac43b2z2h3afxi7grcswgci346hwg')).toBe(hex);
    expect(narHashToHex(`sha256-${Buffer.from(hex, 'hex').toString('base64')}`)).toBe(hex);
    expect(() => narHashToHex('md5:abc')).toThrow(DaemonProtocolError);
  });
});
