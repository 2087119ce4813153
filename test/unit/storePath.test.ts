/**
 * Store path computations against paths Nix 2.8 printed (commands beside each vector).
 * hello.txt holds "hello" (no newline); exe.sh is "#!/bin/sh\necho hi\n", mode 755.
 */
import { describe, expect, it } from 'vitest';
import {
  STORE_DIR,
  compressHash,
  hashPlaceholder,
  isStorePath,
  isValidStoreName,
  makeFixedOutputPath,
  makeOutputPath,
  makeSourcePath,
  makeStorePath,
  makeTextPath,
  sha256Hex,
  storePathHashPart,
  storePathName,
} from '../../store/storePath.js';

const HELLO_SHA256 = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'; // sha256sum hello.txt
const HELLO_NAR_SHA256 = '0a430879c266f8b57f4092a0f935cf3facd48bbccde5760d4748ca405171e969'; // nix-store --dump hello.txt | sha256sum
const EXE_NAR_SHA256 = '5e0accf02cedede5e4119ffa15e79e79a5fb1fb9bc43c3d434f33227a14477a0'; // nix-store --dump exe.sh | sha256sum

describe('store paths', () => {
  it('source paths equal `nix-store --add`', () => {
    // nix-store --add hello.txt
    expect(makeSourcePath('hello.txt', HELLO_NAR_SHA256)).toBe('/nix/store/xfp2hphvk98rkk9ywlqpp587rjdcgnc2-hello.txt');
    // nix-store --add exe.sh
    expect(makeSourcePath('exe.sh', EXE_NAR_SHA256)).toBe('/nix/store/660asl9qyi0wr23bizbcp6al9cgw8j5c-exe.sh');
  });

  it('text paths equal `builtins.toFile`, with and without references', () => {
    // nix-instantiate --eval -E 'builtins.toFile "x" "hello"'
    const x = makeTextPath('x', sha256Hex('hello'), []);
    expect(x).toBe('/nix/store/4g4g9i669dl63abpww0djbl2jxl6bwiz-x');
    // nix-instantiate --eval -E 'builtins.toFile "y" "${builtins.toFile "x" "hello"} and ${./hello.txt}"'
    const src = '/nix/store/xfp2hphvk98rkk9ywlqpp587rjdcgnc2-hello.txt';
    const text = `${x} and ${src}`;
    expect(makeTextPath('y', sha256Hex(text), [x, src])).toBe('/nix/store/p6kjap5bwwr9di0ycj8578qn9kd1gfqw-y');
    // References are a set: order and duplicates do not matter.
    expect(makeTextPath('y', sha256Hex(text), [src, x, src])).toBe('/nix/store/p6kjap5bwwr9di0ycj8578qn9kd1gfqw-y');
    // builtins.toFile "src.c" "int main(void) { return 0; }\n"
    expect(makeTextPath('src.c', sha256Hex('int main(void) { return 0; }\n'), [])).toBe(
      '/nix/store/91l7a3bnsq25d5ab0mmy9a4v4v6ijqhy-src.c',
    );
  });

  it('fixed-output paths equal `nix-store --add-fixed` and outputHash derivations', () => {
    // nix-store --add-fixed sha256 hello.txt
    expect(makeFixedOutputPath('flat', 'sha256', HELLO_SHA256, 'hello.txt')).toBe('/nix/store/iixxin28s82lrxs8v4lcf7nha2dkwprm-hello.txt');
    // nix-store --add-fixed --recursive sha256 hello.txt (the same as nix-store --add)
    expect(makeFixedOutputPath('recursive', 'sha256', HELLO_NAR_SHA256, 'hello.txt')).toBe(
      '/nix/store/xfp2hphvk98rkk9ywlqpp587rjdcgnc2-hello.txt',
    );
    // nix-store --add-fixed sha1 hello.txt
    expect(makeFixedOutputPath('flat', 'sha1', 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d', 'hello.txt')).toBe(
      '/nix/store/bl4cpnz7cwz57jcydmc1ylp7y584axbs-hello.txt',
    );
    // nix-store --add-fixed --recursive sha1 hello.txt (NAR sha1: nix-store --dump hello.txt | sha1sum)
    expect(makeFixedOutputPath('recursive', 'sha1', '5144612b23081da49ab008bd0b73960b6a2b7fe9', 'hello.txt')).toBe(
      '/nix/store/a4m0z74z4awk987yxfpz3q1vb34901vn-hello.txt',
    );
    // (derivation { name = "f"; system = "x"; builder = "x"; outputHash = "2cf2…"; outputHashAlgo = "sha256"; }).outPath
    expect(makeFixedOutputPath('flat', 'sha256', HELLO_SHA256, 'f')).toBe('/nix/store/4c6wsvi6cnq8h7ibg70pv68bi43y92xs-f');
    // … with outputHashMode = "recursive"
    expect(makeFixedOutputPath('recursive', 'sha256', HELLO_SHA256, 'f')).toBe('/nix/store/aj9d7nkaqrf7k6smhizv83fcgb1apm8n-f');
    expect(() => makeFixedOutputPath('flat', 'sha256', HELLO_SHA256, 'f', ['/nix/store/xfp2hphvk98rkk9ywlqpp587rjdcgnc2-hello.txt'])).toThrow(
      /references/,
    );
  });

  it('output paths append -<output> to the name except for out', () => {
    const h = sha256Hex('any');
    expect(makeOutputPath('out', h, 'b')).toMatch(/^\/nix\/store\/[0-9a-z]{32}-b$/);
    expect(makeOutputPath('dev', h, 'b')).toMatch(/^\/nix\/store\/[0-9a-z]{32}-b-dev$/);
    expect(makeOutputPath('out', h, 'b')).toBe(makeStorePath('output:out', h, 'b'));
    expect(makeOutputPath('dev', h, 'b')).toBe(makeStorePath('output:dev', h, 'b-dev'));
  });

  it('placeholders equal `builtins.placeholder`', () => {
    // nix-instantiate --eval -E 'builtins.placeholder "out"'
    expect(hashPlaceholder('out')).toBe('/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9');
    // nix-instantiate --eval -E 'builtins.placeholder "dev"'
    expect(hashPlaceholder('dev')).toBe('/02qcpld1y6xhs5gz9bchpxaw0xdhmsp5dv88lh25r2ss44kh8dxz');
  });

  it('compressHash XOR-folds', () => {
    expect([...compressHash(Uint8Array.from([1, 2, 3, 4, 5]), 2)]).toEqual([1 ^ 3 ^ 5, 2 ^ 4]);
  });

  it('checks names by the 2.8 rules (plus no leading dot)', () => {
    expect(isValidStoreName('a'.repeat(211))).toBe(true); // builtins.toFile with a 211-char name works
    expect(isValidStoreName('a'.repeat(212))).toBe(false); // … 212 is "longer than 211 characters"
    expect(isValidStoreName('')).toBe(false);
    expect(isValidStoreName('a b')).toBe(false); // "contains illegal character ' '"
    expect(isValidStoreName('ü')).toBe(false);
    expect(isValidStoreName('x+y-z.c_?=A9')).toBe(true);
    expect(isValidStoreName('.x')).toBe(false); // refused by choice; Nix 2.8 accepts it
    expect(() => makeSourcePath('a b', HELLO_NAR_SHA256)).toThrow(/invalid store path name/);
    // The store-side computation still accepts what Nix 2.8 accepts:
    // nix-instantiate --eval -E 'builtins.toFile ".x" "hello"'
    expect(makeTextPath('.x', sha256Hex('hello'), [])).toBe('/nix/store/3zyb9kbi7jiqb19sx9ksk4bgkk77fy9f-.x');
  });

  it('splits and recognises store paths', () => {
    const p = '/nix/store/xfp2hphvk98rkk9ywlqpp587rjdcgnc2-hello.txt';
    expect(STORE_DIR).toBe('/nix/store');
    expect(isStorePath(p)).toBe(true);
    expect(storePathHashPart(p)).toBe('xfp2hphvk98rkk9ywlqpp587rjdcgnc2');
    expect(storePathName(p)).toBe('hello.txt');
    for (const bad of [`${p}/sub`, '/nix/store/xfp2hphvk98rkk9ywlqpp587rjdcgnc2', '/nix/store/efp2hphvk98rkk9ywlqpp587rjdcgnc2-x', '/tmp/xfp2hphvk98rkk9ywlqpp587rjdcgnc2-x', 'relative']) {
      expect(isStorePath(bad)).toBe(false);
    }
    expect(() => storePathName('/tmp/x')).toThrow(/not a store path/);
  });
});
