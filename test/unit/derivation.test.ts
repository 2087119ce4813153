/**
 * Derivations against .drv files `nix-instantiate` (Nix 2.8) wrote for
 * u.nix below; the texts are copied verbatim (as JS string literals).
 *
 *   let
 *     src = builtins.toFile "src.c" "int main(void) { return 0; }\n";
 *     a = derivation {
 *       name = "a"; system = "x86_64-linux"; builder = "/bin/sh";
 *       args = [ "-c" "echo \"q\" \\ \n\t\r ü ${src}" ];
 *       zz = "1"; AA = "tab\there";
 *     };
 *     b = derivation {
 *       name = "b"; system = "x86_64-linux"; builder = "/bin/sh";
 *       args = [ "${a}/x" ]; outputs = [ "out" "dev" ];
 *     };
 *   in { inherit a b; }
 *
 * `nix-instantiate u.nix -A a`, `-A b`, then `cat` each .drv and
 * `nix-store -q --outputs` them.
 */
import { describe, expect, it } from 'vitest';
import {
  type Derivation,
  hashDerivationModulo,
  makeInputAddressedDerivation,
  parseDerivation,
  unparseDerivation,
} from '../../store/derivation.js';
import { sha256Hex } from '../../store/storePath.js';
import { compareUtf8, sortedSet } from '../../store/utf8Order.js';

const SRC = '/nix/store/91l7a3bnsq25d5ab0mmy9a4v4v6ijqhy-src.c';
const A_DRV = '/nix/store/zg3b7k9gf15vx00vnzn3fk8q16m91alv-a.drv';
const A_OUT = '/nix/store/am7ccxfa4mrhs7f574lac95nf31g8hj3-a';
const A_TEXT =
  'Derive([("out","/nix/store/am7ccxfa4mrhs7f574lac95nf31g8hj3-a","","")],[],["/nix/store/91l7a3bnsq25d5ab0mmy9a4v4v6ijqhy-src.c"],' +
  '"x86_64-linux","/bin/sh",["-c","echo \\"q\\" \\\\ \\n\\t\\r ü /nix/store/91l7a3bnsq25d5ab0mmy9a4v4v6ijqhy-src.c"],' +
  '[("AA","tab\\there"),("builder","/bin/sh"),("name","a"),("out","/nix/store/am7ccxfa4mrhs7f574lac95nf31g8hj3-a"),("system","x86_64-linux"),("zz","1")])';
const B_DRV = '/nix/store/z7sk31rp9s04z2b7s5r8jpnwlq8jm7hg-b.drv';
const B_TEXT =
  'Derive([("dev","/nix/store/bm3682jwi68373xfy0hdfk9ngmsjkayv-b-dev","",""),("out","/nix/store/szzbl2w2pphvrbfczsw24ld7vcs2nlmh-b","","")],' +
  '[("/nix/store/zg3b7k9gf15vx00vnzn3fk8q16m91alv-a.drv",["out"])],[],"x86_64-linux","/bin/sh",["/nix/store/am7ccxfa4mrhs7f574lac95nf31g8hj3-a/x"],' +
  '[("builder","/bin/sh"),("dev","/nix/store/bm3682jwi68373xfy0hdfk9ngmsjkayv-b-dev"),("name","b"),("out","/nix/store/szzbl2w2pphvrbfczsw24ld7vcs2nlmh-b"),("outputs","out dev"),("system","x86_64-linux")])';

const makeA = () =>
  makeInputAddressedDerivation({
    name: 'a',
    system: 'x86_64-linux',
    builder: '/bin/sh',
    args: ['-c', `echo "q" \\ \n\t\r ü ${SRC}`],
    env: { zz: '1', AA: 'tab\there' },
    inputSrcs: [SRC],
    inputDrvs: {},
  });

describe('makeInputAddressedDerivation', () => {
  it('gives the text, .drv path and output path nix-instantiate gave for a', () => {
    const a = makeA();
    expect(a.text).toBe(A_TEXT);
    expect(a.drvPath).toBe(A_DRV);
    expect(a.outputs).toEqual({ out: A_OUT });
  });

  it('gives them for b, which uses a\'s output and has two outputs', () => {
    const a = makeA();
    const b = makeInputAddressedDerivation({
      name: 'b',
      system: 'x86_64-linux',
      builder: '/bin/sh',
      args: [`${a.outputs.out}/x`],
      env: {},
      inputSrcs: [],
      inputDrvs: { [a.drvPath]: { outputs: ['out'], hashModulo: a.hashModulo } },
      outputs: ['out', 'dev'],
    });
    expect(b.text).toBe(B_TEXT);
    expect(b.drvPath).toBe(B_DRV);
    expect(b.outputs).toEqual({
      out: '/nix/store/szzbl2w2pphvrbfczsw24ld7vcs2nlmh-b',
      dev: '/nix/store/bm3682jwi68373xfy0hdfk9ngmsjkayv-b-dev',
    });
  });

  it('a dependent needs the input\'s UNMASKED modulo hash; the masked one gives other paths', () => {
    const a = makeA();
    const parsedA = parseDerivation(A_TEXT);
    expect(a.hashModulo).toBe(hashDerivationModulo(parsedA, () => '', false));
    // With no input derivations, the unmasked modulo hash is just the hash of the text.
    expect(a.hashModulo).toBe(sha256Hex(A_TEXT));
    const masked = hashDerivationModulo(parsedA, () => '', true);
    expect(masked).not.toBe(a.hashModulo);
    const b = makeInputAddressedDerivation({
      name: 'b',
      system: 'x86_64-linux',
      builder: '/bin/sh',
      args: [`${A_OUT}/x`],
      env: {},
      inputSrcs: [],
      inputDrvs: { [A_DRV]: { outputs: ['out'], hashModulo: masked } },
      outputs: ['out', 'dev'],
    });
    expect(b.outputs.out).not.toBe('/nix/store/szzbl2w2pphvrbfczsw24ld7vcs2nlmh-b');
    expect(b.drvPath).not.toBe(B_DRV); // the text holds the output paths
  });

  it('sorts env keys by UTF-8 bytes, not UTF-16 units', () => {
    // k.nix: derivation { name = "k"; system = "x86_64-linux"; builder = "/bin/sh"; "～" = "fullwidth"; "😀" = "emoji"; "é" = "e"; }
    const k = makeInputAddressedDerivation({
      name: 'k',
      system: 'x86_64-linux',
      builder: '/bin/sh',
      args: [],
      env: { '😀': 'emoji', '～': 'fullwidth', é: 'e' },
      inputSrcs: [],
      inputDrvs: {},
    });
    expect(k.text).toBe(
      'Derive([("out","/nix/store/2s1fsdz6n1wir7ph1f8qhg2rrdy01pfi-k","","")],[],[],"x86_64-linux","/bin/sh",[],' +
        '[("builder","/bin/sh"),("name","k"),("out","/nix/store/2s1fsdz6n1wir7ph1f8qhg2rrdy01pfi-k"),("system","x86_64-linux"),("é","e"),("～","fullwidth"),("😀","emoji")])',
    );
    expect(k.drvPath).toBe('/nix/store/ahd10irzvzw104sdz3zj79pv0jf7hxrv-k.drv');
  });

  it('refuses what it cannot make the way Nix would', () => {
    const base = { name: 'x', system: 's', builder: '/b', args: [], env: {}, inputSrcs: [], inputDrvs: {} };
    expect(() => makeInputAddressedDerivation({ ...base, env: { out: 'x' } })).toThrow(/may not set 'out'/);
    expect(() => makeInputAddressedDerivation({ ...base, env: { outputHash: 'x' } })).toThrow(/outputHash/);
    expect(() => makeInputAddressedDerivation({ ...base, name: 'x.drv' })).toThrow(/invalid derivation name/);
    expect(() => makeInputAddressedDerivation({ ...base, name: 'a b' })).toThrow(/invalid derivation name/);
    expect(() => makeInputAddressedDerivation({ ...base, outputs: ['out', 'out'] })).toThrow(/duplicate/);
    expect(() => makeInputAddressedDerivation({ ...base, inputSrcs: ['/tmp/x'] })).toThrow(/not a store path/);
    expect(() => makeInputAddressedDerivation({ ...base, inputDrvs: { [A_DRV]: { outputs: ['out'], hashModulo: 'x' } } })).toThrow(/hashModulo/);
  });
});

describe('unparseDerivation and parseDerivation', () => {
  const drv: Derivation = {
    outputs: { out: { path: '/nix/store/szzbl2w2pphvrbfczsw24ld7vcs2nlmh-b', hashAlgo: '', hash: '' } },
    inputDrvs: { '/nix/store/zg3b7k9gf15vx00vnzn3fk8q16m91alv-a.drv': ['out', 'dev', 'out'], '/nix/store/0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-c.drv': ['lib'] },
    inputSrcs: ['/nix/store/xfp2hphvk98rkk9ywlqpp587rjdcgnc2-hello.txt', '/nix/store/91l7a3bnsq25d5ab0mmy9a4v4v6ijqhy-src.c'],
    system: 'x86_64-linux',
    builder: 'C:\\sh "x"',
    args: ['q"uote', 'back\\slash', 'new\nline', 'tab\t', 'cr\r', 'ü €', '$x {y}'],
    env: { out: '/nix/store/szzbl2w2pphvrbfczsw24ld7vcs2nlmh-b', 'k"\\': 'v\n', B: '2', a: '1' },
  };

  it('escapes " \\ newline CR tab in builder, args and env, and nothing else', () => {
    const text = unparseDerivation(drv);
    expect(text).toContain('"C:\\\\sh \\"x\\""');
    expect(text).toContain('["q\\"uote","back\\\\slash","new\\nline","tab\\t","cr\\r","ü €","$x {y}"]');
    expect(text).toContain('("k\\"\\\\","v\\n")');
  });

  it('sorts outputs, inputDrvs, their output names (deduplicated), inputSrcs and env; keeps args in order', () => {
    const text = unparseDerivation(drv);
    expect(text).toContain(
      '[("/nix/store/0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-c.drv",["lib"]),("/nix/store/zg3b7k9gf15vx00vnzn3fk8q16m91alv-a.drv",["dev","out"])]',
    );
    expect(text).toContain('["/nix/store/91l7a3bnsq25d5ab0mmy9a4v4v6ijqhy-src.c","/nix/store/xfp2hphvk98rkk9ywlqpp587rjdcgnc2-hello.txt"]');
    expect(text).toMatch(/\[\("B","2"\),\("a","1"\),\("k\\"\\\\","v\\n"\),\("out",/);
  });

  it('masks output paths and the env values named after outputs', () => {
    const text = unparseDerivation(drv, { maskOutputs: true });
    expect(text.startsWith('Derive([("out","","","")]')).toBe(true);
    expect(text).toContain('("out","")');
    expect(text).not.toContain('szzbl2w2');
  });

  it('round-trips: parse ∘ unparse is the identity on Nix\'s texts, and unparse ∘ parse on a sorted derivation', () => {
    for (const t of [A_TEXT, B_TEXT]) expect(unparseDerivation(parseDerivation(t))).toBe(t);
    const t = unparseDerivation(drv);
    const parsed = parseDerivation(t);
    expect(unparseDerivation(parsed)).toBe(t);
    expect(parsed.args).toEqual(drv.args);
    expect(parsed.builder).toBe(drv.builder);
    expect(parsed.env).toEqual(drv.env);
  });

  it('parses fixed-output outputs and rejects malformed text', () => {
    const fixed = 'Derive([("out","/nix/store/4c6wsvi6cnq8h7ibg70pv68bi43y92xs-f","sha256","2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")],[],[],"x","x",[],[])';
    const parsed = parseDerivation(fixed);
    expect(parsed.outputs.out).toEqual({
      path: '/nix/store/4c6wsvi6cnq8h7ibg70pv68bi43y92xs-f',
      hashAlgo: 'sha256',
      hash: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    });
    expect(unparseDerivation(parsed)).toBe(fixed);
    expect(() => hashDerivationModulo(parsed, () => '', true)).toThrow(/fixed-output/);
    expect(() => parseDerivation('Derive([(')).toThrow(/malformed derivation/);
    expect(() => parseDerivation(`${fixed} `)).toThrow(/end of the text/);
    expect(() => parseDerivation(fixed.replace('[],[],"x"', '[],["relative"],"x"'))).toThrow(/store path/);
  });

  it('compareUtf8 orders as UTF-8 bytes do', () => {
    const xs = ['😀', '～', 'é', 'z', 'Z', 'a', ''];
    const byBytes = [...xs].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...xs].sort(compareUtf8)).toEqual(byBytes);
  });

  it('sortedSet drops duplicates and orders as UTF-8 bytes do, with or without chars that UTF-16 orders otherwise', () => {
    const ascii = ['/nix/store/b-x', '/nix/store/a-y', '/nix/store/b-x', '/nix/store/B-z'];
    expect(sortedSet(ascii)).toEqual(['/nix/store/B-z', '/nix/store/a-y', '/nix/store/b-x']);
    expect(ascii).toEqual(['/nix/store/b-x', '/nix/store/a-y', '/nix/store/b-x', '/nix/store/B-z']);
    const mixed = ['😀', '～', '😀', 'a'];
    expect(sortedSet(mixed)).toEqual(['a', '～', '😀']);
  });
});
