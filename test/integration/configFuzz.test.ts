/**
 * A fuzz of nixmake.json and compile_commands.json: random mutations of two
 * small valid projects (a static library + an executable; a project whose
 * flags come from a compile database), each run through nixmake. Whatever
 * the input, nixmake must:
 *   - exit 0 or 1, and say why when it exits 1 (an error diagnostic);
 *   - never print "internal error" or a stack trace, nor throw out of main();
 *   - write valid JSON lines under --json;
 *   - leave no project lock behind;
 *   - never print, store or compile a planted private file outside the root
 *     (its content carries a unique marker: it must not appear in any
 *     output, in any output nixmake built, nor at the store path the file
 *     would have as an input);
 *   - never give a stale result: a real build that succeeds equals a clean
 *     build of a fresh copy (NAR of every result link; where they differ,
 *     only in store paths whose contents are equal, as a cut-off shared
 *     library's earlier path in an rpath, and in the ELF build-id that
 *     hashes it), and building again has nothing
 *     to do.
 *
 * Most cases run `build --dry-run --json` in this process (main() can be
 * called repeatedly: it closes the memo, releases the lock and removes its
 * signal handlers); about 5% are real builds through the test daemon, 8%
 * run `deps` (text or JSON), and 1% spawn the real CLI (bin/nixmake.js).
 *
 *   NIXMAKE_FUZZ_SEED=7 NIXMAKE_FUZZ_CASES=5000 npx vitest run test/integration/configFuzz.test.ts
 *
 * A failing case prints its number, the mutations applied and the files
 * written, so it can be replayed with the same seed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Output } from '../../reporters/Reporter.js';
import { narOfFile, narOfPath, narSha256Hex } from '../../store/nar.js';
import { makeSourcePath } from '../../store/storePath.js';
import { CLI, REPO, spawnAsync, writeTree } from '../helpers/project.js';
import { seededRandom } from '../helpers/mutableProject.js';

// The compiled CLI, as bin/nixmake.js runs it: it finds nix-templates/ relative to dist/.
const { main } = (await import(path.join(REPO, 'dist/cli/main.js'))) as typeof import('../../cli/main.js');

const SEED = Number(process.env['NIXMAKE_FUZZ_SEED'] ?? 20261212);
const CASES = Number(process.env['NIXMAKE_FUZZ_CASES'] ?? 1000);
/** Print every case and its output (to see what the mutations reach). */
const VERBOSE = process.env['NIXMAKE_FUZZ_VERBOSE'] === '1';

// --- randomness -------------------------------------------------------------

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
}

// --- the world: a private folder outside the root, two base projects -------

const MARKER = `NIXMAKE-FUZZ-PRIVATE-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
const PRIVATE = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-fuzz-private-'));
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-fuzz-'));
const PRIVATE_FILES: Record<string, string> = {
  'secret.h': `/* ${MARKER} */\n#define SECRET 1\nint secret_fn(void);\n`,
  'secret.c': `const char *secret_text = "${MARKER}";\nint secret_fn(void) { return 7; }\n`,
  'cc.json': JSON.stringify([{ directory: MARKER, file: `${MARKER}.c`, arguments: ['cc', '-c', MARKER] }]),
};
// The folder is private (0700, mkdtemp); secret.h itself is world-readable, as ~/.ssh/config may be.
for (const [name, text] of Object.entries(PRIVATE_FILES)) fs.writeFileSync(path.join(PRIVATE, name), text, { mode: name === 'secret.h' ? 0o644 : 0o600 });

/** Store paths each private file would have, had it been added as an input (either executable bit). */
const PRIVATE_STORE_PATHS = Object.values(PRIVATE_FILES).flatMap((text) =>
  [false, true].map((x) => makeSourcePath('nixmake-input', narSha256Hex(narOfFile(Buffer.from(text), x)))),
);

const ODD_NL = 'extra/odd\nname.c';
const ODD_ESC = 'extra/esc\x1b[31mname.c';

/** Files every base tree holds besides its own, with oddities the mutations can point at. */
const COMMON: Record<string, string> = {
  'extra/uses_leak.c': '#include "leak.h"\nint uses_leak(void) { return SECRET; }\n',
  'extra/uses_secret.c': '#include "secret.h"\nint uses_secret(void) { return SECRET; }\n',
  'extra/uses_fifo.c': '#include "fifo.h"\nint uses_fifo(void) { return 0; }\n',
  [ODD_NL]: 'int odd_nl(void) { return 1; }\n',
  [ODD_ESC]: 'int odd_esc(void) { return 2; }\n',
  'docs/readme.txt': 'not a source\n',
  'headers/only.h': '#define ONLY 1\n',
  'cxx/thing.cc': 'int thing() { return 3; }\n',
  'broken/bad.c': 'int bad(void) { return }\n',
  'needs/missing.c': '#include "nowhere.h"\nint m(void) { return 0; }\n',
};

function plantOddities(dir: string): void {
  writeTree(dir, COMMON);
  fs.mkdirSync(path.join(dir, 'include'), { recursive: true });
  fs.symlinkSync(path.join(PRIVATE, 'secret.h'), path.join(dir, 'include/leak.h'));
  fs.symlinkSync(PRIVATE, path.join(dir, 'outside'));
  fs.symlinkSync(path.join(PRIVATE, 'cc.json'), path.join(dir, 'cc-link.json'));
  fs.mkdirSync(path.join(dir, 'loop'));
  fs.symlinkSync('..', path.join(dir, 'loop/up'));
  fs.symlinkSync('src', path.join(dir, 'src2'));
  fs.symlinkSync('nowhere.c', path.join(dir, 'extra/dangling.c'));
  // FIFOs: a synchronous read of one would block for ever.
  for (const f of ['fifo.json', 'extra/fifo.c', 'include/fifo.h']) spawnSync('mkfifo', [path.join(dir, f)]);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Base {
  readonly name: string;
  readonly tree: Record<string, string>;
  readonly config: Json;
  readonly db: Json | undefined;
}

const BASES: readonly Base[] = [
  {
    name: 'lib+exe',
    tree: {
      'include/greet.h': '#pragma once\nconst char *greet(void);\nconst char *shout(void);\n',
      'lib/greet.c': '#include "greet.h"\nconst char *greet(void) { return "hello"; }\n',
      'lib/shout.c': '#include "greet.h"\nconst char *shout(void) { return "HELLO"; }\n',
      'src/main.c': '#include <stdio.h>\n#include "greet.h"\nint main(void) { printf("%s %s\\n", greet(), shout()); return 0; }\n',
    },
    config: {
      includeDirs: ['include'],
      cflags: ['-O2', '-Wall'],
      targets: {
        greet: { type: 'static-library', sources: ['lib/*.c'] },
        hello: { type: 'executable', sources: ['src/*.c'], deps: ['greet'] },
      },
    },
    db: undefined,
  },
  {
    name: 'compile-db',
    tree: {
      'include/util.h': '#pragma once\nint twice(int);\n',
      'lib/util.c': '#include "util.h"\nint twice(int x) { return 2 * x * SCALE; }\n',
      'src/main.c': '#include <stdio.h>\n#include "util.h"\nint main(void) { printf("%d\\n", twice(VALUE)); return 0; }\n',
    },
    config: {
      compileCommands: 'compile_commands.json',
      targets: {
        util: { type: 'static-library', sources: ['lib/*.c'] },
        app: { type: 'executable', sources: ['src/*.c'], deps: ['util'] },
      },
    },
    db: [
      { directory: '<root>', file: 'lib/util.c', arguments: ['gcc', '-Iinclude', '-DSCALE=1', '-O2', '-c', 'lib/util.c', '-o', 'lib/util.o'] },
      { directory: '<root>', file: '<root>/src/main.c', command: 'gcc -I include -DVALUE=21 "-DNAME=\\"x y\\"" -c -o src/main.o <root>/src/main.c' },
    ],
  },
];

// --- pools -------------------------------------------------------------------

const LONG = 'a'.repeat(100_000);
const STRINGS: readonly string[] = [
  '', ' ', '.', '..', '../', '../private', '/', '/etc/passwd', '/nonexistent', PRIVATE, `${PRIVATE}/secret.h`, `${PRIVATE}/secret.c`,
  '**', '**/*', '*', '**/*.c', '**/*.h', 'src/*.c', 'lib/*.c', './src/main.c', 'src//main.c', 'src/./main.c', 'src/../src/main.c', '!src/*.c', '!**',
  '{src,lib}/*.c', '[', '*(', '+(a|b)', 'extra/*.c', 'extra/uses_leak.c', 'extra/uses_secret.c', 'extra/dangling.c', 'extra/fifo.c', 'extra/uses_fifo.c', 'include/fifo.h', 'fifo.json', ODD_NL, ODD_ESC, 'extra/*',
  'outside/*.c', 'outside/secret.c', 'src2/*.c', 'loop/**/*.c', 'loop/up/src/*.c', 'docs/*', 'headers/*', 'cxx/*.cc', 'broken/*.c', 'needs/*.c',
  'include/leak.h', 'include', 'nixmake.json', 'compile_commands.json', 'cc-link.json', '.nixmake', '.nixmake/memo.sqlite',
  '\u0000', '\n', '\x1b[31mred\x1b[0m', '\r', '\u0085', '\u009b2J', 'é', '😀', '\ud800', '\u202etxt.c', '\ufeff', LONG, `src/${LONG}.c`,
  '-I../private', `-I${PRIVATE}`, '-include', `-include${PRIVATE}/secret.h`, '-includeinclude/leak.h', '-Iextra', '-Iinclude', '-I/', '-isystem', '-o', '-c', '-MF', '-MD',
  '-DVALUE=1', '-DSCALE=1', '-D', '-Dx=', '-fplugin=/tmp/x.so', '-specs=/etc/passwd', '@/etc/passwd', `@${PRIVATE}/cc.json`, '--sysroot=/', '-B/tmp',
  'executable', 'static-library', 'shared-library', 'greet', 'hello', 'util', 'app', '__proto__', 'constructor', 'toString', 'libfoo.so.1',
  'sandbox', 'false', 'true', '0', '-1', '99999999999', '1e400', 'NaN', 'm', '-lm', 'daemon', 'unix:///tmp/x',
];
const NUMBERS: readonly number[] = [0, -0, 1, -1, 2 ** 53 + 2, 2 ** 64, 1e308, -1e308, 0.5, 1e-320, 4294967296, 65535];
const TARGET_NAMES: readonly string[] = ['greet', 'hello', 'util', 'app', 'x', 'lib2', '__proto__', 'constructor', 'hasOwnProperty', 'a b', '../x', '.', '..', '-x', 'é', 'a'.repeat(300), 'x.so', '', 'result', 'a/b', '\n'];
const FIELDS: readonly string[] = [
  'hostPackages', 'includeDirs', 'defines', 'cflags', 'cxxflags', 'ldflags', 'libs', 'targets', 'toolchain', 'nix', 'compileCommands', 'externalDirs', '$schema',
  'type', 'sources', 'deps', 'soname', 'options', 'cc', 'cxx', 'ar', 'path', 'shell', 'unknown', '__proto__', 'constructor', 'Targets', 'targets ', '',
];
const NIX_OPTIONS: readonly string[] = [
  'cores', 'max-silent-time', 'timeout', 'max-build-log-size', 'keep-going', 'log-lines', 'sandbox', 'sandbox-paths', 'extra-sandbox-paths',
  'post-build-hook', 'substituters', 'trusted-public-keys', 'builders', 'allowed-impure-host-deps', 'keep-failed', 'pre-build-hook', 'build-hook',
  'trusted-users', 'experimental-features', '__proto__', 'constructor', 'cores ', 'Cores', '',
];
const OPTION_VALUES: readonly Json[] = ['0', '1', '2', '600', 'true', 'false', '', '-1', '99999999999', '1e3', ' 1', 'all', 0, 1, true, null, [], {}];
const TOOLS: readonly string[] = ['/usr/bin/gcc', '/usr/bin/g++', '/usr/bin/ar', '/usr/bin/bash', 'gcc', '/nonexistent/gcc', '/usr/bin', '/dev/null', '/usr/bin/false', '/usr/bin/true', '', '../gcc'];
const EXTERNAL_DIRS: readonly string[] = ['/usr/include', '/', '//', '/nonexistent', 'relative', '', '/usr/../', '/nix/store'];
const DB_PATHS: readonly string[] = ['fifo.json', 'compile_commands.json', './compile_commands.json', 'cc-link.json', `${PRIVATE}/cc.json`, '../cc.json', '/etc/passwd', 'nixmake.json', '.', 'src', 'nonexistent.json', '', 'src/main.c', '/dev/zero', '/proc/self/environ'];
const FLAG_FIELDS = ['includeDirs', 'defines', 'cflags', 'cxxflags', 'ldflags', 'libs'] as const;

// --- mutations ----------------------------------------------------------------

/** Extra pairs emitted after an object's own (duplicate keys, which JSON.parse resolves to the last). */
const DUPLICATES = new WeakMap<object, [string, Json][]>();

function stringify(v: Json): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stringify).join(',')}]`;
  const pairs: [string, Json][] = [...Object.entries(v), ...(DUPLICATES.get(v) ?? [])];
  return `{${pairs.map(([k, x]) => `${JSON.stringify(k)}:${stringify(x)}`).join(',')}}`;
}

const clone = (v: Json): Json => (v === null || typeof v !== 'object' ? v : JSON.parse(JSON.stringify(v)) as Json);
const isObject = (v: Json | undefined): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);

function randomString(r: Rng): string {
  if (r.chance(0.8)) return r.pick(STRINGS);
  const len = r.int(12);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCodePoint(r.chance(0.5) ? r.int(0x80) : r.int(0x10ffff + 1 - 0x800) + 0x800);
  return s.replace(/[\ud800-\udfff]/g, '?');
}

function randomValue(r: Rng, depth = 0): Json {
  switch (r.int(depth > 2 ? 4 : 7)) {
    case 0:
      return randomString(r);
    case 1:
      return r.pick(NUMBERS);
    case 2:
      return r.chance(0.5);
    case 3:
      return null;
    case 4:
    case 5:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const o: { [key: string]: Json } = {};
      for (let i = r.int(4); i > 0; i--) o[r.pick(FIELDS)] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** Every container in `v` with the key path to it. */
function containers(v: Json, at: string[] = [], out: { at: string[]; node: Json[] | { [key: string]: Json } }[] = []): typeof out {
  if (v !== null && typeof v === 'object') {
    out.push({ at, node: v });
    for (const [k, x] of Object.entries(v)) containers(x, [...at, k], out);
  }
  return out;
}

function ensureObject(parent: { [key: string]: Json }, key: string): { [key: string]: Json } {
  const v = parent[key];
  if (isObject(v)) return v;
  const o: { [key: string]: Json } = {};
  parent[key] = o;
  return o;
}

function targetsOf(cfg: { [key: string]: Json }): { [key: string]: Json } {
  return ensureObject(cfg, 'targets');
}

/** One mutation of a nixmake.json value (in place, or a replacement); returns its description. */
function mutateConfig(r: Rng, root: Json): { value: Json; what: string } {
  if (!isObject(root) || r.chance(0.03)) return { value: randomValue(r), what: 'replace the whole config' };
  const cfg = root;
  const all = containers(cfg);
  switch (r.int(16)) {
    case 0: {
      const c = r.pick(all);
      const keys = Object.keys(c.node);
      if (keys.length === 0) break;
      const k = r.pick(keys);
      if (Array.isArray(c.node)) c.node.splice(Number(k), 1);
      else delete c.node[k];
      return { value: cfg, what: `delete ${[...c.at, k].join('.')}` };
    }
    case 1: {
      const objs = all.filter((c) => !Array.isArray(c.node) && Object.keys(c.node).length > 0);
      if (objs.length === 0) break;
      const c = r.pick(objs);
      const k = r.pick(Object.keys(c.node));
      const dup = r.chance(0.5) ? clone((c.node as { [key: string]: Json })[k] as Json) : randomValue(r);
      DUPLICATES.set(c.node, [...(DUPLICATES.get(c.node) ?? []), [k, dup]]);
      return { value: cfg, what: `duplicate key ${[...c.at, k].join('.')}` };
    }
    case 2: {
      const objs = all.filter((c) => !Array.isArray(c.node) && Object.keys(c.node).length > 0);
      if (objs.length === 0) break;
      const c = r.pick(objs) as { at: string[]; node: { [key: string]: Json } };
      const k = r.pick(Object.keys(c.node));
      const to = r.chance(0.5) ? r.pick(FIELDS) : r.chance(0.5) ? r.pick(TARGET_NAMES) : randomString(r);
      const v = c.node[k] as Json;
      delete c.node[k];
      c.node[to] = v;
      return { value: cfg, what: `rename ${[...c.at, k].join('.')} to ${JSON.stringify(to).slice(0, 40)}` };
    }
    case 3: {
      const c = r.pick(all);
      const keys = Object.keys(c.node);
      if (keys.length === 0) break;
      const k = r.pick(keys);
      const v = randomValue(r);
      (c.node as Record<string, Json>)[k] = v;
      return { value: cfg, what: `set ${[...c.at, k].join('.')} to ${stringify(v).slice(0, 60)}` };
    }
    case 4:
    case 5: {
      const ts = targetsOf(cfg);
      const names = Object.keys(ts);
      const t = names.length > 0 && r.chance(0.8) ? ensureObject(ts, r.pick(names)) : cfg;
      const list = (Array.isArray(t['sources']) ? t['sources'] : (t['sources'] = [])) as Json[];
      const s = r.pick(STRINGS.filter((x) => x.length < 200 || r.chance(0.1)));
      if (r.chance(0.5) || list.length === 0) list.push(s);
      else list[r.int(list.length)] = s;
      return { value: cfg, what: `sources += ${JSON.stringify(s).slice(0, 60)}` };
    }
    case 6:
    case 7: {
      const ts = targetsOf(cfg);
      const names = Object.keys(ts);
      const t = names.length > 0 && r.chance(0.5) ? ensureObject(ts, r.pick(names)) : cfg;
      const f = r.pick(FLAG_FIELDS);
      const list = (Array.isArray(t[f]) ? t[f] : (t[f] = [])) as Json[];
      const s = r.chance(0.9) ? r.pick(STRINGS) : randomValue(r);
      list.push(s);
      return { value: cfg, what: `${f} += ${stringify(s).slice(0, 60)}` };
    }
    case 8: {
      const ts = targetsOf(cfg);
      const name = r.pick(TARGET_NAMES);
      const names = Object.keys(ts);
      ts[name] = {
        type: r.pick(['executable', 'static-library', 'shared-library', 'library']),
        sources: [r.pick(STRINGS.slice(0, 60))],
        ...(r.chance(0.5) && names.length > 0 ? { deps: [r.pick([...names, 'nope', name])] } : {}),
        ...(r.chance(0.2) ? { soname: r.pick(['libx.so.1', '..', 'a/b', '', 'libé.so']) } : {}),
      };
      return { value: cfg, what: `add target ${JSON.stringify(name).slice(0, 40)}` };
    }
    case 9: {
      const ts = targetsOf(cfg);
      const names = Object.keys(ts).filter((n) => isObject(ts[n]));
      if (names.length < 1) break;
      const a = r.pick(names);
      const b = r.pick(names);
      for (const [x, y] of [[a, b], [b, a]] as const) {
        const t = ts[x] as { [key: string]: Json };
        t['type'] = r.chance(0.8) ? 'static-library' : 'shared-library';
        t['deps'] = [...(Array.isArray(t['deps']) ? t['deps'] : []), y];
      }
      return { value: cfg, what: `deps cycle ${a} <-> ${b}` };
    }
    case 10: {
      const ts = targetsOf(cfg);
      const names = Object.keys(ts).filter((n) => isObject(ts[n]));
      if (names.length === 0) break;
      const t = ts[r.pick(names)] as { [key: string]: Json };
      const d = r.pick([...TARGET_NAMES, ...names]);
      t['deps'] = [...(Array.isArray(t['deps']) ? t['deps'] : []), d];
      return { value: cfg, what: `deps += ${JSON.stringify(d).slice(0, 40)}` };
    }
    case 11: {
      const opts = ensureObject(ensureObject(cfg, 'nix'), 'options');
      const k = r.pick(NIX_OPTIONS);
      const v = r.pick(OPTION_VALUES);
      opts[k] = v;
      return { value: cfg, what: `nix.options.${k} = ${stringify(v)}` };
    }
    case 12: {
      const tc = ensureObject(cfg, 'toolchain');
      const k = r.pick(['cc', 'cxx', 'ar', 'shell', 'path']);
      const v: Json = k === 'path' ? [r.pick(TOOLS), r.pick(TOOLS)] : r.pick(TOOLS);
      tc[k] = v;
      return { value: cfg, what: `toolchain.${k} = ${stringify(v)}` };
    }
    case 13: {
      if (r.chance(0.5)) {
        const v = [r.pick([PRIVATE, `${PRIVATE}/`, path.join(PRIVATE, '..', path.basename(PRIVATE)), 'zlib1g-dev', 'no-such-package', '/nonexistent', 'Bad Name', '/'])];
        cfg['hostPackages'] = v;
        return { value: cfg, what: `hostPackages = ${stringify(v)}` };
      }
      const v = [r.pick(EXTERNAL_DIRS)];
      cfg['externalDirs'] = v;
      return { value: cfg, what: `externalDirs = ${stringify(v)}` };
    }
    case 14: {
      const v = r.pick(DB_PATHS);
      cfg['compileCommands'] = v;
      return { value: cfg, what: `compileCommands = ${JSON.stringify(v)}` };
    }
    default: {
      const ts = targetsOf(cfg);
      const names = Object.keys(ts).filter((n) => isObject(ts[n]));
      if (names.length === 0) break;
      const t = ts[r.pick(names)] as { [key: string]: Json };
      t['type'] = r.pick(['executable', 'static-library', 'shared-library', 'Executable', '', 'dll']);
      return { value: cfg, what: `type = ${stringify(t['type'])}` };
    }
  }
  return { value: cfg, what: 'nothing' };
}

/**
 * A mutation that keeps the project buildable (most of the time): what a
 * user does between builds. Real builds get these half of the time, so the
 * stale-result check sees successful builds with a memo that carries over.
 */
function mutateMildly(r: Rng, root: Json, db: Json | undefined): { value: Json; db: Json | undefined; what: string } {
  if (!isObject(root)) return { value: root, db, what: 'nothing' };
  const ts = targetsOf(root);
  const names = Object.keys(ts).filter((n) => isObject(ts[n]));
  const t = (names.length > 0 ? ts[r.pick(names)] : root) as { [key: string]: Json };
  const push = (o: { [key: string]: Json }, f: string, v: Json): void => {
    o[f] = [...(Array.isArray(o[f]) ? o[f] : []), v];
  };
  switch (r.int(8)) {
    case 0: {
      const f = r.pick(['-O0', '-O1', '-g', '-Wextra', '-fno-common', '-DFUZZ=1', '-DFUZZ="a b"']);
      push(r.chance(0.5) ? root : t, 'cflags', f);
      return { value: root, db, what: `mild: cflags += ${f}` };
    }
    case 1: {
      const src = r.pick(['./src/main.c', 'src2/*.c', 'src//main.c', 'loop/up/src/*.c', 'src/*.c', 'src/../src/main.c']);
      const exe = names.find((n) => (ts[n] as { [key: string]: Json })['type'] === 'executable');
      if (exe) push(ts[exe] as { [key: string]: Json }, 'sources', src);
      return { value: root, db, what: `mild: executable sources += ${src}` };
    }
    case 2: {
      const lib = names.find((n) => String((ts[n] as { [key: string]: Json })['type']).endsWith('library'));
      if (lib) (ts[lib] as { [key: string]: Json })['type'] = r.pick(['static-library', 'shared-library']);
      return { value: root, db, what: `mild: ${lib} type changed` };
    }
    case 3:
      ts['odd'] = { type: 'static-library', sources: [r.pick(['extra/odd*.c', 'extra/esc*.c', 'extra/o*.c'])] };
      return { value: root, db, what: 'mild: a library of sources with a newline or ESC in their names' };
    case 4: {
      const k = r.pick(['cores', 'timeout', 'max-silent-time', 'keep-going']);
      ensureObject(ensureObject(root, 'nix'), 'options')[k] = k === 'keep-going' ? 'true' : r.pick(['0', '1', '600']);
      return { value: root, db, what: `mild: nix.options.${k}` };
    }
    case 5:
      ts['cx'] = { type: 'static-library', sources: ['cxx/*.cc'] };
      return { value: root, db, what: 'mild: a C++ library' };
    case 6: {
      if (!Array.isArray(db) || db.length === 0) return { value: root, db, what: 'nothing' };
      const e = r.pick(db.filter(isObject));
      if (e && Array.isArray(e['arguments'])) e['arguments'] = (e['arguments'] as Json[]).map((a) => (typeof a === 'string' && a.startsWith('-DSCALE=') ? `-DSCALE=${1 + r.int(3)}` : a));
      else if (e && typeof e['command'] === 'string') e['command'] = e['command'].replace(/-DVALUE=\d+/, `-DVALUE=${r.int(100)}`);
      if (r.chance(0.3)) db.push(clone(r.pick(db)));
      return { value: root, db, what: 'mild: a database entry’s define changed' };
    }
    default: {
      const f = r.pick(['-DFUZZ_A', 'FUZZ_B=2', 'FUZZ_C="x y"']);
      push(root, 'defines', f.replace(/^-D/, ''));
      return { value: root, db, what: `mild: defines += ${f}` };
    }
  }
}

const DB_ARGS: readonly string[] = [
  '-c', '-o', 'x.o', '-I', 'include', '-Iinclude', `-I${PRIVATE}`, '-I..', '-I/', '-include', 'include/leak.h', `-include${PRIVATE}/secret.h`, '-DVALUE=2', '-DSCALE=3',
  '-MD', '-MF', 'x.d', 'lib/util.c', 'src/main.c', 'extra/uses_leak.c', `${PRIVATE}/secret.c`, '../x.c', '/etc/passwd', '-x', 'c++', '-E', '-S', '-shared', '--',
  '\n', '\x1b[2J', '😀', LONG, '"', "'", '\\', '-fplugin=/tmp/x.so', '@/etc/passwd', '-O3', '-Wall',
];

/** One mutation of a compile database value. */
function mutateDb(r: Rng, db: Json): { value: Json; what: string } {
  if (!Array.isArray(db) || r.chance(0.05)) return { value: randomValue(r), what: 'replace the whole database' };
  const entries = db.filter(isObject);
  switch (r.int(9)) {
    case 0:
      if (db.length > 0) db.splice(r.int(db.length), 1);
      return { value: db, what: 'delete an entry' };
    case 1:
      if (db.length > 0) db.push(clone(r.pick(db)));
      return { value: db, what: 'duplicate an entry' };
    case 2: {
      if (entries.length === 0) break;
      const e = r.pick(entries);
      const k = r.pick(['directory', 'file', 'arguments', 'command', 'output']);
      const v = r.chance(0.5) ? randomValue(r) : r.pick([...STRINGS, '/', '..', PRIVATE, '/nonexistent', '<root>/src', '<root>/..']);
      e[k] = v;
      return { value: db, what: `entry.${k} = ${stringify(v).slice(0, 60)}` };
    }
    case 3:
    case 4: {
      if (entries.length === 0) break;
      const e = r.pick(entries);
      const args = Array.isArray(e['arguments']) ? e['arguments'] : (e['arguments'] = ['gcc', '-c', 'src/main.c']);
      delete e['command'];
      const n = 1 + r.int(3);
      for (let i = 0; i < n; i++) {
        const a = r.chance(0.9) ? r.pick(DB_ARGS) : randomValue(r);
        if (r.chance(0.3) && args.length > 0) args[r.int(args.length)] = a;
        else args.splice(r.int(args.length + 1), 0, a);
      }
      return { value: db, what: `arguments: ${stringify(args).slice(0, 100)}` };
    }
    case 5: {
      if (entries.length === 0) break;
      const e = r.pick(entries);
      const cmd = r.pick([
        'gcc -c "unterminated src/main.c',
        "gcc -c 'src/main.c",
        'gcc -c src/main.c \\',
        `gcc -I${PRIVATE} -c src/main.c`,
        'gcc -c src/main.c; rm -rf /',
        'gcc -c $(echo src/main.c)',
        'gcc -c `id` src/main.c',
        '',
        '   ',
        'gcc -c src/main.c lib/util.c',
        'cc -c ../outside.c',
        `gcc -c ${PRIVATE}/secret.c`,
        'gcc -c src/main.c -o',
      ]);
      delete e['arguments'];
      e['command'] = cmd;
      return { value: db, what: `command = ${JSON.stringify(cmd)}` };
    }
    case 6: {
      db.push({ directory: r.pick(['<root>', '/', PRIVATE, '<root>/..', '..']), file: r.pick(['src/main.c', `${PRIVATE}/secret.c`, '../secret.c', 'extra/uses_leak.c', ODD_NL]), arguments: ['gcc', '-c', r.pick(['src/main.c', `${PRIVATE}/secret.c`, 'extra/uses_leak.c', ODD_NL, '../secret.c'])] });
      return { value: db, what: 'add an odd entry' };
    }
    case 7: {
      let v: Json = [];
      for (let i = 0; i < 3000; i++) v = [v];
      if (entries.length > 0) r.pick(entries)['arguments'] = ['gcc', '-c', 'src/main.c', v];
      else db.push(v);
      return { value: db, what: 'deeply nested junk' };
    }
    default:
      db.push(randomValue(r));
      return { value: db, what: 'push a random entry' };
  }
  return { value: db, what: 'nothing' };
}

/** Text-level damage: truncation, a BOM, junk, invalid UTF-8. */
function damageText(r: Rng, text: string): { bytes: Buffer; what: string } {
  switch (r.int(9)) {
    case 0: {
      const at = r.int(text.length + 1);
      return { bytes: Buffer.from(text.slice(0, at)), what: `truncated at ${at}` };
    }
    case 1:
      return { bytes: Buffer.from(`\ufeff${text}`), what: 'a BOM' };
    case 2:
      return { bytes: Buffer.from(`${text}\n}junk`), what: 'trailing junk' };
    case 3:
      return { bytes: Buffer.concat([Buffer.from(text.slice(0, text.length >> 1)), Buffer.from([0xff, 0xfe, 0x00, 0xc3]), Buffer.from(text.slice(text.length >> 1))]), what: 'invalid UTF-8 in the middle' };
    case 4:
      return { bytes: Buffer.from(''), what: 'empty' };
    case 5:
      return { bytes: Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`), what: 'deep nesting' };
    case 6:
      return { bytes: Buffer.from(`// comment\n${text}`), what: 'a comment' };
    case 7:
      return { bytes: Buffer.from(text.replace(/"/, "'")), what: 'a single quote' };
    default:
      return { bytes: Buffer.from(`${text}\0`), what: 'a NUL at the end' };
  }
}

// --- running a case ------------------------------------------------------------

const STACK_LINE = /^\s+at .*\(.*:\d+:\d+\)$|^ {4}at /m;

interface Run {
  code: number | 'threw';
  stdout: string;
  stderr: string;
}

async function inProcess(argv: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const output: Output = { out: (t) => void (stdout += t), err: (t) => void (stderr += t) };
  try {
    return { code: await main(argv, output), stdout, stderr };
  } catch (err) {
    return { code: 'threw', stdout, stderr: `${stderr}${err instanceof Error ? err.stack : String(err)}` };
  }
}

async function spawned(argv: readonly string[]): Promise<Run> {
  const r = await spawnAsync(process.execPath, [CLI, ...argv]);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

interface Case {
  readonly n: number;
  readonly base: Base;
  readonly mode: 'dry-run' | 'build' | 'deps' | 'deps-json' | 'spawn';
  readonly what: string[];
  readonly config: Buffer;
  readonly db: Buffer | undefined;
  /** The parsed config when it is JSON (for the leak check's externalDirs exemption). */
  readonly parsed: unknown;
}

interface Failure {
  readonly n: number;
  readonly kind: string;
  readonly detail: string;
}

const withRoot = (v: Json, root: string): string => stringify(v).split('<root>').join(root);

function makeCase(r: Rng, n: number, root: string): Case {
  const base = r.pick(BASES);
  const what: string[] = [];
  let cfg = clone(base.config);
  let db = base.db === undefined ? undefined : clone(base.db);
  const x = r.float();
  const mode: Case['mode'] = x < 0.05 ? 'build' : x < 0.09 ? 'deps' : x < 0.13 ? 'deps-json' : x < 0.14 ? 'spawn' : 'dry-run';
  const mild = r.chance(mode === 'build' ? 0.5 : 0.1);
  const mutateDbToo = db !== undefined && r.chance(0.5);
  const m = r.chance(0.1) ? 0 : 1 + r.int(3);
  for (let i = 0; i < m && mild; i++) {
    const y = mutateMildly(r, cfg, db);
    cfg = y.value;
    db = y.db;
    what.push(y.what);
  }
  for (let i = 0; i < m && !mild; i++) {
    if (mutateDbToo && r.chance(0.5)) {
      const x = mutateDb(r, db as Json);
      db = x.value;
      what.push(`db: ${x.what}`);
    } else {
      const x = mutateConfig(r, cfg);
      cfg = x.value;
      what.push(`config: ${x.what}`);
    }
  }
  let config = Buffer.from(withRoot(cfg, root));
  let dbBytes = db === undefined ? undefined : Buffer.from(withRoot(db, root));
  if (!mild && r.chance(0.08)) {
    const d = damageText(r, config.toString());
    config = d.bytes;
    what.push(`config text: ${d.what}`);
  }
  if (dbBytes && !mild && r.chance(0.08)) {
    const d = damageText(r, dbBytes.toString());
    dbBytes = d.bytes;
    what.push(`db text: ${d.what}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(config.toString('utf8')) as unknown;
  } catch {
    parsed = undefined;
  }
  return { n, base, mode, what, config, db: dbBytes, parsed };
}

/** Whether the config lets the private folder in on purpose (then its files may enter the store). */
function allowsPrivate(parsed: unknown): boolean {
  const dirs = (parsed as { externalDirs?: unknown } | undefined)?.externalDirs;
  if (!Array.isArray(dirs)) return false;
  return dirs.some((d) => typeof d === 'string' && d.startsWith('/') && (PRIVATE + '/').startsWith(path.posix.normalize(d).replace(/\/*$/, '/')));
}

function check(c: Case, argv: readonly string[], run: Run, json: boolean, root: string): Failure[] {
  const out: Failure[] = [];
  const all = `${run.stdout}\n${run.stderr}`;
  const fail = (kind: string, detail = ''): void => {
    out.push({ n: c.n, kind, detail: `${detail}\n  argv: ${argv.join(' ')}\n  mutations: ${c.what.join(' | ')}\n  exit: ${String(run.code)}\n  output: ${all.slice(0, 1500)}` });
  };
  if (run.code === 'threw') fail('main() threw', run.stderr.split('\n')[0]);
  else if (run.code !== 0 && run.code !== 1) fail(`exit code ${run.code}`);
  if (/internal error/i.test(all)) fail('internal error');
  if (STACK_LINE.test(all)) fail('stack trace');
  if (all.includes(MARKER)) fail('private content printed');
  if (json) {
    for (const line of run.stdout.split('\n')) {
      if (line === '') continue;
      try {
        JSON.parse(line);
      } catch {
        fail('invalid JSON line', JSON.stringify(line.slice(0, 200)));
        break;
      }
      if (/[\x00-\x1f\x7f-\x9f]/.test(line)) fail('raw control character in a JSON line', JSON.stringify(line.slice(0, 200)));
    }
  } else if (/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(all.replace(/\n/g, ''))) {
    fail('raw control character on the terminal');
  }
  if (run.code === 1) {
    const said = json && argv[0] === 'build' ? /"event":"(diagnostic|node-failed)"/.test(run.stdout) && /"severity":"error"|"event":"node-failed"/.test(run.stdout) : /error/.test(all);
    if (!said) fail('exit 1 without an error');
  }
  if (fs.existsSync(path.join(root, '.nixmake/lock'))) fail('lock left behind');
  return out;
}

/** The NAR hash of every result link a successful build of `root` left. */
function results(root: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const name of fs.readdirSync(root).filter((n) => n.startsWith('result-')).sort()) {
    const target = fs.readlinkSync(path.join(root, name));
    m.set(name, narSha256Hex(narOfPath(target)));
  }
  return m;
}

/** Every store path this project's GC roots keep (outputs and derivations). */
function rootedPaths(root: string): string[] {
  const dir = path.join(root, '.nixmake/gcroots');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((n) => {
    try {
      return [fs.readlinkSync(path.join(dir, n))];
    } catch {
      return [];
    }
  });
}

const STORE_REF = /\/nix\/store\/[0-9a-z]{32}-[A-Za-z0-9+._?=-]*/g;

/** A file's bytes, and an ELF file's without its build-id note (a hash of the rest, rpath included). */
function withoutBuildId(file: string): Buffer {
  const bytes = fs.readFileSync(file);
  if (bytes.subarray(0, 4).toString('latin1') !== '\x7fELF') return bytes;
  const tmp = path.join(WORK, `elf-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    const r = spawnSync('objcopy', ['--remove-section=.note.gnu.build-id', file, tmp]);
    return r.status === 0 ? fs.readFileSync(tmp) : bytes;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Whether two outputs differ only in the store paths they name, each pair of
 * which has equal contents. A link cut off early keeps the path of the build
 * that first made its bytes (README), so a program linking a shared library
 * names that library's earlier path in its rpath: equal bytes, another path.
 */
function sameModuloCutoffPaths(a: string, b: string): boolean {
  const ra = fs.realpathSync(a);
  const rb = fs.realpathSync(b);
  const walk = (root: string, rel = ''): string[] => {
    const p = path.join(root, rel);
    const st = fs.lstatSync(p);
    return st.isDirectory() ? fs.readdirSync(p).sort().flatMap((e) => walk(root, path.join(rel, e))) : [rel];
  };
  const fa = walk(ra);
  if (JSON.stringify(fa) !== JSON.stringify(walk(rb))) return false;
  for (const rel of fa) {
    const pa = path.join(ra, rel);
    const pb = path.join(rb, rel);
    if (fs.lstatSync(pa).isSymbolicLink() || fs.lstatSync(pb).isSymbolicLink()) {
      if (!fs.lstatSync(pa).isSymbolicLink() || !fs.lstatSync(pb).isSymbolicLink() || fs.readlinkSync(pa) !== fs.readlinkSync(pb)) return false;
      continue;
    }
    const ta = withoutBuildId(pa).toString('latin1');
    const tb = withoutBuildId(pb).toString('latin1');
    if (ta === tb) continue;
    const mask = (t: string): string => t.replace(STORE_REF, (m) => `/nix/store/${'0'.repeat(32)}${m.slice(43)}`);
    if (mask(ta) !== mask(tb)) return false;
    const refsA = ta.match(STORE_REF) ?? [];
    const refsB = tb.match(STORE_REF) ?? [];
    for (let i = 0; i < refsA.length; i++) {
      const x = (refsA[i] as string).split('/').slice(0, 4).join('/');
      const y = (refsB[i] as string).split('/').slice(0, 4).join('/');
      if (x !== y && narSha256Hex(narOfPath(x)) !== narSha256Hex(narOfPath(y))) return false;
    }
  }
  return true;
}

/** For a report: the two outputs' files and, for ELF files, their dynamic sections (rpath, needed). */
function explainDifference(a: string, b: string): string {
  const files = (root: string): string[] => {
    const out: string[] = [];
    const walk = (p: string): void => {
      const st = fs.lstatSync(p);
      if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
      else out.push(p);
    };
    walk(fs.realpathSync(root));
    return out;
  };
  const describe = (root: string): string =>
    files(root)
      .map((f) => {
        const d = spawnSync('readelf', ['-d', f], { encoding: 'utf8' }).stdout.split('\n').filter((l) => /RPATH|RUNPATH|NEEDED|SONAME/.test(l));
        return `    ${f} ${fs.lstatSync(f).isSymbolicLink() ? `-> ${fs.readlinkSync(f)}` : narSha256Hex(fs.readFileSync(f)).slice(0, 12)}\n${d.map((l) => `      ${l.trim()}`).join('\n')}`;
      })
      .join('\n');
  return `  incremental:\n${describe(a)}\n  clean:\n${describe(b)}`;
}

function containsMarker(p: string): boolean {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return false;
  if (st.isDirectory()) return fs.readdirSync(p).some((n) => containsMarker(path.join(p, n)));
  if (!st.isFile()) return false;
  return fs.readFileSync(p).includes(MARKER);
}

function writeCase(dir: string, c: Case): void {
  fs.writeFileSync(path.join(dir, 'nixmake.json'), c.config);
  if (c.db) fs.writeFileSync(path.join(dir, 'compile_commands.json'), c.db);
  else fs.rmSync(path.join(dir, 'compile_commands.json'), { force: true });
}

function freshTree(base: Base, label: string): string {
  const dir = fs.mkdtempSync(path.join(WORK, `${label}-`));
  writeTree(dir, base.tree);
  plantOddities(dir);
  return dir;
}

/** Known failures outside this test's files, by kind: reported as todos, not failed on. */
const KNOWN: readonly { readonly name: string; readonly matches: (f: Failure) => boolean }[] = [];

afterAll(() => {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.rmSync(PRIVATE, { recursive: true, force: true });
});

describe(`config fuzz: ${CASES} mutations of nixmake.json and compile_commands.json (seed ${SEED})`, () => {
  const failures: Failure[] = [];
  const stats = { cases: 0, byMode: {} as Record<string, number>, exit0: 0, exit1: 0, realBuildsOk: 0, comparedClean: 0 };

  it('never an internal error, a stack trace, a bad exit code, invalid JSON, a leak or a stale result', async () => {
    const r = new Rng(SEED);
    // One working copy per base for plans (its memo carries over, as a user's would), one for real builds.
    const planDirs = new Map(BASES.map((b) => [b, freshTree(b, `plan-${b.name}`)]));
    const buildDirs = new Map(BASES.map((b) => [b, freshTree(b, `build-${b.name}`)]));
    const compared = new Set<string>();
    for (let n = 0; n < CASES; n++) {
      const real = makeCase(r, n, '<pending>');
      const dir = (real.mode === 'build' ? buildDirs : planDirs).get(real.base) as string;
      // The root is known only now: <root> in the database stands for it.
      const c: Case = { ...real, db: real.db ? Buffer.from(real.db.toString('latin1').split('<pending>').join(dir), 'latin1') : undefined, config: Buffer.from(real.config.toString('latin1').split('<pending>').join(dir), 'latin1') };
      writeCase(dir, c);
      stats.cases++;
      stats.byMode[c.mode] = (stats.byMode[c.mode] ?? 0) + 1;
      let argv: string[];
      switch (c.mode) {
        case 'build':
          argv = ['build', '--json', '-j', '2', '-C', dir];
          break;
        case 'deps':
          argv = ['deps', '-C', dir];
          break;
        case 'deps-json':
          argv = ['deps', '--json', '-C', dir];
          break;
        default:
          argv = ['build', '--dry-run', '--json', '-C', dir];
      }
      const run = c.mode === 'spawn' ? await spawned(argv) : await inProcess(argv);
      if (VERBOSE) console.log(`case ${n} ${c.base.name} ${c.mode}: ${c.what.join(' | ')} -> ${String(run.code)}\n${(run.stdout + run.stderr).slice(0, 600)}`);
      const found = check(c, argv, run, argv.includes('--json'), dir);
      failures.push(...found);
      if (run.code === 0) stats.exit0++;
      if (run.code === 1) stats.exit1++;
      if (c.mode !== 'build') continue;

      // A real build: nothing private in the store or in what it built; a success equals a clean build.
      if (!allowsPrivate(c.parsed)) {
        for (const p of PRIVATE_STORE_PATHS) if (fs.existsSync(p)) failures.push({ n, kind: 'private file in the store', detail: `${p}\n  mutations: ${c.what.join(' | ')}` });
        // A folder of the host imported whole (hostPackages) is named after it: the private one must never be.
        const published = fs.readdirSync('/nix/store').filter((e) => e.includes(path.basename(PRIVATE)));
        for (const e of published) failures.push({ n, kind: 'private folder imported into the store', detail: `/nix/store/${e}\n  mutations: ${c.what.join(' | ')}` });
        for (const p of rootedPaths(dir)) if (containsMarker(p)) failures.push({ n, kind: 'private content in a built output', detail: `${p}\n  mutations: ${c.what.join(' | ')}` });
      }
      if (run.code !== 0) continue;
      stats.realBuildsOk++;
      const again = await inProcess(argv);
      failures.push(...check(c, argv, again, true, dir));
      if (!/"submitted":0[,}]/.test(again.stdout) || !/"objects_built":0,"links_built":0/.test(again.stdout)) {
        failures.push({ n, kind: 'second build not a no-op', detail: `${again.stdout.split('\n').slice(-2).join('\n')}\n  mutations: ${c.what.join(' | ')}` });
      }
      const key = `${c.base.name}\0${c.config.toString('latin1')}\0${c.db?.toString('latin1') ?? ''}`;
      if (compared.has(key)) continue;
      compared.add(key);
      const fresh = freshTree(c.base, 'clean');
      const freshCase: Case = { ...c, config: Buffer.from(c.config.toString('latin1').split(dir).join(fresh), 'latin1'), db: c.db ? Buffer.from(c.db.toString('latin1').split(dir).join(fresh), 'latin1') : undefined };
      writeCase(fresh, freshCase);
      const cleanRun = await inProcess(['build', '--json', '-j', '2', '-C', fresh]);
      if (cleanRun.code !== 0) {
        failures.push({ n, kind: 'clean build of a config that built incrementally failed', detail: `${cleanRun.stdout.slice(-1500)}\n  mutations: ${c.what.join(' | ')}` });
      } else {
        stats.comparedClean++;
        const a = results(dir);
        const b = results(fresh);
        // Result links of targets the config no longer has stay from earlier builds; compare those it has.
        for (const [name, nar] of b) {
          if (a.get(name) !== nar && !sameModuloCutoffPaths(path.join(dir, name), path.join(fresh, name))) failures.push({ n, kind: 'stale result', detail: `${name}: incremental ${a.get(name)} vs clean ${nar}\n${explainDifference(path.join(dir, name), path.join(fresh, name))}\n  mutations: ${c.what.join(' | ')}` });
        }
      }
      fs.rmSync(fresh, { recursive: true, force: true });
    }
    const unknown = failures.filter((f) => !KNOWN.some((k) => k.matches(f)));
    const summary = `${stats.cases} cases (${JSON.stringify(stats.byMode)}), exit 0: ${stats.exit0}, exit 1: ${stats.exit1}, real builds ok: ${stats.realBuildsOk}, compared with clean: ${stats.comparedClean}, failures: ${failures.length} (unknown: ${unknown.length})`;
    console.log(`config fuzz: ${summary}`);
    const byKind = new Map<string, Failure[]>();
    for (const f of unknown) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
    const report = [...byKind].map(([k, fs_]) => `${k} (${fs_.length} cases; first: case ${fs_[0]?.n})\n  ${fs_[0]?.detail}`).join('\n\n');
    expect(unknown, report).toEqual([]);
  });

  for (const k of KNOWN) it.todo(`known failure: ${k.name}`);
});

// --- the fixes the fuzz's neighbours asked for ---------------------------------

function tempProject(tree: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(WORK, 'case-'));
  writeTree(dir, tree);
  return dir;
}

describe('nixmake deps on file names holding a newline or ESC', () => {
  it('prints them escaped on the terminal, and as valid JSON lines with --json', async () => {
    const dir = tempProject({
      'nixmake.json': JSON.stringify({ includeDirs: ['include'], targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
      'src/odd\nname.c': '#include "esc\x1b[2Jh.h"\nint main(void) { return 0; }\n',
      'include/esc\x1b[2Jh.h': '#define X 1\n',
    });
    const text = await inProcess(['deps', '-C', dir]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe('src/odd\\nname.c (app):\n  include/esc\\x1b[2Jh.h\n');
    expect(text.stdout + text.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    const json = await inProcess(['deps', '--json', '-C', dir]);
    expect(json.code).toBe(0);
    const lines = json.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ tu: 'src/odd\nname.c', headers: ['include/esc\x1b[2Jh.h'] });
  });
});

describe('a probed include folder or header this user may not read (as nobody)', () => {
  const NOBODY = 65534;
  const asNobody = (args: readonly string[]): { code: number; out: string } => {
    const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, ...args], {
      env: { ...process.env, HOME: '/nonexistent' },
      encoding: 'utf8',
    });
    return { code: r.status ?? 128, out: `${r.stdout}${r.stderr}` };
  };
  const canSetpriv = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;

  it.skipIf(!canSetpriv)('is a permission error naming the path and the user, never "No such file or directory"', () => {
    // Not under WORK: nobody must be able to reach the project (mkdtemp folders are 0700).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-fuzz-perm-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    writeTree(dir, {
      // An explicit toolchain: the default one is imported into the store through the daemon, which nobody cannot reach here.
      'nixmake.json': JSON.stringify({ toolchain: { cc: '/usr/bin/gcc' }, includeDirs: ['priv', 'inc'], targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
      'src/main.c': '#include "x.h"\nint main(void) { return X; }\n',
      'inc/x.h': '#define X 0\n',
      'priv/other.h': '',
    });
    expect(spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]).status).toBe(0);
    // A folder searched before the header's own: gcc would stop at it too.
    fs.chmodSync(path.join(dir, 'priv'), 0o000);
    for (const args of [['build', '--dry-run', '--json', '-C', dir], ['deps', '-C', dir]]) {
      const r = asNobody(args);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toContain(`permission denied: nixmake (as user nobody) cannot read ${dir}/priv (EACCES)`);
      expect(r.out).not.toMatch(/No such file|internal error|\n\s+at /);
    }
    // The header itself unreadable.
    fs.chmodSync(path.join(dir, 'priv'), 0o755);
    fs.chmodSync(path.join(dir, 'inc/x.h'), 0o000);
    const r = asNobody(['build', '--dry-run', '--json', '-C', dir]);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(new RegExp(`permission denied: nixmake \\(as user nobody\\) cannot (open|read) ${dir}/inc/x\\.h \\(EACCES`));
    expect(r.out).not.toMatch(/No such file|internal error|\n\s+at /);
    fs.chmodSync(path.join(dir, 'inc/x.h'), 0o644);
    expect(asNobody(['build', '--dry-run', '--json', '-C', dir]).code).toBe(0);
  });
});

describe('nixmake clean and a .nixmake that is not nixmake’s', () => {
  it('a regular file or a folder of the user’s: exit 1 naming it, nothing removed', async () => {
    const dir = tempProject({ 'nixmake.json': '{}', '.nixmake': 'mine' });
    fs.symlinkSync('/nix/store/00000000000000000000000000000000-x', path.join(dir, 'result-x'));
    let r = await inProcess(['clean', '-C', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`.nixmake: error: ${dir}/.nixmake is a regular file, not nixmake's state folder: nixmake clean never deletes it; move or delete it yourself\n`);
    expect(fs.readFileSync(path.join(dir, '.nixmake'), 'utf8')).toBe('mine');
    expect(fs.readlinkSync(path.join(dir, 'result-x'))).toMatch(/^\/nix\/store\//);
    fs.rmSync(path.join(dir, '.nixmake'));
    writeTree(dir, { '.nixmake/notes.txt': 'precious', '.nixmake/memo.sqlite': '' });
    r = await inProcess(['clean', '-C', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.nixmake is a folder holding files nixmake did not write \("notes\.txt"\)/);
    expect(fs.readFileSync(path.join(dir, '.nixmake/notes.txt'), 'utf8')).toBe('precious');
    expect(fs.existsSync(path.join(dir, '.nixmake/memo.sqlite'))).toBe(true);
    fs.rmSync(path.join(dir, '.nixmake/notes.txt'));
    // nixmake's own files, and what a killed write of one leaves: removed.
    writeTree(dir, { '.nixmake/noop.stamp': '', '.nixmake/noop.stamp.tmp-4242': '', '.nixmake/baseline.json': '{}', '.nixmake/baseline.json.tmp-4242': '{' });
    r = await inProcess(['clean', '-C', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, '.nixmake'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'result-x'))).toBe(false);
  });
});
