/**
 * realPath: a path's real path (symlinks resolved, as the kernel does),
 * or a fallback when it has none (missing, a broken or looping link).
 * Does not decide what a missing path means: its callers do.
 */
import fs from 'node:fs';
import path from 'node:path';

export function realpathOrUndefined(p: string): string | undefined {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return undefined;
  }
}

/** The real path, or the path made absolute when it has none. */
export function realpathOrSelf(p: string): string {
  return realpathOrUndefined(p) ?? path.resolve(p);
}
