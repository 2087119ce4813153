/**
 * openMemo: opens the project's memo, and when the file cannot be used —
 * corrupt, not a database at all, a table missing, another schema version —
 * moves it aside (memo.sqlite.corrupt-<time>, with its -wal and -shm) and
 * starts a fresh one. The memo is a cache: losing it costs time, never
 * correctness. A memo this user cannot write, or that another program holds,
 * is not set aside: that is an EnvironmentError for the user to fix.
 */
import fs from 'node:fs';
import type { Diagnostic } from '../core/Diagnostic.js';
import { MemoUnusableError, SqliteMemo } from './Memo.js';

/** Moves `file` and its WAL files aside; answers where it went. */
export function setAsideMemo(file: string): string {
  const aside = `${file}.corrupt-${Date.now()}`;
  fs.renameSync(file, aside);
  for (const ext of ['-wal', '-shm']) {
    try {
      fs.renameSync(file + ext, aside + ext);
    } catch {
      // none
    }
  }
  return aside;
}

export function openMemo(file: string, warn: (d: Diagnostic) => void, options: { timeoutMs?: number } = {}): SqliteMemo {
  try {
    return new SqliteMemo(file, options);
  } catch (err) {
    if (!(err instanceof MemoUnusableError)) throw err;
    const aside = setAsideMemo(file);
    warn({
      severity: 'warning',
      message: `memo database is corrupt or from another nixmake (${err.reason}); moved it to ${aside} and starting a fresh one`,
      location: { file: '.nixmake/memo.sqlite' },
    });
    return new SqliteMemo(file, options);
  }
}
