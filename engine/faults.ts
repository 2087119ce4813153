/**
 * faults: errors of the machine around the project (see core/EnvironmentError)
 * met anywhere in a build, turned into an EnvironmentError and then into an
 * error diagnostic located at its path. A memo found corrupt mid-run is set
 * aside here. It does not decide whether the build goes on.
 */
import path from 'node:path';
import { MemoUnusableError } from '../cache/Memo.js';
import { setAsideMemo } from '../cache/openMemo.js';
import { EnvironmentError, errnoFault, sqliteFault } from '../core/EnvironmentError.js';
import type { Diagnostic } from '../core/Diagnostic.js';

/** `err` as an EnvironmentError when it is a fault of the environment; a memo found corrupt mid-run is set aside. */
export function environmentFault(err: unknown, root?: string): EnvironmentError | undefined {
  if (err instanceof EnvironmentError) return err;
  if (err instanceof MemoUnusableError) {
    let aside = '';
    try {
      aside = `; moved it to ${setAsideMemo(err.file)}`;
    } catch {
      // already gone
    }
    return new EnvironmentError(err.file, `the memo ${err.file} turned out corrupt during the build (${err.reason})${aside}: run the build again`);
  }
  const f = errnoFault(err, root) ?? sqliteFault(err, '.nixmake/memo.sqlite');
  return f === 'unusable' ? undefined : f;
}

/** An EnvironmentError as an error diagnostic located at its path (project-relative when inside the project). */
export function faultDiagnostic(fault: EnvironmentError, root: string): Diagnostic {
  const rel = path.relative(root, fault.path);
  const file = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : fault.path;
  return { severity: 'error', message: fault.message, location: { file } };
}
