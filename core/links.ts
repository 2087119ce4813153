/**
 * links: reading a symlink without throwing, and replacing one atomically
 * (a new link renamed over the old, so a crash leaves the old link or the
 * new one). Used for result links, GC roots and the toolchain's roots. It
 * does not check what was there before (ProjectFiles refuses to replace a
 * user's file) and does not register anything with Nix.
 */
import fs from 'node:fs';
import { errnoFault } from './EnvironmentError.js';

/** The target of the symlink `p`, or undefined when `p` is not one. */
export function readLink(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

/** Points the symlink `link` at `target`, atomically; a failure is an EnvironmentError naming `link`. */
export function replaceSymlink(target: string, link: string): void {
  const tmp = `${link}.tmp-${process.pid}`;
  try {
    fs.rmSync(tmp, { force: true });
    fs.symlinkSync(target, tmp);
    fs.renameSync(tmp, link);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw errnoFault(err, link) ?? err;
  }
}
