/**
 * binaryCache: the files of a Nix binary cache, as data (Nix 2.8's
 * binary-cache-store.cc, nar-info.cc, crypto.cc): `nix-cache-info`, one
 * `<hash>.narinfo` per store path and the NAR it names, and the ed25519
 * signature of a path's fingerprint
 * (`1;<path>;sha256:<nixbase32 NAR hash>;<NAR size>;<references, comma-separated>`)
 * with a secret key in the format `nix-store --generate-binary-cache-key`
 * writes (`name:base64(64 bytes: seed, then public key)`).
 *
 * NARs are stored uncompressed (`Compression: none`, so the file hash is
 * the NAR hash). Pure apart from the signing key's parsing; it writes no
 * file and reads no store path.
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { toNixBase32 } from './nixbase32.js';
import type { PathInfo } from './NixStore.js';

/** What a binary cache must say of a path so that a store can substitute it: what the store knows of it. */
export type CachePathInfo = PathInfo;

export interface SigningKey {
  readonly name: string;
  readonly key: KeyObject;
  /** `name:base64(public key)`, as trusted-public-keys takes it. */
  readonly publicKey: string;
}

/** A key file Nix would not take, said with what is wrong. */
export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/** The ASN.1 head of a PKCS#8 ed25519 private key, before its 32-byte seed. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Parses a secret key file's text (`name:base64`, 64 bytes as libsodium keeps them). */
export function parseSecretKey(text: string, file: string): SigningKey {
  const t = text.trim();
  const colon = t.indexOf(':');
  if (colon <= 0) throw new SigningKeyError(`${file} is not a Nix signing key (expected NAME:BASE64, as nix-store --generate-binary-cache-key writes)`);
  const name = t.slice(0, colon);
  const bytes = Buffer.from(t.slice(colon + 1), 'base64');
  if (bytes.length !== 64) {
    throw new SigningKeyError(
      bytes.length === 32
        ? `${file} holds a public key; push needs the secret key (the first file nix-store --generate-binary-cache-key wrote)`
        : `${file} is not a Nix secret key: its key is ${bytes.length} bytes, not 64`,
    );
  }
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, bytes.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
  if (!pub.equals(bytes.subarray(32))) throw new SigningKeyError(`${file} is not a Nix secret key: its public half does not match its seed`);
  return { name, key, publicKey: `${name}:${pub.toString('base64')}` };
}

function base32Hash(hex: string): string {
  return `sha256:${toNixBase32(Buffer.from(hex, 'hex'))}`;
}

/** What a signature signs (ValidPathInfo::fingerprint). */
export function fingerprint(info: CachePathInfo): string {
  return `1;${info.path};${base32Hash(info.narHashHex)};${info.narSize};${[...info.references].sort().join(',')}`;
}

/** `name:base64(signature)` of the path's fingerprint. */
export function signPath(info: CachePathInfo, key: SigningKey): string {
  return `${key.name}:${sign(null, Buffer.from(fingerprint(info), 'utf8'), key.key).toString('base64')}`;
}

/** The hash part of a store path: the name of its `.narinfo`. */
export function hashPart(storePath: string): string {
  return storePath.slice(storePath.lastIndexOf('/') + 1, storePath.lastIndexOf('/') + 33);
}

/** Where an uncompressed NAR lives in the cache, relative to its root. */
export function narUrl(info: CachePathInfo): string {
  return `nar/${toNixBase32(Buffer.from(info.narHashHex, 'hex'))}.nar`;
}

export function narInfoText(info: CachePathInfo, sig: string | undefined): string {
  const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  const lines = [
    `StorePath: ${info.path}`,
    `URL: ${narUrl(info)}`,
    'Compression: none',
    `FileHash: ${base32Hash(info.narHashHex)}`,
    `FileSize: ${info.narSize}`,
    `NarHash: ${base32Hash(info.narHashHex)}`,
    `NarSize: ${info.narSize}`,
    `References: ${[...info.references].map(base).sort().join(' ')}`,
  ];
  if (info.deriver) lines.push(`Deriver: ${base(info.deriver)}`);
  if (sig !== undefined) lines.push(`Sig: ${sig}`);
  if (info.ca) lines.push(`CA: ${info.ca}`);
  return `${lines.join('\n')}\n`;
}

export function cacheInfoText(storeDir: string): string {
  return `StoreDir: ${storeDir}\nWantMassQuery: 1\nPriority: 40\n`;
}
