/**
 * DaemonConnection against the real Nix daemon (the suite's stock daemon,
 * or the system one with NIXMAKE_TEST_SYSTEM_DAEMON=1): no fakes. Nix's own
 * commands (nix-store, nix-instantiate) are the reference for what the
 * connection did. Every build is salted so the daemon cannot answer from
 * an earlier run; nothing here collects garbage.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonConnection, DaemonError, InvalidStorePathError } from '../../store/DaemonConnection.js';
import { daemonSocketPath } from '../../store/daemonAddress.js';
import { DaemonStore } from '../../store/DaemonStore.js';
import { narOfFile as ourNarOfFile, narSha256Hex } from '../../store/nar.js';
import { makeSourcePath } from '../../store/storePath.js';
import { readClientSettings } from '../../store/nixConfig.js';
import { StoreUnavailableError } from '../../store/NixStore.js';

const salt = `${Date.now()}-${process.pid}`;
let conn: DaemonConnection;
let tmp: string;

/** A NAR of one regular file (archive.cc): padded strings, no framing. */
function narOfFile(contents: Buffer, executable = false): Buffer {
  const str = (s: string | Buffer) => {
    const b = Buffer.from(s);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(b.length));
    return Buffer.concat([len, b, Buffer.alloc((8 - (b.length % 8)) % 8)]);
  };
  const tokens = ['nix-archive-1', '(', 'type', 'regular', ...(executable ? ['executable', ''] : []), 'contents'];
  return Buffer.concat([...tokens.map(str), str(contents), str(')')]);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
// Large output: --print-roots lists every root on the machine.
const nix = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 }).trim();

/**
 * A derivation whose builder is a static busybox in the store (the test daemon's sandbox has
 * no /bin: the toolchain and everything else enter builds as store paths).
 */
function instantiate(name: string, script: string): string {
  // busybox picks its applet by argv[0]: bin/sh is a link to it.
  const dir = path.join(tmp, 'busybox');
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(dir, 'bin/busybox'));
    fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
    fs.symlinkSync('busybox', path.join(dir, 'bin/sh'));
  }
  const busybox = nix('nix-store', ['--add', dir]);
  const expr = `derivation { name = ${JSON.stringify(name)}; system = builtins.currentSystem; builder = "\${builtins.storePath ${JSON.stringify(busybox)}}/bin/sh"; args = [ "-c" ${JSON.stringify(script)} ]; PATH = "/no-path"; salt = ${JSON.stringify(salt)}; }`;
  return nix('nix-instantiate', ['-E', expr]);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-daemonconn-'));
  conn = await DaemonConnection.open(daemonSocketPath());
  await conn.setOptions(readClientSettings());
});

afterAll(async () => {
  await conn?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('DaemonConnection (real daemon)', () => {
  it('completes the handshake with the daemon', () => {
    expect(conn.daemonMinor).toBeGreaterThanOrEqual(25);
    expect(conn.daemonNixVersion).toMatch(/^2\./);
  });

  it('adds a file as a NAR: the same path nix-store --add gives, and the same NAR', async () => {
    const contents = Buffer.from(`int main(void) { return 0; } /* ${salt} */\n`.repeat(40));
    const nar = narOfFile(contents);
    const info = await conn.addToStoreNar('main.c', nar);
    expect(info.path).toMatch(/^\/nix\/store\/[0-9a-z]{32}-main\.c$/);
    expect(await conn.isValidPath(info.path)).toBe(true);
    expect(info.narHashHex).toBe(sha256(nar));
    expect(info.narSize).toBe(nar.length);
    expect(info.ca).toMatch(/^fixed:r:sha256:/);
    const dumped = execFileSync('nix-store', ['--dump', info.path]);
    expect(sha256(dumped)).toBe(sha256(nar));
    fs.writeFileSync(path.join(tmp, 'main.c'), contents);
    expect(nix('nix-store', ['--add', path.join(tmp, 'main.c')])).toBe(info.path);
  });

  it('adds an executable file', async () => {
    const info = await conn.addToStoreNar('run.sh', narOfFile(Buffer.from(`#!/bin/sh\n# ${salt}\n`), true));
    expect(fs.statSync(info.path).mode & 0o111).toBe(0o111);
  });

  it('adds a text file with references, as builtins.toFile would', async () => {
    const dep = await conn.addTextToStore('dep.txt', `dep ${salt}`, []);
    const text = `uses ${dep}\n`;
    const p = await conn.addTextToStore('user.txt', text, [dep]);
    expect(fs.readFileSync(p, 'utf8')).toBe(text);
    const info = await conn.queryPathInfo(p);
    expect(info).toMatchObject({ path: p, references: [dep], ultimate: false });
    expect(info!.ca).toMatch(/^text:sha256:/);
    expect(info!.narHash).toMatch(/^[0-9a-f]{64}$/); // 2.8 sends base16 without a prefix
    const viaNix = nix('nix-instantiate', ['--eval', '--json', '-E', `builtins.toFile "dep.txt" "dep ${salt}"`]);
    expect(JSON.parse(viaNix)).toBe(dep);
  });

  it('answers queryPathInfo undefined and queryValidPaths without a path that is not valid', async () => {
    const valid = await conn.addTextToStore('v.txt', `v ${salt}`, []);
    const missing = `/nix/store/${'0'.repeat(32)}-missing-${salt}`;
    expect(await conn.queryPathInfo(missing)).toBeUndefined();
    expect(await conn.isValidPath(missing)).toBe(false);
    expect(await conn.queryValidPaths([valid, missing])).toEqual(new Set([valid]));
  });

  it("reports the daemon's error as a DaemonError and stays usable", async () => {
    const err = await conn.addTextToStore('bad name', 'x', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as Error).message).toContain("contains illegal character ' '");
    expect((err as Error).message).not.toMatch(/\x1b/);
    expect(await conn.isValidPath(`/nix/store/${'0'.repeat(32)}-x`)).toBe(false);
  });

  it('refuses a malformed path before sending it (the daemon would hang up)', async () => {
    await expect(conn.isValidPath('/not/a/store/path')).rejects.toBeInstanceOf(InvalidStorePathError);
    await expect(conn.buildPathsWithResults(['/nix/store/short!out'])).rejects.toBeInstanceOf(InvalidStorePathError);
    expect(await conn.isValidPath(`/nix/store/${'0'.repeat(32)}-x`)).toBe(false);
  });

  it('explains a hang-up that follows an error the daemon could only report before closing', async () => {
    // Speaking to the daemon directly, around the client-side check: the 2.8
    // daemon parses the path before it can send stderr, so it reports and hangs up.
    const c = await DaemonConnection.open(daemonSocketPath(), { storeDir: '/not' });
    const p = `/not/${'0'.repeat(32)}-x`;
    await expect(c.isValidPath(p)).rejects.toThrow(DaemonError);
    await expect(c.isValidPath(p)).rejects.toThrow(/closed the connection.* \(its last error: path '\/not\/0+-x' is not in the Nix store\)/);
  });

  it('registers temporary and indirect roots', async () => {
    const p = await conn.addTextToStore('rooted.txt', `rooted ${salt}`, []);
    await conn.addTempRoot(p);
    const link = path.join(tmp, 'result');
    fs.symlinkSync(p, link);
    await conn.addIndirectRoot(link);
    const roots = nix('nix-store', ['--gc', '--print-roots']);
    expect(roots).toContain(`${link} -> ${p}`);
  });

  it('roots many paths in one round trip (addTempRoots), and the stream stays in step', async () => {
    // Paths no open connection roots: added by one that is closed again.
    const maker = await DaemonConnection.open(daemonSocketPath());
    const paths = await Promise.all([1, 2, 3].map((i) => maker.addTextToStore(`batch-${i}.txt`, `batch ${i} ${salt}`, [])));
    await maker.close();
    const c = await DaemonConnection.open(daemonSocketPath());
    try {
      await c.addTempRoots(paths);
      expect(await c.queryValidPaths(paths)).toEqual(new Set(paths));
      for (const p of paths) {
        const r = spawnSync('nix-store', ['--delete', p], { encoding: 'utf8' });
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain('still alive');
      }
    } finally {
      await c.close();
    }
    // Once the connection is closed, nothing keeps them: the first can go.
    const gone = spawnSync('nix-store', ['--delete', paths[0] as string], { encoding: 'utf8' });
    expect(gone.status).toBe(0);
  });

  it('DaemonStore.warm opens one connection ahead, which the first operation uses; a daemon that is not there is said by that operation', async () => {
    const pipes = (): number => process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap').length;
    const before = pipes();
    const store = new DaemonStore(daemonSocketPath(), readClientSettings(), 2);
    try {
      store.warm();
      store.warm();
      for (let i = 0; i < 200 && pipes() === before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(pipes()).toBe(before + 1);
      expect(await store.validPaths([`/nix/store/${'0'.repeat(32)}-warm-${salt}`])).toEqual(new Set());
      expect(pipes()).toBe(before + 1);
    } finally {
      store.close();
    }
    // Closed while warm() is still opening (a build that needed nothing): the connection does not outlive it.
    const early = new DaemonStore(daemonSocketPath(), readClientSettings(), 2);
    early.warm();
    early.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(pipes()).toBe(before);
    const missing = new DaemonStore(path.join(tmp, 'no-daemon-here'), readClientSettings(), 2);
    missing.warm();
    await new Promise((r) => setTimeout(r, 50));
    await expect(missing.validPaths([`/nix/store/${'0'.repeat(32)}-warm`])).rejects.toThrow(/no-daemon-here/);
    missing.close();
  });

  it('DaemonStore.addNars adds the missing ones of a batch, once, and checks the paths it was given', async () => {
    const store = new DaemonStore(daemonSocketPath(), readClientSettings(), 2);
    try {
      const nars = [1, 2].map((i) => ourNarOfFile(Buffer.from(`addNars ${i} ${salt}\n`), false));
      const items = nars.map((nar) => ({ name: 'nixmake-input', nar, path: makeSourcePath('nixmake-input', narSha256Hex(nar)) }));
      expect(await conn.queryValidPaths(items.map((i) => i.path))).toEqual(new Set());
      await store.addNars([...items, items[0]!]);
      expect(await conn.queryValidPaths(items.map((i) => i.path))).toEqual(new Set(items.map((i) => i.path)));
      await store.addNars(items); // already added: nothing asked
      const wrong = { ...items[0]!, nar: ourNarOfFile(Buffer.from(`other ${salt}\n`), false), path: `/nix/store/${'1'.repeat(32)}-nixmake-input` };
      await expect(store.addNars([wrong])).rejects.toThrow(/the daemon stored nixmake-input at \/nix\/store\/[0-9a-z]{32}-nixmake-input, not at/);
    } finally {
      store.close();
    }
  });

  it('builds a derivation: status Built, its log lines with its drv path, the cores from setOptions', async () => {
    const drv = instantiate(`conn-ok-${salt}`, 'echo hello-from-build; echo $NIX_BUILD_CORES; echo x > $out');
    const c = await DaemonConnection.open(daemonSocketPath());
    try {
      await c.setOptions({ ...readClientSettings(), buildCores: 3 });
      const lines: [string, string | undefined][] = [];
      const [r] = await c.buildPathsWithResults([`${drv}!out`], 0, (l, d) => lines.push([l, d]));
      expect(r).toMatchObject({ path: `${drv}!out`, statusName: 'Built', success: true, errorMsg: '', timesBuilt: 1 });
      expect(lines).toEqual([
        ['hello-from-build', drv],
        ['3', drv],
      ]);
      expect(r!.stopTime).toBeGreaterThanOrEqual(r!.startTime);
      const out = nix('nix-store', ['-q', '--outputs', drv]);
      expect(fs.readFileSync(out, 'utf8')).toBe('x\n');
      // Building again: already valid, no log.
      const again = await c.buildPathsWithResults([`${drv}!out`], 0, (l) => lines.push([l, 'again']));
      expect(again[0]).toMatchObject({ success: true });
      expect(['AlreadyValid', 'Built']).toContain(again[0]!.statusName);
      expect(lines).toHaveLength(2);
    } finally {
      await c.close();
    }
  });

  it('a cores setting in nix.conf reaches the builder as NIX_BUILD_CORES, as with nix-store', async () => {
    const conf = fs.mkdtempSync(path.join(tmp, 'conf-'));
    fs.writeFileSync(path.join(conf, 'nix.conf'), 'cores = 5\n');
    const settings = readClientSettings({ NIX_CONF_DIR: conf, HOME: tmp, XDG_CONFIG_HOME: path.join(tmp, 'xdg') });
    expect(settings.buildCores).toBe(5);
    const fromCli = readClientSettings({ NIX_CONF_DIR: conf, HOME: tmp, XDG_CONFIG_HOME: path.join(tmp, 'xdg') }, new Map([['cores', '2']]));
    expect(fromCli.buildCores).toBe(2);
    const drv = instantiate(`conn-cores-${salt}`, 'echo cores=$NIX_BUILD_CORES; echo x > $out');
    const c = await DaemonConnection.open(daemonSocketPath());
    try {
      await c.setOptions(settings);
      const lines: string[] = [];
      const [r] = await c.buildPathsWithResults([`${drv}!out`], 0, (l) => lines.push(l));
      expect(r).toMatchObject({ success: true });
      expect(lines).toEqual(['cores=5']);
    } finally {
      await c.close();
    }
  });

  it('reports a failing build with its status, message and log lines', async () => {
    const drv = instantiate(`conn-fail-${salt}`, 'echo about-to-fail; echo more >&2; exit 3');
    const lines: [string, string | undefined][] = [];
    const [r] = await conn.buildPathsWithResults([`${drv}!out`], 0, (l, d) => lines.push([l, d]));
    expect(r).toMatchObject({ statusName: 'PermanentFailure', success: false });
    expect(r!.errorMsg).toContain(`builder for '${drv}' failed with exit code 3`);
    expect(r!.errorMsg).toContain('> about-to-fail');
    expect(lines).toEqual([
      ['about-to-fail', drv],
      ['more', drv],
    ]);
    // The connection is still good after a failed build.
    expect(await conn.isValidPath(drv)).toBe(true);
  });

  it('stops the build when aborted: the builder process goes away', async () => {
    const marker = `sleeper-${salt}`;
    const drv = instantiate(`conn-abort-${salt}`, `echo started; sleep 60; echo ${marker}; echo x > $out`);
    const c = await DaemonConnection.open(daemonSocketPath());
    const ac = new AbortController();
    const build = c.buildPathsWithResults([`${drv}!out`], 0, (l) => {
      if (l === 'started') ac.abort();
    }, ac.signal);
    await expect(build).rejects.toMatchObject({ name: 'AbortError' });
    const running = () =>
      fs.readdirSync('/proc').filter((pid) => {
        try {
          return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
    for (let i = 0; i < 100 && running().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(running()).toEqual([]);
    expect(await conn.isValidPath(nix('nix-store', ['-q', '--outputs', drv]))).toBe(false);
  });

  it('says ENOENT for a missing socket', async () => {
    const missing = path.join(tmp, 'no-such-socket');
    const open = DaemonConnection.open(missing);
    await expect(open).rejects.toThrow(StoreUnavailableError);
    await expect(open).rejects.toThrow(`no socket at ${missing} (ENOENT)`);
  });

  it('says connection refused for a socket file nobody listens on', async () => {
    const stale = path.join(tmp, 'stale-socket');
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(fs.statSync(stale).isSocket()).toBe(true);
    await expect(DaemonConnection.open(stale)).rejects.toThrow(`connection refused on ${stale} (ECONNREFUSED)`);
  });
});
