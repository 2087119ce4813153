/**
 * openMemo: opens the project's memo, and when the file is corrupt or not a
 * database at all, moves it aside (memo.sqlite.corrupt-<time>) and starts a
 * fresh one. The memo is a cache: losing it costs time, never correctness.
 */
import fs from 'node:fs';
import type { Diagnostic } from '../engine/Diagnostic.js';
import { SqliteMemo } from './Memo.js';

const CORRUPT = /SQLITE_CORRUPT|SQLITE_NOTADB|file is not a database|malformed/i;

export function openMemo(file: string, warn: (d: Diagnostic) => void): SqliteMemo {
  try {
    const memo = new SqliteMemo(file);
    memo.getMeta('probe');
    return memo;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (!CORRUPT.test(`${e.code ?? ''} ${e.message ?? ''}`)) throw err;
    const aside = `${file}.corrupt-${Date.now()}`;
    fs.renameSync(file, aside);
    for (const ext of ['-wal', '-shm']) fs.rmSync(file + ext, { force: true });
    warn({ severity: 'warning', message: `memo database is corrupt (${e.message}); moved it to ${aside} and starting a fresh one`, location: { file: '.nixmake/memo.sqlite' } });
    return new SqliteMemo(file);
  }
}
