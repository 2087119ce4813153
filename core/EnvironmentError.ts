/**
 * EnvironmentError: a fault of the machine around the project rather than of
 * nixmake or of the project's code — a file nixmake may not read, a folder it
 * may not write, a full disk, a memo another program holds, something in the
 * way of a file nixmake owns. It names the path and what to do; the engine
 * reports it as an error diagnostic and exits 1, without a stack.
 *
 * `environmentFault` turns the errors Node (errno) and SQLite throw into one,
 * so that a fault met in a layer that does not know about it still reaches
 * the user as a sentence. It does not decide what to do about the fault.
 */
import fs from 'node:fs';
import os from 'node:os';

export class EnvironmentError extends Error {
  constructor(
    /** The file or folder at fault (absolute). */
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

/** The user interrupted (Ctrl-C) while nixmake waited; exit 130. */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}

export function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** Whether the file system holding `p` (or its nearest existing parent) has (almost) no room left. */
export function diskFull(p: string): boolean {
  for (let dir = p; ; ) {
    try {
      const s = fs.statfsSync(dir);
      return s.bavail * s.bsize < 64 * 1024 || s.ffree === 0;
    } catch {
      const parent = dir.replace(/\/[^/]*$/, '') || '/';
      if (parent === dir) return false;
      dir = parent;
    }
  }
}

const READ_CALLS = new Set(['read', 'scandir', 'opendir', 'stat', 'lstat', 'readlink', 'realpath', 'access']);

/** The errno error `err` (with its path) as an EnvironmentError, or undefined when it is not one. */
export function errnoFault(err: unknown, fallbackPath?: string): EnvironmentError | undefined {
  if (err instanceof EnvironmentError) return err;
  if (!(err instanceof Error)) return undefined;
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code !== 'string' || !/^E[A-Z]+$/.test(e.code)) return undefined;
  const p = e.path ?? fallbackPath;
  if (p === undefined) return undefined;
  const call = e.syscall ?? 'access';
  const doing = call === 'open' ? 'open' : READ_CALLS.has(call) ? 'read' : 'write';
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return new EnvironmentError(
        p,
        `permission denied: nixmake (as user ${userName()}) cannot ${doing} ${p} (${e.code}, ${call}); ` +
          `give that user access to it and its folders (chmod, chown), or run nixmake as the project's owner`,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new EnvironmentError(p, `no space left on the device holding ${p} (${e.code}, ${call}); free some space and run the build again`);
    case 'EROFS':
      return new EnvironmentError(p, `${p} is on a read-only file system (EROFS, ${call}); nixmake writes .nixmake/ and result-* links in the project: build a writable copy`);
    case 'ENOTDIR':
    case 'EEXIST':
    case 'EISDIR':
      return new EnvironmentError(p, `${p} is in the way (${e.code}, ${call}): nixmake expected ${e.code === 'EISDIR' ? 'a file' : 'a folder or nothing'} there; move or delete it`);
    case 'EMFILE':
    case 'ENFILE':
      return new EnvironmentError(p, `too many open files while opening ${p} (${e.code}); raise the limit (ulimit -n) or use fewer jobs (-j)`);
    case 'EIO':
      return new EnvironmentError(p, `input/output error on ${p} (EIO, ${call}); check the disk`);
    case 'ELOOP':
      return new EnvironmentError(p, `too many levels of symbolic links at ${p} (ELOOP); fix the link`);
    default:
      return new EnvironmentError(p, `cannot ${doing} ${p}: ${e.message}`);
  }
}

/**
 * An error better-sqlite3 threw on the memo `file` as an EnvironmentError,
 * `'unusable'` when the file is not a memo this nixmake can use (corrupt, not
 * a database, another schema: set it aside and start afresh), or undefined.
 */
export function sqliteFault(err: unknown, file: string): EnvironmentError | 'unusable' | undefined {
  if (err instanceof EnvironmentError) return err;
  if (!(err instanceof Error) || err.name !== 'SqliteError') return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const fix = `fix its permissions, or delete ${file} (it is a cache; nixmake clean does it)`;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'unusable';
  if (code === 'SQLITE_ERROR' && /no such (table|column)|has no column/.test(err.message)) return 'unusable';
  if (code.startsWith('SQLITE_READONLY')) {
    return new EnvironmentError(file, `the memo ${file} is read-only for user ${userName()} (${code}); nixmake must write it and its folder: ${fix}`);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new EnvironmentError(
      file,
      `the memo ${file} is locked by another program (${code}; waited 5 s); close whatever holds it open (a sqlite3 shell, a backup) and run the build again`,
    );
  }
  if (code === 'SQLITE_FULL' || ((code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') && diskFull(file))) {
    return new EnvironmentError(file, `no space left on the device holding ${file} (${code}); free some space and run the build again (the memo is intact: nothing half-written is kept)`);
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new EnvironmentError(file, `cannot open the memo ${file} (${code}) as user ${userName()}; ${fix}`);
  }
  if (code.startsWith('SQLITE_IOERR')) return new EnvironmentError(file, `input/output error on the memo ${file} (${code}); check the disk, or delete the file (it is a cache)`);
  return undefined;
}
