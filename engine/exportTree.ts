/**
 * exportTree: the files an export folder holds — default.nix, the lock, the
 * builder helper's source and the copies — as data, and how a folder on
 * disk differs from them (`nixmake export --check`).
 *
 * Pure: the caller reads the copied files and the folder, and writes.
 */
import type { ExportLock } from './exportLock.js';
import { BUILDER_SOURCE, COPIED_DIR, LOCK_FILE, lockText } from './exportLock.js';
import { defaultNix } from './nixExpression.js';

export interface ExportFile {
  readonly bytes: Buffer;
  readonly executable: boolean;
}

/** Export-relative path → contents. */
export type ExportTree = ReadonlyMap<string, ExportFile>;

export const DEFAULT_NIX = 'default.nix';

export function exportTree(lock: ExportLock, builderSource: Buffer, copies: ReadonlyMap<string, ExportFile>): ExportTree {
  const tree = new Map<string, ExportFile>([
    [DEFAULT_NIX, { bytes: Buffer.from(defaultNix()), executable: false }],
    [LOCK_FILE, { bytes: Buffer.from(lockText(lock)), executable: false }],
    // Added to the store as nixmake adds it: a plain file (a NAR records the executable bit).
    [BUILDER_SOURCE, { bytes: builderSource, executable: false }],
  ]);
  for (const [rel, f] of [...copies].sort((a, b) => (a[0] < b[0] ? -1 : 1))) tree.set(`${COPIED_DIR}/${rel}`, f);
  return tree;
}

/**
 * What is out of date in a folder: files missing or different, and files in
 * the copies' folder the export would not write. `actual` reads one
 * export-relative file (undefined: absent); `copiedOnDisk` lists the files
 * under the copies' folder.
 */
export function treeDiff(expected: ExportTree, actual: (rel: string) => ExportFile | undefined, copiedOnDisk: readonly string[]): string[] {
  const stale: string[] = [];
  for (const [rel, want] of expected) {
    const have = actual(rel);
    if (!have) stale.push(`${rel} is missing`);
    else if (!have.bytes.equals(want.bytes)) stale.push(`${rel} differs`);
    else if (have.executable !== want.executable) stale.push(`${rel} has another executable bit`);
  }
  for (const rel of copiedOnDisk) if (!expected.has(rel)) stale.push(`${rel} is no longer an input`);
  return stale;
}
