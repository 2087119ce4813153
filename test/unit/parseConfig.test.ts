import { describe, expect, it } from 'vitest';
import { parseConfig, HOST_TOOLCHAIN, PROJECT_NIX_OPTIONS } from '../../config/parseConfig.js';

const parse = (v: unknown) => parseConfig(JSON.stringify(v), '/p');
const errors = (v: unknown): string[] => {
  const r = parse(v);
  return r.ok ? [] : r.errors.map((e) => `${e.jsonPath}: ${e.message}`);
};

describe('parseConfig', () => {
  it('reads defaults, targets and their own settings', () => {
    const r = parse({
      includeDirs: ['include'],
      defines: ['A=1'],
      cflags: ['-O2'],
      libs: ['m'],
      targets: { lib: { type: 'static-library', sources: ['lib/*.c'] }, app: { type: 'executable', sources: ['src/*.c', '!src/x.c'], deps: ['lib'], cflags: ['-g'] } },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.defaults).toEqual({ includeDirs: ['include'], defines: ['A=1'], cflags: ['-O2'], cxxflags: [], ldflags: [], libs: ['m'] });
    expect(r.value.targets.get('app')).toMatchObject({ type: 'executable', deps: ['lib'], cflags: ['-g'], sources: ['src/*.c', '!src/x.c'] });
    expect(r.value.toolchain).toEqual(HOST_TOOLCHAIN);
  });

  it('names the JSON path of every error at once', () => {
    expect(
      errors({
        cflags: '-O2',
        extra: 1,
        targets: { 'bad name': { type: 'exe', sources: [1], deps: ['ghost'], libz: [] } },
      }),
    ).toEqual([
      'extra: unknown field "extra" (expected one of: includeDirs, defines, cflags, cxxflags, ldflags, libs, targets, toolchain, nix, compileCommands, externalDirs, hostPackages, publicHeaders, generators, sourceDateEpoch)',
      'cflags: expected an array of strings, got string "-O2"',
      'targets["bad name"]: target name "bad name" may use only letters, digits and _ . + - (it becomes a file name)',
      'targets["bad name"].libz: unknown field "libz" (expected one of: includeDirs, defines, cflags, cxxflags, ldflags, libs, type, sources, deps, soname, perSource, fileName, aliases, linkInputs)',
      'targets["bad name"].type: "exe" is not one of executable, static-library, shared-library',
      'targets["bad name"].sources[0]: expected a string, got number 1',
      'targets["bad name"].deps[0]: unknown target "ghost"',
    ]);
  });

  it('rejects linking against an executable and cycles', () => {
    expect(errors({ targets: { a: { type: 'executable', sources: ['a.c'] }, b: { type: 'executable', sources: ['b.c'], deps: ['a'] } } })).toEqual([
      'targets.b.deps[0]: "a" is an executable; only libraries can be linked against',
    ]);
    expect(errors({ targets: { a: { type: 'static-library', sources: ['a.c'], deps: ['a'] } } })).toEqual(['targets.a.deps[0]: cycle between targets: a -> a']);
  });

  it('checks defines and libs', () => {
    expect(errors({ defines: ['1BAD'], libs: ['-lm'], targets: { a: { type: 'executable', sources: ['a.c'] } } })).toEqual([
      'defines[0]: "1BAD" is not NAME or NAME=VALUE',
      'libs[0]: "-lm" should be a library name such as "m" (linked as -lm)',
    ]);
  });

  it('accepts a soname only on a shared library, as a file name', () => {
    const cfg = (t: Record<string, unknown>): string[] => {
      const r = parseConfig(JSON.stringify({ targets: { z: { sources: ['*.c'], ...t } } }), '/p');
      return r.ok ? [`ok ${r.value.targets.get('z')?.soname ?? '-'}`] : r.errors.map((e) => `${e.jsonPath}: ${e.message}`);
    };
    expect(cfg({ type: 'shared-library', soname: 'libz.so.1' })).toEqual(['ok libz.so.1']);
    expect(cfg({ type: 'static-library', soname: 'libz.so.1' })).toEqual(['targets.z.soname: only a shared-library has a soname']);
    expect(cfg({ type: 'shared-library', soname: '../x' })).toEqual(['targets.z.soname: "../x" should be a file name such as libz.so.1']);
  });
});

const app = { app: { type: 'executable', sources: ['a.c'] } };

describe('parseConfig: targets', () => {
  it('takes sourceDateEpoch as whole seconds, and nothing else', () => {
    const app = { app: { type: 'executable', sources: ['*.c'] } };
    const r = parse({ sourceDateEpoch: 1700000000, targets: app });
    expect(r.ok && r.value.sourceDateEpoch).toBe(1700000000);
    const none = parse({ targets: app });
    expect(none.ok && none.value.sourceDateEpoch).toBeUndefined();
    for (const bad of [-1, 1.5, '0']) {
      expect(errors({ sourceDateEpoch: bad, targets: app })).toEqual(["sourceDateEpoch: must be a whole number of seconds since 1970 (0, or the last commit's time: git log -1 --format=%ct)"]);
    }
  });

  it('refuses an empty targets object', () => {
    expect(errors({ targets: {} })).toEqual(['targets: no targets: add at least one']);
  });
});

describe('parseConfig: nix.options, an allow-list', () => {
  const options = (o: Record<string, unknown>) => parse({ nix: { options: o }, targets: app });

  it('keeps the harmless per-build options', () => {
    const r = options({ cores: '2', 'max-silent-time': '600', timeout: '0', 'max-build-log-size': '1048576', 'keep-going': 'true', 'log-lines': '25' });
    expect(r.ok && r.value.nix.options).toEqual({ cores: '2', 'max-silent-time': '600', timeout: '0', 'max-build-log-size': '1048576', 'keep-going': 'true', 'log-lines': '25' });
    expect([...PROJECT_NIX_OPTIONS.keys()]).toEqual(['cores', 'max-silent-time', 'timeout', 'max-build-log-size', 'keep-going', 'log-lines']);
  });

  const refused = [
    'sandbox', 'sandbox-paths', 'extra-sandbox-paths', 'sandbox-fallback', 'post-build-hook', 'pre-build-hook', 'substituters', 'extra-substituters',
    'trusted-substituters', 'trusted-public-keys', 'builders', 'builders-use-substitutes', 'allowed-impure-host-deps', 'allow-import-from-derivation',
    'build-users-group', 'require-sigs', 'experimental-features', 'diff-hook', 'run-diff-hook', 'keep-failed', 'build-cores', 'no-such-option', '__proto__',
  ];
  for (const name of refused) {
    it(`refuses ${name}, naming it and saying where it belongs`, () => {
      const r = parseConfig(`{"nix": {"options": {${JSON.stringify(name)}: "false"}}, "targets": ${JSON.stringify(app)}}`, '/p');
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors).toHaveLength(1);
      const e = r.errors[0]!;
      expect(e.jsonPath).toBe(/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `nix.options.${name}` : `nix.options[${JSON.stringify(name)}]`);
      expect(e.message).toBe(
        `the Nix option "${name}" is not allowed in nixmake.json: it could change what the Nix daemon trusts or runs as root. ` +
          `Such options belong on your own command line (nixmake build --option ${name} VALUE) or in nix.conf, never in a file that arrives with a cloned project. ` +
          'nixmake.json may set only: cores, max-silent-time, timeout, max-build-log-size, keep-going, log-lines',
      );
    });
  }

  it('checks the shape of each value, and wants strings', () => {
    const r = options({ cores: '-1', 'max-silent-time': '1e3', timeout: 60, 'max-build-log-size': 'lots', 'keep-going': 'yes', 'log-lines': '99999999999' });
    expect(r.ok ? [] : r.errors.map((e) => `${e.jsonPath}: ${e.message}`)).toEqual([
      'nix.options.cores: "-1" is not a non-negative integer (0: all cores)',
      'nix.options["max-silent-time"]: "1e3" is not a number of seconds (0: no limit)',
      'nix.options.timeout: expected a string (a number of seconds (0: no limit)), got number 60',
      'nix.options["max-build-log-size"]: "lots" is not a number of bytes (0: no limit)',
      'nix.options["keep-going"]: "yes" is not "true" or "false"',
      'nix.options["log-lines"]: "99999999999" is not a number of lines',
    ]);
  });
});

describe('parseConfig: externalDirs', () => {
  it('takes absolute directories, normalised', () => {
    const r = parse({ externalDirs: ['/opt/vendor/src/', '/usr//local/x'], targets: app });
    expect(r.ok && r.value.externalDirs).toEqual(['/opt/vendor/src', '/usr/local/x']);
    const none = parse({ targets: app });
    expect(none.ok && none.value.externalDirs).toEqual([]);
  });

  it('refuses relative paths, the root folder, and the field inside a target', () => {
    expect(errors({ externalDirs: ['vendor', '/', 3], targets: { app: { type: 'executable', sources: ['a.c'], externalDirs: ['/x'] } } })).toEqual([
      'targets.app.externalDirs: unknown field "externalDirs" (expected one of: includeDirs, defines, cflags, cxxflags, ldflags, libs, type, sources, deps, soname, perSource, fileName, aliases, linkInputs)',
      'externalDirs[2]: expected a string, got number 3',
      'externalDirs[0]: "vendor" must be an absolute directory',
      'externalDirs[1]: "/" would let every file on the machine into the store; list the directories your sources need',
    ]);
  });
});

describe('parseConfig: invalid JSON', () => {
  it('gives line and column and never echoes the text', () => {
    const text = '{\n  "targets": {\n    "app": { "type": secret-token-here }\n  }\n}\n';
    const r = parseConfig(text, '/p');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([{ severity: 'error', message: 'invalid JSON: unexpected character', location: { file: 'nixmake.json', line: 3, column: 22 } }]);
    const missingComma = parseConfig('{"targets": {} "x": 1}', '/p');
    expect(!missingComma.ok && missingComma.errors[0]).toMatchObject({ message: "invalid JSON: expected ',' or '}' after property value", location: { line: 1, column: 16 } });
  });
});

describe('parseConfig: perSource, fileName, aliases, linkInputs', () => {
  it('reads per-source flags (added or whole), file names, aliases and link inputs', () => {
    const r = parse({
      targets: {
        z: {
          type: 'shared-library',
          sources: ['*.c'],
          perSource: [{ sources: ['a.c', 'vendor/**/*.c', '!vendor/x.c'], defines: ['X=1'], cflags: ['-Os'] }, { sources: ['b.cc'], flags: ['-std=c++17', '-Iinclude'] }],
          fileName: 'libz.so.1.2.13',
          soname: 'libz.so.1',
          linkInputs: ['zlib.map'],
          ldflags: ['-Wl,--version-script,zlib.map'],
        },
        box: { type: 'executable', sources: ['box.c'], aliases: ['ls', 'cat'], fileName: 'busybox' },
      },
    });
    expect(r.ok, JSON.stringify(r.ok || r.errors)).toBe(true);
    if (!r.ok) return;
    expect(r.value.targets.get('z')).toMatchObject({
      fileName: 'libz.so.1.2.13',
      linkInputs: ['zlib.map'],
      perSource: [
        { sources: ['a.c', 'vendor/**/*.c', '!vendor/x.c'], includeDirs: [], defines: ['X=1'], cflags: ['-Os'], cxxflags: [], flags: undefined },
        { sources: ['b.cc'], flags: ['-std=c++17', '-Iinclude'] },
      ],
    });
    expect(r.value.targets.get('box')).toMatchObject({ aliases: ['ls', 'cat'], fileName: 'busybox', perSource: [], linkInputs: [] });
  });

  it('reads variants (another object of the same TU) and names bad or repeated variant names', () => {
    const r = parse({ targets: { j: { type: 'static-library', sources: ['*.c'], perSource: [{ sources: ['j.c'], variant: '12', defines: ['BITS=12'] }] } } });
    expect(r.ok && r.value.targets.get('j')?.perSource[0]).toMatchObject({ sources: ['j.c'], variant: '12', defines: ['BITS=12'] });
    expect(
      errors({ targets: { j: { type: 'static-library', sources: ['*.c'], perSource: [{ sources: ['j.c'], variant: 'a/b' }, { sources: ['j.c'], variant: '12' }, { sources: ['k.c'], variant: '12' }] } } }),
    ).toEqual([
      'targets.j.perSource[0].variant: "a/b" should be a short name of letters, digits and _ . + - (it names the second object)',
      'targets.j.perSource[2].variant: "12" is already the variant of entry 1; give each its own name',
    ]);
  });

  it('names what is wrong with them', () => {
    expect(
      errors({
        targets: {
          a: { type: 'static-library', sources: ['a.c'], fileName: 'liba.so', aliases: ['b'], linkInputs: ['x.map'], perSource: [{ sources: [], cflags: ['-O1'] }, { sources: ['a.c'], flags: ['-O1'], defines: ['X'] }, { cflags: [] }, 'x'] },
          b: { type: 'executable', sources: ['b.c'], fileName: 'bin/b', aliases: ['../x', 'y', 'y'], linkInputs: ['/etc/passwd', '../up.ld', 'ok.ld'] },
        },
      }),
    ).toEqual([
      'targets.a.perSource[0].sources: is empty: list the sources (globs) it is for',
      'targets.a.perSource[1].defines: "flags" replaces the whole compile line; put these flags into "flags" too, or drop "flags" to add to the target\'s',
      'targets.a.perSource[2].sources: missing: a list of source globs',
      'targets.a.perSource[3]: expected an object, got string "x"',
      'targets.a.fileName: "liba.so": a static library\'s file name ends in .a (libfoo.a, so that -lfoo finds it)',
      'targets.a.aliases: only an executable has aliases (other names of the program)',
      'targets.a.linkInputs: a static library is not linked (ar reads no scripts); only executables and shared libraries have link inputs',
      'targets.b.fileName: "bin/b" should be a file name such as libfoo.so.1.2.3 (no folder)',
      'targets.b.aliases[0]: "../x" should be a program name (no folder)',
      'targets.b.aliases[2]: "y" is listed twice',
      'targets.b.linkInputs[0]: "/etc/passwd" must be a file inside the project, relative to its root (no globs)',
      'targets.b.linkInputs[1]: "../up.ld" must be a file inside the project, relative to its root (no globs)',
    ]);
  });
});
