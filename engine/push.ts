/**
 * push: the `push` command. Copies the outputs of the project's last build
 * (every object and link its GC roots under `.nixmake/gcroots` name, and
 * the builder helper every derivation runs) and
 * their closures (references, e.g. the toolchain's C library a program's
 * rpath names) to a `file://` binary cache: NARs, uncompressed, serialised
 * from the store and checked against the NAR hash the daemon has, then a
 * signed `.narinfo` each (binaryCache), then `nix-cache-info`.
 *
 * Order of writes: a NAR before its `.narinfo`, each through a temporary
 * name and a rename, so a cache never names a NAR that is not there. A path
 * whose `.narinfo` is already in the cache is not written again.
 *
 * It does not build, and it writes no other URL scheme: a binary cache is
 * static files, so for `s3://` or `https://` a user pushes to a folder and
 * uploads it (or runs Nix's own uploader).
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/Diagnostic.js';
import { readLink } from '../core/links.js';
import { writeAtomically } from '../core/writeAtomically.js';
import type { CachePathInfo, SigningKey } from '../store/binaryCache.js';
import { cacheInfoText, hashPart, narInfoText, narUrl, parseSecretKey, signPath, SigningKeyError } from '../store/binaryCache.js';
import { narOfPath, narSha256Hex } from '../store/nar.js';
import type { NixStore } from '../store/NixStore.js';
import { ProjectFiles } from './ProjectFiles.js';

export interface PushOptions {
  readonly root: string;
  readonly url: string;
  /** A secret key file from `nix-store --generate-binary-cache-key`; undefined: unsigned. */
  readonly signKey: string | undefined;
}

export interface PushResult {
  /** Outputs of the last build (objects and links). */
  readonly outputs: number;
  /** Store paths in their closure, outputs included. */
  readonly paths: number;
  /** Paths written now (the others were in the cache already). */
  readonly written: number;
  readonly bytes: number;
  readonly cacheDir: string;
  /** `name:base64`, for trusted-public-keys; undefined when unsigned. */
  readonly publicKey: string | undefined;
}

/** A node's output root (not its derivation's), and the builder helper's (a fresh store fetches it too). */
const OUTPUT_ROOT = /^((obj|link)-[0-9a-f]{24}|builder)$/;

/** The cache folder a `file://` URL names. */
export function cacheDirOf(url: string): string {
  const m = /^([a-z0-9+.-]+):\/\//i.exec(url);
  if (!m) throw new UserError(`push needs a binary cache URL such as file:///srv/nix-cache (got "${url}")`);
  if (m[1]?.toLowerCase() !== 'file') {
    throw new UserError(
      `nixmake push writes file:// caches only (got ${m[1]}://): a binary cache is static files, so push to file:///some/folder ` +
        `and upload that folder (aws s3 sync, rsync, any static web server for https://), or copy with Nix's own uploader`,
    );
  }
  const dir = decodeURIComponent(url.slice(m[0].length).replace(/\?.*$/, ''));
  if (!path.isAbsolute(dir)) throw new UserError(`push needs an absolute folder after file:// (file:///srv/nix-cache), got "${url}"`);
  return dir;
}

/** The outputs the last build rooted, sorted. */
export function lastBuildOutputs(files: ProjectFiles): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(files.rootsDir);
  } catch {
    names = [];
  }
  const outs = new Set(names.filter((n) => OUTPUT_ROOT.test(n)).flatMap((n) => readLink(path.join(files.rootsDir, n)) ?? []));
  if (!names.some((n) => OUTPUT_ROOT.test(n) && n !== 'builder')) throw new UserError(`nothing to push: ${files.root} has no build yet (run nixmake build first)`);
  return [...outs].sort();
}

export async function push(opts: PushOptions, store: NixStore): Promise<PushResult> {
  const cacheDir = cacheDirOf(opts.url);
  let key: SigningKey | undefined;
  if (opts.signKey !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(opts.signKey, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read the signing key ${opts.signKey}: ${(err as Error).message}`);
    }
    try {
      key = parseSecretKey(text, opts.signKey);
    } catch (err) {
      if (err instanceof SigningKeyError) throw new UserError(err.message);
      throw err;
    }
  }
  const outputs = lastBuildOutputs(new ProjectFiles(opts.root));

  // The closure, breadth first: what a store needs to substitute the outputs.
  const infos = new Map<string, CachePathInfo>();
  const todo = [...outputs];
  while (todo.length > 0) {
    const p = todo.pop() as string;
    if (infos.has(p)) continue;
    const info = await store.pathInfo(p);
    if (!info) throw new UserError(`${p} of the last build is no longer in the Nix store; run nixmake build again, then push`);
    infos.set(p, info);
    for (const r of info.references) if (!infos.has(r)) todo.push(r);
  }

  fs.mkdirSync(path.join(cacheDir, 'nar'), { recursive: true });
  let written = 0;
  let bytes = 0;
  for (const info of [...infos.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const narInfoFile = path.join(cacheDir, `${hashPart(info.path)}.narinfo`);
    if (fs.existsSync(narInfoFile)) continue;
    const nar = narOfPath(info.path);
    if (narSha256Hex(nar) !== info.narHashHex || nar.length !== info.narSize) {
      throw new UserError(`${info.path} on disk does not match the NAR hash the Nix daemon recorded (run nix-store --verify --check-contents)`);
    }
    const narFile = path.join(cacheDir, narUrl(info));
    if (!fs.existsSync(narFile)) writeAtomically(narFile, nar);
    writeAtomically(narInfoFile, narInfoText(info, key === undefined ? undefined : signPath(info, key)));
    written++;
    bytes += nar.length;
  }
  const cacheInfo = path.join(cacheDir, 'nix-cache-info');
  if (!fs.existsSync(cacheInfo)) writeAtomically(cacheInfo, cacheInfoText(path.dirname(outputs[0] as string)));
  return { outputs: outputs.length, paths: infos.size, written, bytes, cacheDir, publicKey: key?.publicKey };
}
