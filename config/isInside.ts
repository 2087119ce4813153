import path from 'node:path';

/** Whether the absolute path `p` is `dir` or below it, lexically (resolve symlinks first where they matter). */
export function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return !(rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel));
}
