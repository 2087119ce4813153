/**
 * Sharing builds through Nix (issue 18), against the real daemon: `push`
 * writes a signed file:// binary cache; after the project's outputs are
 * deleted from the store, a build that names the cache and its key fetches
 * every node instead of compiling (summary `substituted`, terminal
 * "fetched"); a wrong key compiles and says why; `build --check` passes on
 * a deterministic project and names a TU that embeds `__TIME__`.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromNixBase32 } from '../../store/nixbase32.js';
import { build, nixmake, run, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);
const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-cache-test-'));
  temps.push(d);
  return d;
}

/** Unique sources, so that no other test (or machine state) has these outputs. */
function uniqueProject(extra: Record<string, string> = {}): string {
  const nonce = `${process.pid}-${Date.now()}-${Math.random()}`;
  return project({
    'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
    'src/main.c': `#include <stdio.h>\nint f(void);\nint main(void) { printf("%d\\n", f()); return 0; }\n/* ${nonce} */\n`,
    'src/f.c': `int f(void) { return 42; }\n/* ${nonce} */\n`,
    ...extra,
  });
}

function keyPair(dir: string, name: string): { sec: string; pub: string } {
  const sec = path.join(dir, `${name}.sec`);
  const pubFile = path.join(dir, `${name}.pub`);
  const r = spawnSync('nix-store', ['--generate-binary-cache-key', name, sec, pubFile], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { sec, pub: fs.readFileSync(pubFile, 'utf8').trim() };
}

/**
 * The outputs the project's GC roots name; the roots are removed and the
 * outputs deleted from the store, with the links' derivations (a link that
 * is not pinned names its objects' outputs, which stay alive while it does).
 */
function deleteOutputs(dir: string): string[] {
  const roots = path.join(dir, '.nixmake/gcroots');
  const named = (re: RegExp): string[] => fs.readdirSync(roots).filter((n) => re.test(n)).map((n) => fs.readlinkSync(path.join(roots, n)));
  const outs = named(/^(obj|link)-[0-9a-f]{24}$/);
  const linkDrvs = named(/^link-[0-9a-f]{24}-drv$/);
  expect(linkDrvs.length).toBeGreaterThan(0);
  fs.rmSync(roots, { recursive: true, force: true });
  fs.rmSync(path.join(dir, 'result-app'), { force: true });
  const r = run('nix-store', ['--delete', ...outs, ...linkDrvs]);
  expect(r.code, r.stderr).toBe(0);
  for (const o of outs) expect(fs.existsSync(o)).toBe(false);
  return outs;
}

function narInfo(text: string): Map<string, string> {
  return new Map(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
}

describe('nixmake push and substitution', () => {
  it('push without a build is a clear error; a URL it cannot write is refused with what to use', () => {
    const dir = uniqueProject();
    const r = nixmake(['push', '-C', dir, `file://${tempDir()}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing to push');
    expect(r.stderr).toContain('run nixmake build first');
    const s3 = nixmake(['push', '-C', dir, 's3://bucket']);
    expect(s3.code).toBe(1);
    expect(s3.stderr).toContain('nixmake push writes file:// caches only (got s3://)');
  });

  it('pushes signed paths with their closure; a store without them fetches every node instead of compiling', () => {
    const dir = uniqueProject();
    const keys = tempDir();
    const { sec, pub } = keyPair(keys, 'nixmake-test-1');
    expect(build(dir).counts).toMatchObject({ objects_built: 2, links_built: 1, failed: 0 });
    const cache = tempDir();
    const url = `file://${cache}`;
    const p = nixmake(['push', '-C', dir, url, '--sign-key', sec]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toContain(`--option trusted-public-keys ${pub}`);
    expect(p.stdout).toContain('nixmake push: 4 outputs of the last build');
    expect(fs.readFileSync(path.join(cache, 'nix-cache-info'), 'utf8')).toContain('StoreDir: /nix/store');

    // Each output's .narinfo names a NAR with its hash, and a signature by the key over Nix's fingerprint.
    const app = fs.readlinkSync(path.join(dir, 'result-app'));
    const info = narInfo(fs.readFileSync(path.join(cache, `${path.basename(app).slice(0, 32)}.narinfo`), 'utf8'));
    expect(info.get('StorePath')).toBe(app);
    expect(info.get('Compression')).toBe('none');
    const nar = fs.readFileSync(path.join(cache, info.get('URL') as string));
    expect(`sha256:${crypto.createHash('sha256').update(nar).digest('hex')}`).toBe(`sha256:${fromNixBase32((info.get('NarHash') as string).slice(7)).toString('hex')}`);
    // The program's C library (its rpath) is in the closure, and pushed too.
    const refs = (info.get('References') as string).split(' ');
    expect(refs.some((r) => r.includes('nixmake-host-glibc'))).toBe(true);
    for (const r of refs) expect(fs.existsSync(path.join(cache, `${r.slice(0, 32)}.narinfo`))).toBe(true);
    const [keyName, keyB64] = pub.split(':') as [string, string];
    const [sigName, sigB64] = (info.get('Sig') as string).split(':') as [string, string];
    expect(sigName).toBe(keyName);
    const fp = `1;${app};${info.get('NarHash')};${info.get('NarSize')};${refs.map((r) => `/nix/store/${r}`).sort().join(',')}`;
    const pubKey = crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(keyB64, 'base64')]), format: 'der', type: 'spki' });
    expect(crypto.verify(null, Buffer.from(fp), pubKey, Buffer.from(sigB64, 'base64'))).toBe(true);
    // A second push writes nothing new.
    expect(nixmake(['push', '-C', dir, url, '--sign-key', sec]).stdout).toMatch(/wrote 0 \(0\.0 MiB\)/);

    deleteOutputs(dir);
    const r = build(dir, '--option', 'substituters', url, '--option', 'trusted-public-keys', pub);
    expect(r.code, r.stderr).toBe(0);
    expect(r.counts).toMatchObject({ objects_built: 0, links_built: 0, failed: 0 });
    expect(r.summary?.substituted).toBe(3);
    expect(r.events.filter((e) => e['event'] === 'node-built' && e['fetched'] === true).map((e) => e['label']).sort()).toEqual(['app', 'src/f.c', 'src/main.c']);
    // Fetched, not built: no build log rides on the event.
    expect(r.events.filter((e) => e['event'] === 'node-built' && 'log' in e)).toEqual([]);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('42\n');

    // The terminal says "fetched".
    deleteOutputs(dir);
    const text = nixmake(['build', '-C', dir, '--option', 'substituters', url, '--option', 'trusted-public-keys', pub]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('fetched src/f.c\n');
    expect(text.stdout).toContain('nixmake: built 0 objects and 0 links, fetched 3 from a binary cache');
  });

  it('with a wrong key or none, the nodes are compiled here and nixmake says why', () => {
    const dir = uniqueProject();
    const keys = tempDir();
    const { sec } = keyPair(keys, 'nixmake-test-signer');
    const { pub: otherPub } = keyPair(keys, 'nixmake-test-other');
    expect(build(dir).counts).toMatchObject({ objects_built: 2, links_built: 1 });
    const cache = tempDir();
    expect(nixmake(['push', '-C', dir, `file://${cache}`, '--sign-key', sec]).code).toBe(0);
    for (const key of [['--option', 'trusted-public-keys', otherPub], []]) {
      deleteOutputs(dir);
      const r = build(dir, '--option', 'substituters', `file://${cache}`, ...key);
      expect(r.code, r.stderr).toBe(0);
      expect(r.counts).toMatchObject({ objects_built: 2, links_built: 1, failed: 0 });
      expect(r.summary?.substituted).toBe(0);
      const warnings = r.events.filter((e) => e['event'] === 'diagnostic').map((e) => String(e['message']));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^src\/(f|main)\.c was built here, not fetched: the Nix daemon said ".*is not signed by any of the keys in 'trusted-public-keys'"\. Pass the public key/);
    }
  });
});

describe('nixmake build --check', () => {
  it('passes on a deterministic project and names a TU that embeds __TIME__, with the NAR hashes', async () => {
    const dir = uniqueProject();
    expect(nixmake(['build', '-C', dir, '--check']).stderr).toContain('nothing to check');
    expect(build(dir).counts).toMatchObject({ objects_built: 2, links_built: 1 });
    const ok = nixmake(['build', '-C', dir, '--check']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('nixmake: checked 3 nodes: all reproducible');

    fs.writeFileSync(path.join(dir, 'src/t.c'), `const char *built_at = __TIME__;\n/* ${Date.now()} ${Math.random()} */\n`);
    expect(build(dir).counts).toMatchObject({ objects_built: 1, links_built: 1 });
    await new Promise((res) => setTimeout(res, 1100));
    const bad = nixmake(['build', '-C', dir, '--check', '--json']);
    expect(bad.code).toBe(1);
    const events = bad.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const checked = events.filter((e) => e['event'] === 'node-checked');
    expect(checked.filter((e) => e['reproducible'] === false).map((e) => e['label'])).toEqual(['src/t.c']);
    const t = checked.find((e) => e['label'] === 'src/t.c') as Record<string, string>;
    expect(t['rebuilt_nar_hash']).toMatch(/^sha256:[0-9a-z]{52}$/);
    expect(t['rebuilt_nar_hash']).not.toBe(t['nar_hash']);
    expect(events.at(-1)).toMatchObject({ event: 'check-summary', checked: 4, not_reproducible: 1, failed: 0 });
    const textRun = nixmake(['build', '-C', dir, '--check']);
    expect(textRun.code).toBe(1);
    expect(textRun.stderr).toMatch(/NOT REPRODUCIBLE: src\/t\.c: NAR hash sha256:[0-9a-z]{52} built, sha256:[0-9a-z]{52} rebuilt/);
    // The outputs of the last build are untouched.
    expect(build(dir).counts).toMatchObject({ submitted: 0, up_to_date: 4 });
  });
});

describe('sourceDateEpoch', () => {
  it('makes a TU that embeds __TIME__ reproducible: --check passes, and the time is the one set', async () => {
    const nonce = `${process.pid}-${Date.now()}-${Math.random()}`;
    const dir = project({
      'nixmake.json': JSON.stringify({ sourceDateEpoch: 0, targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
      'src/main.c': `#include <stdio.h>\nint main(void) { printf("%s %s\\n", __DATE__, __TIME__); return 0; }\n/* ${nonce} */\n`,
    });
    expect(build(dir).counts).toMatchObject({ objects_built: 1, links_built: 1, failed: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('Jan  1 1970 00:00:00\n');
    await new Promise((res) => setTimeout(res, 1100));
    const r = nixmake(['build', '-C', dir, '--check']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('nixmake: checked 2 nodes: all reproducible');
  });
});
