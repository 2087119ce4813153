/**
 * binaryCache: the .narinfo text, the fingerprint a signature signs, and
 * secret keys in the format nix-store --generate-binary-cache-key writes
 * (the integration test checks that Nix substitutes what push writes).
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint, hashPart, narInfoText, narUrl, parseSecretKey, signPath, SigningKeyError } from '../../store/binaryCache.js';

const SEED = Buffer.alloc(32, 7);

function secretKeyText(name: string): string {
  const priv = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SEED]), format: 'der', type: 'pkcs8' });
  const pub = crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(-32);
  return `${name}:${Buffer.concat([SEED, pub]).toString('base64')}\n`;
}

const info = {
  path: '/nix/store/fyfq9fyffyfnf61v40sv162yk17q8il9-app',
  narHashHex: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', // nix-hash --to-base32: 0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73
  narSize: 16488,
  references: ['/nix/store/lram4xsrw3hrb0pjlk8gmbdv7i107x9k-nixmake-host-glibc-2.36', '/nix/store/00000000000000000000000000000000-a'],
  deriver: '/nix/store/gnr3m33vgjqkx16czk86sz4chyys7j9y-app.drv',
};

describe('binaryCache', () => {
  it("writes Nix's fingerprint and an uncompressed .narinfo", () => {
    expect(fingerprint(info)).toBe(
      '1;/nix/store/fyfq9fyffyfnf61v40sv162yk17q8il9-app;sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73;16488;' +
        '/nix/store/00000000000000000000000000000000-a,/nix/store/lram4xsrw3hrb0pjlk8gmbdv7i107x9k-nixmake-host-glibc-2.36',
    );
    expect(hashPart(info.path)).toBe('fyfq9fyffyfnf61v40sv162yk17q8il9');
    expect(narUrl(info)).toBe('nar/0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73.nar');
    expect(narInfoText(info, 'k:c2ln')).toBe(
      [
        'StorePath: /nix/store/fyfq9fyffyfnf61v40sv162yk17q8il9-app',
        'URL: nar/0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73.nar',
        'Compression: none',
        'FileHash: sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73',
        'FileSize: 16488',
        'NarHash: sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73',
        'NarSize: 16488',
        'References: 00000000000000000000000000000000-a lram4xsrw3hrb0pjlk8gmbdv7i107x9k-nixmake-host-glibc-2.36',
        'Deriver: gnr3m33vgjqkx16czk86sz4chyys7j9y-app.drv',
        'Sig: k:c2ln',
        '',
      ].join('\n'),
    );
  });

  it('signs the fingerprint with a secret key file, verifiable with its public key', () => {
    const key = parseSecretKey(secretKeyText('cache-1'), 'k.sec');
    expect(key.name).toBe('cache-1');
    const sig = signPath(info, key);
    expect(sig.startsWith('cache-1:')).toBe(true);
    const pub = Buffer.from(key.publicKey.slice('cache-1:'.length), 'base64');
    const pubKey = crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]), format: 'der', type: 'spki' });
    expect(crypto.verify(null, Buffer.from(fingerprint(info)), pubKey, Buffer.from(sig.slice('cache-1:'.length), 'base64'))).toBe(true);
  });

  it('refuses a public key, a key of the wrong size and text that is no key, saying which', () => {
    const pub = parseSecretKey(secretKeyText('c'), 'k.sec').publicKey;
    expect(() => parseSecretKey(pub, 'k.pub')).toThrow(new SigningKeyError('k.pub holds a public key; push needs the secret key (the first file nix-store --generate-binary-cache-key wrote)'));
    expect(() => parseSecretKey('c:AAAA', 'x')).toThrow('x is not a Nix secret key: its key is 3 bytes, not 64');
    expect(() => parseSecretKey('nonsense', 'x')).toThrow('x is not a Nix signing key');
  });
});
