/**
 * Real projects built by nixmake through the daemon, checked with their own
 * tests: zlib (nixmake.json written by `nixmake init -- make` from zlib's
 * own build; the programs of zlib's `make test` linked against nixmake's
 * libz), jq 1.6 (init from its libtool build; its own `make check` against
 * the nixmake-built jq) and Lua 5.4 (lua -v, and scripts that exercise the
 * interpreter).
 * Incremental builds are checked against `gcc -MM`. Sources come from
 * Debian source packages, fetched at run time and cached outside the repo.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAsync, nixmake, nixmakeAsync, REPO, run, spawnAsync } from '../helpers/project.js';

interface TargetJson {
  type: string;
  sources: string[];
  includeDirs?: string[];
  defines?: string[];
  cflags?: string[];
  deps?: string[];
  libs?: string[];
  soname?: string;
}

async function fetchInto(script: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-real-'));
  const r = await spawnAsync('bash', [path.join(REPO, script), dir]);
  if (r.code !== 0) throw new Error(`${script} failed:\n${r.stderr}`);
  return dir;
}

/** (target, TU) pairs whose `gcc -MM` closure, with the target's flags, holds `header`. */
function gccReaders(root: string, header: string): string[] {
  const config = JSON.parse(fs.readFileSync(path.join(root, 'nixmake.json'), 'utf8')) as { cflags?: string[]; defines?: string[]; targets: Record<string, TargetJson> };
  const readers: string[] = [];
  for (const [name, t] of Object.entries(config.targets)) {
    const flags = [...(t.includeDirs ?? []).map((d) => `-I${d}`), ...[...(config.defines ?? []), ...(t.defines ?? [])].map((d) => `-D${d}`), ...(config.cflags ?? []), ...(t.cflags ?? [])];
    // The globs, expanded by the shell (they are plain `dir/*.c` patterns here).
    const listed = spawnSync('bash', ['-c', 'cd "$0" && for p in "$@"; do for f in $p; do echo "$f"; done; done', root, ...t.sources.filter((s) => !s.startsWith('!'))], { encoding: 'utf8' });
    for (const tu of listed.stdout.split('\n').filter(Boolean)) {
      if (t.sources.includes(`!${tu}`)) continue;
      const r = spawnSync('gcc', ['-MM', ...flags, tu], { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`gcc -MM ${tu}: ${r.stderr}`);
      if (r.stdout.replace(/\\\n/g, ' ').split(/\s+/).includes(header)) readers.push(`${name}:${tu}`);
    }
  }
  return readers;
}

/**
 * Appends a define to `header`, builds, and checks that the objects nixmake
 * planned are exactly the (target, TU) pairs whose gcc -MM closure holds it.
 * Answers how many that was.
 */
async function expectHeaderEditRebuildsGccReaders(dir: string, header: string): Promise<number> {
  const readers = gccReaders(dir, header);
  expect(readers.length).toBeGreaterThan(0);
  fs.appendFileSync(path.join(dir, header), '\n#define NIXMAKE_TEST_EDIT 1\n');
  const r = await buildAsync(dir, '--explain');
  expect(r.code, r.stderr).toBe(0);
  const planned = r.events.filter((e) => e['event'] === 'node-planned' && e['kind'] === 'object').map((e) => String(e['node']).replace(/^obj:/, ''));
  expect(planned.sort()).toEqual(readers.sort());
  expect(r.counts?.objects_built).toBe(readers.length);
  return readers.length;
}

describe('zlib 1.2.13: nixmake init from its own make, then its make test programs', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await fetchInto('examples/zlib/fetch.sh');
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('init infers the libraries, the test programs and their links', async () => {
    const r = await nixmakeAsync(['init', '-C', dir, '--', 'make', '-j2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('z-shared: the link reads zlib.map (linkInputs)');
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as { targets: Record<string, TargetJson> };
    expect(Object.keys(config.targets).sort()).toEqual(['example', 'example64', 'examplesh', 'minigzip', 'minigzip64', 'minigzipsh', 'z', 'z-shared']);
    expect(config.targets['z']).toMatchObject({ type: 'static-library', defines: ['_LARGEFILE64_SOURCE=1', 'HAVE_HIDDEN'], cflags: ['-O3'] });
    expect(config.targets['z']?.sources).toHaveLength(15);
    // The TUs zlib compiles twice: the shared library takes the -fPIC compile's flags.
    expect(config.targets['z-shared']).toMatchObject({ type: 'shared-library', soname: 'libz.so.1', defines: ['_LARGEFILE64_SOURCE=1', 'HAVE_HIDDEN', 'PIC'] });
    expect(config.targets['example']).toMatchObject({ type: 'executable', sources: ['test/example.c'], includeDirs: ['.'], deps: ['z'] });
    expect(config.targets['example64']?.defines).toContain('_FILE_OFFSET_BITS=64');
    expect(config.targets['minigzipsh']).toMatchObject({ deps: ['z-shared'] });
    // A second init does not overwrite it.
    expect(nixmake(['init', '-C', dir, '--', 'true']).stderr).toContain('already exists');
  }, 300_000);

  it('builds, and the programs of zlib\'s make test pass against nixmake\'s libz', async () => {
    spawnSync('make', ['distclean'], { cwd: dir });
    const r = await buildAsync(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.counts).toMatchObject({ objects_built: 36, links_built: 8, failed: 0 });
    const bin = (t: string): string => path.join(dir, `result-${t}/bin/${t}`);
    for (const t of ['example', 'example64', 'examplesh']) {
      const ex = run(bin(t), [path.join(dir, `${t}.gz`)]);
      expect(ex.code, `${t}: ${ex.stderr}`).toBe(0);
      expect(ex.stdout).toContain('large_inflate(): OK');
    }
    for (const t of ['minigzip', 'minigzip64', 'minigzipsh']) {
      const roundTrip = spawnSync('bash', ['-c', `echo hello world | "$1" | "$1" -d`, '_', bin(t)], { encoding: 'utf8' });
      expect(roundTrip.stdout, t).toBe('hello world\n');
    }
    expect(run('bash', ['-c', `ldd "${bin('examplesh')}"`]).stdout).toMatch(/libz\.so\.1 => \/nix\/store\/[^ ]*-z-shared\/lib\/libz\.so\.1/);
  }, 600_000);

  it('editing a header rebuilds exactly the TUs gcc -MM says read it; editing a .c rebuilds its objects and what links them', async () => {
    await expectHeaderEditRebuildsGccReaders(dir, 'zutil.h');

    fs.appendFileSync(path.join(dir, 'adler32.c'), '\nint nixmake_test_edit = 1;\n');
    const c = await buildAsync(dir);
    expect(c.counts).toMatchObject({ objects_built: 2, links_built: 8, failed: 0 });
  }, 600_000);
});

describe('Lua 5.4', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await fetchInto('examples/lua/fetch.sh');
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('builds; lua -v runs and the interpreter passes the test scripts', async () => {
    const r = await buildAsync(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.counts).toMatchObject({ objects_built: 34, links_built: 3, failed: 0 });
    const lua = path.join(dir, 'result-lua/bin/lua');
    expect(run(lua, ['-v']).stdout).toMatch(/^Lua 5\.4\.4 {2}Copyright/);
    const tests = path.join(REPO, 'examples/lua/tests');
    for (const t of fs.readdirSync(tests).filter((f) => f.endsWith('.lua')).sort()) {
      const out = run(lua, [path.join(tests, t)]);
      expect(out.code, `${t}: ${out.stderr}`).toBe(0);
      expect(out.stdout).toBe(`${t.replace(/\.lua$/, '')} ok\n`);
    }
    expect(run(path.join(dir, 'result-luac/bin/luac'), ['-v']).stdout).toMatch(/^Lua 5\.4\.4/);
  }, 600_000);

  it('editing a header rebuilds exactly the TUs gcc -MM says read it', async () => {
    await expectHeaderEditRebuildsGccReaders(dir, 'src/lgc.h');
    fs.appendFileSync(path.join(dir, 'src/lstrlib.c'), '\nint nixmake_test_edit = 1;\n');
    expect((await buildAsync(dir)).counts).toMatchObject({ objects_built: 1, links_built: 3, failed: 0 });
  }, 600_000);
});

describe('jq 1.6: nixmake init from its libtool build, then its own make check', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await fetchInto('examples/jq/fetch.sh');
  }, 600_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('init infers libjq (static and shared) and jq, nixmake builds them, and make check passes with that jq', async () => {
    const i = await nixmakeAsync(['init', '-C', dir, '--', 'make', '-j2']);
    expect(i.code, i.stderr).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as { targets: Record<string, TargetJson> };
    expect(Object.keys(config.targets).sort()).toEqual(['jq', 'jq-shared', 'jq-static']);
    expect(config.targets['jq-shared']).toMatchObject({ type: 'shared-library', soname: 'libjq.so.1', libs: ['m', 'onig'] });
    expect(config.targets['jq']).toMatchObject({ type: 'executable', sources: ['src/main.c'], deps: ['jq-shared'] });
    expect(config.targets['jq-static']?.defines).toContain('HAVE_LIBONIG=1');

    const r = await buildAsync(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.counts).toMatchObject({ objects_built: 37, links_built: 3, failed: 0 });
    const jq = path.join(fs.readlinkSync(path.join(dir, 'result-jq')), 'bin/jq');
    expect((await spawnAsync(jq, ['-c', '.a|map(.*2)'], { input: '{"a":[1,2,3]}' })).stdout).toBe('[2,4,6]\n');
    // jq's tests run ./jq (a libtool wrapper script): put nixmake's jq there.
    fs.rmSync(path.join(dir, 'jq'));
    fs.copyFileSync(jq, path.join(dir, 'jq'));
    fs.chmodSync(path.join(dir, 'jq'), 0o755);
    const check = await spawnAsync('make', ['check', 'NO_VALGRIND=1'], { cwd: dir });
    expect(check.code, check.stdout.slice(-3000)).toBe(0);
    expect(check.stdout).toMatch(/# PASS: +4\n/);
    expect(check.stdout).not.toMatch(/CCLD +jq/);
    expect(fs.readFileSync(path.join(dir, 'tests/jqtest.log'), 'utf8')).toMatch(/(\d+) of \1 tests passed/);
    expect(run('bash', ['-c', `ldd "${path.join(dir, 'jq')}"`]).stdout).toMatch(/libjq\.so\.1 => \/nix\/store\/[^ ]*-jq-shared\/lib\/libjq\.so\.1/);
  }, 900_000);

  it('editing a header rebuilds exactly the TUs gcc -MM says read it', async () => {
    expect(await expectHeaderEditRebuildsGccReaders(dir, 'src/jv.h')).toBeGreaterThan(10);
  }, 900_000);
});
