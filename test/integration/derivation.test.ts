/**
 * store/derivation.ts, nar.ts and storePath.ts against the real Nix 2.8
 * tools: files added with `builtins.path`, two derivations (B uses A's
 * outputs) instantiated by `nix-instantiate`, and the same derivations made
 * in TypeScript must agree byte for byte and path for path.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInputAddressedDerivation } from '../../store/derivation.js';
import { narOfFile, narOfPath, narSha256Hex } from '../../store/nar.js';
import { makeSourcePath } from '../../store/storePath.js';

function nix(cmd: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NIX_REMOTE: 'daemon' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout.trim();
}

/** A Nix string literal with the given contents (no interpolation). */
function nixString(s: string): string {
  const esc: Record<string, string> = { '\\': '\\\\', '"': '\\"', $: '\\$', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return `"${s.replace(/[\\"$\n\r\t]/g, (c) => esc[c]!)}"`;
}

const SYSTEM = 'x86_64-linux';
const FILES = {
  'my file.c': { contents: Buffer.from([...Buffer.from('int main(void) { return 0; } /* '), 0xff, 0xc3, 0xbc, ...Buffer.from(' */\n')]), executable: false },
  'util.h': { contents: Buffer.from('#define X 1\n'), executable: false },
  'gen.sh': { contents: Buffer.from('#!/bin/sh\necho generated\n'), executable: true },
} as const;
type FileName = keyof typeof FILES;

// Arguments with everything the ATerm writer escapes, and some things it does not.
const TRICKY = ['-c', 'echo "quoted" \\back\\slash\nnew line\ttab\rcr ünïcødé € 😀 ${notInterpolated} $HOME'];
const A_ENV = { cflags: '-O2 -DX="y" -I\\inc', zeta: 'z', Alpha: 'a\nb', '～': 'fullwidth', '😀': 'emoji' };

let dir: string;
let drvA: string;
let drvB: string;
const storePathOf = {} as Record<FileName, string>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-drv-'));
  // Unique to this run, so the test never relies on paths another run added.
  const salt = `${process.pid}-${Date.now()}`;
  for (const [name, f] of Object.entries(FILES)) {
    fs.writeFileSync(path.join(dir, name), Buffer.concat([f.contents, Buffer.from(`// ${salt}\n`)]), { mode: f.executable ? 0o755 : 0o644 });
  }
  const input = (name: string): string => `builtins.path { path = ./. + ${nixString(`/${name}`)}; name = "nixmake-input"; }`;
  const envAttrs = Object.entries(A_ENV)
    .map(([k, v]) => `${nixString(k)} = ${nixString(v)};`)
    .join(' ');
  const expr = `
let
  f1 = ${input('my file.c')};
  f2 = ${input('util.h')};
  f3 = ${input('gen.sh')};
  A = derivation {
    name = "nixmake-a"; system = "${SYSTEM}"; builder = "/bin/sh";
    args = [ ${TRICKY.map(nixString).join(' ')} "\${f1}" "run \${f3} now" ];
    ${envAttrs}
    outputs = [ "out" "lib" ];
  };
  B = derivation {
    name = "nixmake-b"; system = "${SYSTEM}"; builder = "/bin/sh";
    args = [ "-c" "cc -o $out \${A}/x.o \${A.lib}/lib.a -include \${f2} \${f1}" ];
    deps = "\${f2}";
  };
in { a = A; b = B; }
`;
  fs.writeFileSync(path.join(dir, 'default.nix'), expr);
  // With --add-root, nix-instantiate prints the root (a symlink to the .drv).
  drvA = fs.readlinkSync(nix('nix-instantiate', ['--add-root', path.join(dir, 'a.drv'), '--indirect', 'default.nix', '-A', 'a'], dir));
  drvB = fs.readlinkSync(nix('nix-instantiate', ['--add-root', path.join(dir, 'b.drv'), '--indirect', 'default.nix', '-A', 'b'], dir));
  for (const name of Object.keys(FILES) as FileName[]) {
    storePathOf[name] = makeSourcePath('nixmake-input', narSha256Hex(narOfFile(fs.readFileSync(path.join(dir, name)), FILES[name].executable)));
  }
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('derivations made in TypeScript equal nix-instantiate\'s', () => {
  const makeA = () =>
    makeInputAddressedDerivation({
      name: 'nixmake-a',
      system: SYSTEM,
      builder: '/bin/sh',
      args: [...TRICKY, storePathOf['my file.c'], `run ${storePathOf['gen.sh']} now`],
      env: A_ENV,
      inputSrcs: [storePathOf['gen.sh'], storePathOf['my file.c']],
      inputDrvs: {},
      outputs: ['out', 'lib'],
    });

  it('A: same .drv text, .drv path and output paths', () => {
    const a = makeA();
    expect(a.drvPath).toBe(drvA);
    expect(Buffer.from(a.text, 'utf8').equals(fs.readFileSync(drvA))).toBe(true);
    expect(a.text).toBe(fs.readFileSync(drvA, 'utf8'));
    const outs = nix('nix-store', ['-q', '--outputs', drvA], dir).split('\n').sort();
    expect(outs).toEqual([a.outputs.out, a.outputs.lib].sort());
  });

  it('B, which uses both of A\'s outputs: same .drv text, .drv path and output path', () => {
    const a = makeA();
    const f1 = storePathOf['my file.c'];
    const f2 = storePathOf['util.h'];
    const b = makeInputAddressedDerivation({
      name: 'nixmake-b',
      system: SYSTEM,
      builder: '/bin/sh',
      args: ['-c', `cc -o $out ${a.outputs.out}/x.o ${a.outputs.lib}/lib.a -include ${f2} ${f1}`],
      env: { deps: f2 },
      inputSrcs: [f1, f2],
      inputDrvs: { [a.drvPath]: { outputs: ['lib', 'out'], hashModulo: a.hashModulo } },
    });
    expect(b.text).toBe(fs.readFileSync(drvB, 'utf8'));
    expect(b.drvPath).toBe(drvB);
    expect(nix('nix-store', ['-q', '--outputs', drvB], dir)).toBe(b.outputs.out);
  });
});

describe('source paths equal what Nix adds', () => {
  it.each(['util.h', 'gen.sh'] as const)('nix-store --add %s', (name) => {
    const file = path.join(dir, name);
    const added = nix('nix-store', ['--add', file], dir);
    expect(makeSourcePath(name, narSha256Hex(narOfFile(fs.readFileSync(file), FILES[name].executable)))).toBe(added);
    expect(makeSourcePath(name, narSha256Hex(narOfPath(file)))).toBe(added);
    // The NAR Nix itself writes for the file.
    const dumped = spawnSync('nix-store', ['--dump', file]).stdout;
    expect(narOfPath(file).equals(dumped)).toBe(true);
  });

  it('builtins.path with a name, for a file whose name has a space and whose bytes are not UTF-8', () => {
    const out = nix('nix-instantiate', ['--eval', '-E', `builtins.path { path = ./. + "/my file.c"; name = "nixmake-input"; }`], dir);
    expect(JSON.parse(out)).toBe(storePathOf['my file.c']);
  });
});
