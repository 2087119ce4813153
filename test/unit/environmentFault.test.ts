/**
 * How faults met in the lower layers become sentences: errno and SQLite
 * errors (faked: the shapes better-sqlite3 and Node throw), a memo that
 * turns out corrupt mid-run, and the daemon's word on an ignored setting.
 * The integration suite (environmentFaults.test.ts) injects the real ones.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EnvironmentError, errnoFault, sqliteFault } from '../../core/EnvironmentError.js';
import { MemoUnusableError, SqliteMemo } from '../../cache/Memo.js';
import { openMemo } from '../../cache/openMemo.js';
import { environmentFault, faultDiagnostic } from '../../engine/faults.js';
import { settingWarning } from '../../store/DaemonStore.js';

function sqliteError(code: string, message: string): Error {
  const e = new Error(message) as Error & { code: string };
  e.name = 'SqliteError';
  e.code = code;
  return e;
}

function errno(code: string, syscall: string, p?: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${syscall} ${p ?? ''}`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  if (p !== undefined) e.path = p;
  return e;
}

describe('sqliteFault', () => {
  const file = '/p/.nixmake/memo.sqlite';
  it('a full disk, a lock, a read-only file: an EnvironmentError naming the memo and what to do', () => {
    expect((sqliteFault(sqliteError('SQLITE_FULL', 'database or disk is full'), file) as EnvironmentError).message).toMatch(
      /^no space left on the device holding \/p\/\.nixmake\/memo\.sqlite \(SQLITE_FULL\); free some space/,
    );
    expect((sqliteFault(sqliteError('SQLITE_BUSY', 'database is locked'), file) as EnvironmentError).message).toMatch(/is locked by another program \(SQLITE_BUSY; waited 5 s\)/);
    expect((sqliteFault(sqliteError('SQLITE_READONLY', 'attempt to write a readonly database'), file) as EnvironmentError).message).toMatch(/is read-only for user .* \(SQLITE_READONLY\)/);
    expect((sqliteFault(sqliteError('SQLITE_IOERR_WRITE', 'disk I/O error'), file) as EnvironmentError).path).toBe(file);
  });

  it('a corrupt file, a missing table or column: unusable (set aside and rebuilt)', () => {
    expect(sqliteFault(sqliteError('SQLITE_CORRUPT', 'database disk image is malformed'), file)).toBe('unusable');
    expect(sqliteFault(sqliteError('SQLITE_NOTADB', 'file is not a database'), file)).toBe('unusable');
    expect(sqliteFault(sqliteError('SQLITE_ERROR', 'no such table: nodes'), file)).toBe('unusable');
    expect(sqliteFault(sqliteError('SQLITE_ERROR', 'table files has no column named ino'), file)).toBe('unusable');
  });

  it('anything else is not an environment fault (a bug, reported as one)', () => {
    expect(sqliteFault(sqliteError('SQLITE_ERROR', 'near "SELCT": syntax error'), file)).toBeUndefined();
    expect(sqliteFault(new TypeError('x'), file)).toBeUndefined();
  });
});

describe('errnoFault', () => {
  it('says what could not be done to which path, and what to do', () => {
    expect(errnoFault(errno('EACCES', 'scandir', '/p/src'))?.message).toMatch(/^permission denied: nixmake \(as user .*\) cannot read \/p\/src \(EACCES, scandir\); give that user access/);
    expect(errnoFault(errno('ENOSPC', 'write'), '/p/.nixmake/lock.1')?.message).toMatch(/^no space left on the device holding \/p\/\.nixmake\/lock\.1 \(ENOSPC, write\)/);
    expect(errnoFault(errno('EROFS', 'mkdir', '/p/.nixmake'))?.message).toMatch(/read-only file system/);
  });
  it('needs a path, and an errno code', () => {
    expect(errnoFault(errno('EACCES', 'connect'))).toBeUndefined();
    expect(errnoFault(new Error('plain'), '/p')).toBeUndefined();
  });
});

describe('environmentFault and faultDiagnostic', () => {
  it('a diagnostic at the project-relative path, or the absolute one outside the project', () => {
    const f = new EnvironmentError('/p/result-app', 'in the way');
    expect(faultDiagnostic(f, '/p')).toEqual({ severity: 'error', message: 'in the way', location: { file: 'result-app' } });
    expect(faultDiagnostic(new EnvironmentError('/elsewhere/x', 'm'), '/p').location).toEqual({ file: '/elsewhere/x' });
  });

  it('a memo found corrupt during the build is set aside, and the user told to build again', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-unit-'));
    try {
      const file = path.join(dir, 'memo.sqlite');
      fs.writeFileSync(file, 'x');
      const f = environmentFault(new MemoUnusableError(file, 'database disk image is malformed'), dir);
      expect(f?.message).toMatch(/turned out corrupt during the build \(database disk image is malformed\); moved it to .*memo\.sqlite\.corrupt-\d+: run the build again/);
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('openMemo', () => {
  it('sets aside a memo of another schema version with a warning, and opens a fresh one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-unit-'));
    try {
      const file = path.join(dir, 'memo.sqlite');
      new SqliteMemo(file).close();
      const raw = new Database(file);
      raw.pragma('user_version = 42');
      raw.close();
      const warnings: string[] = [];
      const memo = openMemo(file, (d) => warnings.push(d.message));
      memo.setMeta('k', 'v');
      expect(memo.getMeta('k')).toBe('v');
      memo.close();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/schema version 42, this nixmake uses \d+\); moved it to/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('settingWarning', () => {
  it('names the ignored option and the two fixes (Nix 2.8 words it "client-specified", older ones "user-specified")', () => {
    for (const who of ['client', 'user']) {
      expect(settingWarning(`ignoring the ${who}-specified setting 'max-build-log-size', because it is a restricted setting and you are not a trusted user`, 'alice')).toBe(
        "the Nix daemon ignored the option 'max-build-log-size' because user alice is not one of its trusted-users: builds work, but without this option. " +
          "Add alice to trusted-users in the daemon's nix.conf (and restart it), or drop 'max-build-log-size' from nix.options in nixmake.json or from --option",
      );
    }
    expect(settingWarning("warning: unknown setting 'foo'", 'alice')).toBe("the Nix daemon, on the settings nixmake sent it: unknown setting 'foo'");
  });

  it('says that an untrusted substituter needs trusted-substituters, and what a dropped key or builders list costs', () => {
    expect(settingWarning("warning: ignoring untrusted substituter 'file:///c'", 'alice')).toBe(
      "the Nix daemon ignored the substituter 'file:///c': user alice is not one of its trusted-users and 'file:///c' is not in its trusted-substituters, " +
        "so nothing is fetched from it and everything is built here. Add 'file:///c' to trusted-substituters (and its key to trusted-public-keys) " +
        "in the daemon's nix.conf, or alice to trusted-users, and restart the daemon",
    );
    const restricted = (name: string) => `ignoring the client-specified setting '${name}', because it is a restricted setting and you are not a trusted user`;
    expect(settingWarning(restricted('trusted-public-keys'), 'alice')).toContain('a path signed only by these keys is built here instead of fetched');
    expect(settingWarning(restricted('builders'), 'alice')).toContain('builds work, but only on this machine');
  });
});
