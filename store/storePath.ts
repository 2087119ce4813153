/**
 * storePath: how Nix 2.8 names things in the store (libstore/store-api.cc
 * makeStorePath and friends, path.cc name checks), computed without a store.
 *
 * Every path here is `<storeDir>/<32 nixbase32 chars>-<name>`, the 32 chars
 * being sha256(`<type>:sha256:<inner hex>:<storeDir>:<name>`) folded to 20
 * bytes. The functions differ only in `type` and the inner hash. Does not
 * hash files (see nar.ts) or derivations (see derivation.ts), and does not
 * talk to a store: nothing says the path is valid there.
 */
import { createHash } from 'node:crypto';
import { toNixBase32 } from './nixbase32.js';

export const STORE_DIR = '/nix/store';

const HASH_CHARS = 32;
const NAME_CHARS = /^[A-Za-z0-9+\-._?=]+$/;
const BASE32_CHARS = /^[0123456789abcdfghijklmnpqrsvwxyz]{32}$/;

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** XOR-folds `hash` into `size` bytes (libutil compressHash). */
export function compressHash(hash: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < hash.length; i++) out[i % size]! ^= hash[i]!;
  return out;
}

/**
 * Store path names: 1 to 211 characters from [A-Za-z0-9+-._?=]. Names
 * starting with '.' are refused too: Nix 2.8 itself accepts them (e.g.
 * `builtins.toFile ".x" ""`), later Nix versions do not, so nixmake never
 * makes one.
 */
export function isValidStoreName(name: string): boolean {
  return name.length <= 211 && NAME_CHARS.test(name) && !name.startsWith('.');
}

function checkName(name: string): void {
  // The store-side check, without the '.' rule: paths Nix 2.8 makes must still be computable.
  if (name.length === 0 || name.length > 211 || !NAME_CHARS.test(name)) {
    throw new Error(`invalid store path name '${name}' (1–211 characters from A-Z a-z 0-9 + - . _ ? =)`);
  }
}

/** The path of `type`, an inner sha256 (hex) and `name`. Throws on an invalid name. */
export function makeStorePath(type: string, innerSha256Hex: string, name: string, storeDir = STORE_DIR): string {
  checkName(name);
  const digest = createHash('sha256').update(`${type}:sha256:${innerSha256Hex}:${storeDir}:${name}`).digest();
  return `${storeDir}/${toNixBase32(compressHash(digest, 20))}-${name}`;
}

/** `type` followed by `:<path>` for each reference, sorted and without duplicates (makeType). */
function typeWithReferences(type: string, references: readonly string[]): string {
  let t = type;
  for (const r of [...new Set(references)].sort()) t += `:${r}`;
  return t;
}

/** A text file added with references: a .drv file, `builtins.toFile`, addTextToStore. */
export function makeTextPath(name: string, textSha256Hex: string, references: readonly string[]): string {
  return makeStorePath(typeWithReferences('text', references), textSha256Hex, name);
}

/** A path added by NAR sha256 without references: `builtins.path`, `nix-store --add`, `./file` in a string. */
export function makeSourcePath(name: string, narSha256Hex: string): string {
  return makeStorePath('source', narSha256Hex, name);
}

/**
 * A fixed-output path. Recursive sha256 is a "source" path (the only kind
 * that may have references); anything else hashes `fixed:out:` again.
 */
export function makeFixedOutputPath(
  method: 'flat' | 'recursive',
  hashAlgo: string,
  hashHex: string,
  name: string,
  references: readonly string[] = [],
): string {
  if (method === 'recursive' && hashAlgo === 'sha256') {
    return makeStorePath(typeWithReferences('source', references), hashHex, name);
  }
  if (references.length > 0) throw new Error('a fixed-output path other than recursive sha256 cannot have references');
  const prefix = method === 'recursive' ? 'r:' : '';
  return makeStorePath('output:out', sha256Hex(`fixed:out:${prefix}${hashAlgo}:${hashHex}:`), name);
}

/** `drvName`, or `drvName-<output>` for outputs other than `out` (outputPathName). */
export function outputPathName(drvName: string, outputName: string): string {
  return outputName === 'out' ? drvName : `${drvName}-${outputName}`;
}

/** An input-addressed output path; `drvHashHex` is the derivation's masked modulo hash. */
export function makeOutputPath(outputName: string, drvHashHex: string, drvName: string): string {
  return makeStorePath(`output:${outputName}`, drvHashHex, outputPathName(drvName, outputName));
}

/** What `builtins.placeholder outputName` returns: '/' + nixbase32(sha256("nix-output:<name>")). */
export function hashPlaceholder(outputName: string): string {
  return `/${toNixBase32(createHash('sha256').update(`nix-output:${outputName}`).digest())}`;
}

/** True for `/nix/store/<32 base-32 chars>-<valid name>` with nothing after the name. */
export function isStorePath(p: string): boolean {
  const prefix = `${STORE_DIR}/`;
  if (!p.startsWith(prefix)) return false;
  const base = p.slice(prefix.length);
  const name = base.slice(HASH_CHARS + 1);
  return (
    base[HASH_CHARS] === '-' &&
    BASE32_CHARS.test(base.slice(0, HASH_CHARS)) &&
    name.length > 0 &&
    name.length <= 211 &&
    NAME_CHARS.test(name)
  );
}

function checkStorePath(p: string): string {
  if (!isStorePath(p)) throw new Error(`not a store path: '${p}'`);
  return p.slice(STORE_DIR.length + 1);
}

/** The 32 hash characters of a store path. */
export function storePathHashPart(p: string): string {
  return checkStorePath(p).slice(0, HASH_CHARS);
}

/** The name after the hash part and its dash. */
export function storePathName(p: string): string {
  return checkStorePath(p).slice(HASH_CHARS + 1);
}
