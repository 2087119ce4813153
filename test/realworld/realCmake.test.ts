/**
 * Real CMake projects from Debian sources, through `nixmake init
 * --from-cmake`: tinyxml2 (C++), json-c (a shared and a static library of
 * one name, a version script), libzip (find_package's libraries by
 * absolute path: zlib, bzip2, lzma, gnutls, nettle; a library its tests
 * preload) and libjpeg-turbo (an object library compiled into four
 * libraries with its own flags, a version script configure wrote, 310
 * tests). Each is configured by cmake and never built by it: init reads
 * CMake's code model, every TU's flags must equal its line in CMake's
 * compile_commands.json, nixmake builds everything, each shared library
 * loads with every symbol resolved, and the project's own ctest passes with
 * nixmake's programs and libraries put where CMake's would be (checked by
 * hash after the tests). A project whose Debian source cannot be fetched
 * is skipped.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAsync, nixmakeAsync, REPO, run, spawnAsync } from '../helpers/project.js';
import { compileDbCompiles, expectRecordedFlags } from '../helpers/recordedFlags.js';

type TargetJson = Record<string, unknown>;
interface ConfigJson {
  hostPackages?: string[];
  targets: Record<string, TargetJson>;
}

interface CmakeProject {
  /** Debian source package. */
  readonly source: string;
  readonly cmakeArgs: readonly string[];
  /** Custom targets the tests need (test data); they compile nothing. */
  readonly customTargets?: readonly string[];
  /** Checks on the written nixmake.json and the built outputs (`dir` is the project). */
  readonly recorded: (config: ConfigJson) => void;
  readonly built: (dir: string, config: ConfigJson) => void;
  /** ctest must pass at least this many tests. */
  readonly minTests: number;
}

const PROJECTS: readonly CmakeProject[] = [
  {
    source: 'tinyxml2',
    cmakeArgs: ['-DBUILD_SHARED_LIBS=ON', '-Dtinyxml2_BUILD_TESTING=ON'],
    recorded: (c) => {
      expect(Object.keys(c.targets).sort()).toEqual(['tinyxml2', 'xmltest']);
      expect(c.targets['tinyxml2']).toMatchObject({ type: 'shared-library', sources: ['tinyxml2.cpp'], fileName: 'libtinyxml2.so.9.0.0', soname: 'libtinyxml2.so.9' });
      expect(c.targets['xmltest']).toMatchObject({ type: 'executable', sources: ['xmltest.cpp'], deps: ['tinyxml2'] });
    },
    built: (dir) => {
      expect(fs.readdirSync(path.join(dir, 'result-tinyxml2/lib')).sort()).toEqual(['libtinyxml2.so', 'libtinyxml2.so.9', 'libtinyxml2.so.9.0.0']);
    },
    minTests: 1,
  },
  {
    source: 'json-c',
    cmakeArgs: ['-DBUILD_STATIC_LIBS=ON', '-DBUILD_TESTING=ON'],
    recorded: (c) => {
      // CMake's names: the shared json-c and the static json-c-static, both libjson-c.
      expect(c.targets['json-c']).toMatchObject({ type: 'shared-library', fileName: 'libjson-c.so.5.2.0', soname: 'libjson-c.so.5', linkInputs: ['json-c.sym'] });
      expect(c.targets['json-c']?.['ldflags']).toContain('-Wl,--version-script,json-c.sym');
      expect(c.targets['json-c-static']).toMatchObject({ type: 'static-library', fileName: 'libjson-c.a' });
      expect((c.targets['json-c']?.['sources'] as string[]).length).toBe(13);
      expect(c.targets['json_parse']).toMatchObject({ type: 'executable', deps: ['json-c'] });
      // The test programs, with the extra source some of them compile.
      expect(c.targets['test_util_file']).toMatchObject({ sources: ['tests/test_util_file.c', 'strerror_override.c'], deps: ['json-c'] });
      expect(Object.keys(c.targets).filter((t) => t.startsWith('test')).length).toBeGreaterThanOrEqual(25);
    },
    built: (dir) => {
      expect(fs.readdirSync(path.join(dir, 'result-json-c/lib')).sort()).toEqual(['libjson-c.so', 'libjson-c.so.5', 'libjson-c.so.5.2.0']);
      expect(fs.readdirSync(path.join(dir, 'result-json-c-static/lib'))).toEqual(['libjson-c.a']);
      // The version script shaped the exports.
      expect(run('readelf', ['--dyn-syms', '-W', path.join(dir, 'result-json-c/lib/libjson-c.so.5.2.0')]).stdout).toMatch(/json_object_new_object@@JSONC_0\.14/);
    },
    minTests: 23,
  },
  {
    source: 'libzip',
    cmakeArgs: [],
    customTargets: ['testinput'],
    recorded: (c) => {
      const zip = c.targets['zip'] as TargetJson;
      expect(zip).toMatchObject({ type: 'shared-library', fileName: 'libzip.so.4.0', soname: 'libzip.so.4' });
      // find_package(ZLIB) and the others give /usr/lib/<triple>/libz.so …: linked by name, their packages imported.
      expect(zip['libs']).toContain('z');
      expect(c.hostPackages).toContain('zlib1g-dev');
      expect(c.targets['nonrandomopen']).toMatchObject({ type: 'shared-library' });
      expect(c.targets['ziptool_regress']).toMatchObject({ type: 'executable', deps: ['zip'] });
    },
    built: (dir, c) => {
      const needed = run('readelf', ['-d', path.join(dir, 'result-zip/lib/libzip.so.4.0')]).stdout;
      const sonames: Record<string, string> = { z: 'libz.so.1', bz2: 'libbz2.so.1.0', lzma: 'liblzma.so.5', gnutls: 'libgnutls.so.30', nettle: 'libnettle.so.8' };
      for (const l of (c.targets['zip']?.['libs'] as string[]) ?? []) if (sonames[l] !== undefined) expect(needed).toContain(`Shared library: [${sonames[l]}]`);
    },
    minTests: 130,
  },
  {
    source: 'libjpeg-turbo',
    cmakeArgs: [],
    recorded: (c) => {
      expect(c.targets['jpeg']).toMatchObject({ type: 'shared-library', fileName: 'libjpeg.so.62.3.0', soname: 'libjpeg.so.62', linkInputs: ['build/libjpeg.map'] });
      expect(c.targets['jpeg-static']).toMatchObject({ type: 'static-library', fileName: 'libjpeg.a' });
      expect(c.targets['turbojpeg']).toMatchObject({ type: 'shared-library', fileName: 'libturbojpeg.so.0.2.0', linkInputs: ['turbojpeg-mapfile'] });
      // The object library simd (jsimd_none.c without NASM) is compiled into each of the four libraries with its own flags, not theirs.
      for (const lib of ['jpeg', 'jpeg-static', 'turbojpeg', 'turbojpeg-static']) {
        expect(c.targets[lib]?.['sources'], lib).toContain('jsimd_none.c');
        const entry = (c.targets[lib]?.['perSource'] as { sources: string[]; flags?: string[]; defines?: string[] }[]).find((e) => e.sources.includes('jsimd_none.c'));
        expect(entry, lib).toBeDefined();
        expect([...(entry?.flags ?? []), ...(entry?.defines ?? [])].join(' '), lib).not.toMatch(/_EXPORTS|SUPPORTED/);
      }
      expect(c.targets['cjpeg-static']).toMatchObject({ type: 'executable', deps: ['jpeg-static'] });
    },
    built: (dir) => {
      expect(fs.readdirSync(path.join(dir, 'result-jpeg/lib')).sort()).toEqual(['libjpeg.so', 'libjpeg.so.62', 'libjpeg.so.62.3.0']);
      expect(run('readelf', ['--dyn-syms', '-W', path.join(dir, 'result-jpeg/lib/libjpeg.so.62.3.0')]).stdout).toMatch(/jpeg_read_header@@LIBJPEG_6\.2/);
    },
    minTests: 300,
  },
];

/** The File API's targets: name, type and artifact path (relative to the build folder). */
function cmakeArtifacts(build: string): { name: string; type: string; artifact: string }[] {
  const reply = path.join(build, '.cmake/api/v1/reply');
  const model = fs.readdirSync(reply).filter((f) => f.startsWith('codemodel-v2-')).sort().pop() as string;
  const m = JSON.parse(fs.readFileSync(path.join(reply, model), 'utf8')) as { configurations: { targets: { jsonFile: string }[] }[] };
  return (m.configurations[0]?.targets ?? []).flatMap((t) => {
    const j = JSON.parse(fs.readFileSync(path.join(reply, t.jsonFile), 'utf8')) as { name: string; type: string; artifacts?: { path: string }[] };
    const a = j.artifacts?.[0]?.path;
    return a === undefined ? [] : [{ name: j.name, type: j.type, artifact: a }];
  });
}

const sha256 = (f: string): string => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/**
 * Copies each target's outputs to where CMake would have written them: a
 * program to its artifact path, a library's files (real name and links)
 * into its artifact's folder. Answers path → hash of what was placed.
 */
function placeOutputs(dir: string, build: string): Map<string, string> {
  const placed = new Map<string, string>();
  for (const t of cmakeArtifacts(build)) {
    if (t.type === 'EXECUTABLE') {
      const to = path.join(build, t.artifact);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(dir, `result-${t.name}/bin`, path.basename(t.artifact)), to);
      fs.chmodSync(to, 0o755);
      placed.set(to, sha256(to));
    } else if (/LIBRARY$/.test(t.type) && t.type !== 'OBJECT_LIBRARY') {
      const lib = path.join(dir, `result-${t.name}/lib`);
      const into = path.dirname(path.join(build, t.artifact));
      for (const f of fs.readdirSync(lib)) {
        const from = path.join(lib, f);
        const to = path.join(into, f);
        fs.rmSync(to, { force: true });
        if (fs.lstatSync(from).isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
        else {
          fs.copyFileSync(from, to);
          placed.set(to, sha256(to));
        }
      }
    }
  }
  return placed;
}


for (const p of PROJECTS) {
  describe(`${p.source}: init --from-cmake, nixmake build, then its own ctest`, () => {
    let dir = '';
    let missing = '';
    beforeAll(async () => {
      const fetched = await spawnAsync('bash', [path.join(REPO, 'scripts/fetch-debian-source.sh'), p.source]);
      if (fetched.code !== 0) {
        missing = `the Debian source of ${p.source} could not be fetched: ${fetched.stderr.trim().split('\n').pop() ?? ''}`;
        return;
      }
      dir = fs.mkdtempSync(path.join(os.tmpdir(), `nixmake-cmake-${p.source}-`));
      fs.cpSync(fetched.stdout.trim().split('\n').pop() as string, dir, { recursive: true });
      const c = await spawnAsync('cmake', ['-S', '.', '-B', 'build', '-DCMAKE_BUILD_TYPE=Release', '-DCMAKE_EXPORT_COMPILE_COMMANDS=ON', ...p.cmakeArgs], { cwd: dir });
      if (c.code !== 0) throw new Error(`cmake: ${c.stderr}`);
    }, 600_000);
    afterAll(() => {
      if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
    });

    it('init records CMake\'s targets, names and every TU\'s own flags, building nothing', async (ctx) => {
      if (missing !== '') ctx.skip(missing);
      const r = await nixmakeAsync(['init', '-C', dir, '--from-cmake', 'build']);
      expect(r.code, r.stderr).toBe(0);
      const config = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as ConfigJson;
      p.recorded(config);
      expect(expectRecordedFlags(dir, compileDbCompiles(path.join(dir, 'build/compile_commands.json')))).toBeGreaterThan(0);
      expect(run('find', [path.join(dir, 'build'), '-name', '*.o']).stdout).toBe('');
    }, 300_000);

    it('builds; every shared library loads; the project\'s own tests pass with nixmake\'s outputs', async (ctx) => {
      if (missing !== '') ctx.skip(missing);
      const r = await buildAsync(dir, '-k');
      expect(r.code, r.stderr.slice(-4000)).toBe(0);
      const config = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as ConfigJson;
      p.built(dir, config);
      for (const [name, t] of Object.entries(config.targets)) {
        if (t['type'] !== 'shared-library') continue;
        const lib = path.join(dir, `result-${name}/lib`);
        const real = fs.readdirSync(lib).find((f) => !fs.lstatSync(path.join(lib, f)).isSymbolicLink()) as string;
        // RTLD_NOW: every symbol, the NEEDED libraries' included, resolved at load.
        const loaded = run('python3', ['-c', 'import ctypes, os, sys; ctypes.CDLL(sys.argv[1], os.RTLD_NOW)', path.join(lib, real)]);
        expect(loaded.code, `${name}: ${loaded.stderr}`).toBe(0);
      }
      const build = path.join(dir, 'build');
      const placed = placeOutputs(dir, build);
      for (const t of p.customTargets ?? []) {
        const c = await spawnAsync('cmake', ['--build', build, '--target', t]);
        expect(c.code, c.stderr).toBe(0);
      }
      const ctest = await spawnAsync('ctest', ['--test-dir', build, '-j2']);
      const passed = /(\d+)% tests passed, (\d+) tests failed out of (\d+)/.exec(ctest.stdout);
      expect(ctest.code, ctest.stdout.slice(-4000)).toBe(0);
      expect(Number(passed?.[3])).toBeGreaterThanOrEqual(p.minTests);
      // What the tests ran is still nixmake's (no custom target or test rebuilt it).
      for (const [f, h] of placed) expect(sha256(f), f).toBe(h);
      expect(run('find', [build, '-name', '*.o']).stdout).toBe('');
    }, 1_800_000);
  });
}
