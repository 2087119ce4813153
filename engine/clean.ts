/**
 * clean: drops what nixmake keeps in a project — `result-*` links that
 * point into the Nix store, the GC roots and the memo (all of .nixmake/).
 * It never touches sources, and it leaves store paths for Nix's GC to take.
 *
 * `.nixmake` is removed only when it is nixmake's folder: a folder holding
 * nothing but what nixmake writes there. A file of the user's by that name,
 * or a folder with anything else in it, is an EnvironmentError naming it,
 * and nothing is removed. A symlink to nixmake's folder keeps the link and
 * loses the folder's contents.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError, errnoFault } from '../core/EnvironmentError.js';
import { ProjectFiles } from './ProjectFiles.js';

export interface CleanResult {
  readonly resultLinks: number;
  readonly gcRoots: number;
}

/** Every name nixmake itself writes in `.nixmake/` (see ProjectFiles, ProjectLock, openMemo, init, resolveToolchain's fallback cache); keep it in step with them. */
const OWN_ENTRY = /^(memo\.sqlite(-wal|-shm|-journal)?|memo\.sqlite\.corrupt-\d+(-wal|-shm|-journal)?|gcroots|tmp|toolchain|logs|compdb|lock(\.\d+)?|init-events\.json|(noop\.json|noop\.stamp|baseline\.json)(\.\d+|\.tmp-\d+)?)$/;

/**
 * What to remove for `.nixmake`: nothing (absent), the folder's entries, or
 * an EnvironmentError when it is not nixmake's folder.
 */
function stateEntries(stateDir: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(stateDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw errnoFault(err, stateDir) ?? err;
  }
  const notOurs = (what: string): EnvironmentError =>
    new EnvironmentError(stateDir, `${stateDir} is ${what}, not nixmake's state folder: nixmake clean never deletes it; move or delete it yourself`);
  let dir = stateDir;
  if (st.isSymbolicLink()) {
    try {
      st = fs.statSync(stateDir);
      dir = fs.realpathSync(stateDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notOurs('a broken symlink');
      throw errnoFault(err, stateDir) ?? err;
    }
  }
  if (!st.isDirectory()) throw notOurs(st.isFile() ? 'a regular file' : 'not a folder');
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    throw errnoFault(err, stateDir) ?? err;
  }
  const foreign = names.filter((n) => !OWN_ENTRY.test(n)).sort();
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).map((n) => JSON.stringify(n)).join(', ');
    throw notOurs(`a folder holding files nixmake did not write (${shown}${foreign.length > 3 ? ', …' : ''})`);
  }
  return names.map((n) => path.join(dir, n));
}

export function clean(root: string): CleanResult {
  const files = new ProjectFiles(root);
  // Checked before anything is removed: a refusal leaves the project as it was.
  const entries = stateEntries(files.stateDir);
  const links = files.resultLinks();
  try {
    for (const l of links) fs.rmSync(l, { force: true });
  } catch (err) {
    throw errnoFault(err, root) ?? err;
  }
  let roots = 0;
  try {
    roots = fs.readdirSync(files.rootsDir).length;
  } catch {
    roots = 0;
  }
  try {
    for (const e of entries) fs.rmSync(e, { recursive: true, force: true });
    if (entries.length > 0 || fs.existsSync(files.stateDir)) {
      const st = fs.lstatSync(files.stateDir, { throwIfNoEntry: false });
      if (st?.isDirectory()) fs.rmdirSync(files.stateDir);
    }
  } catch (err) {
    throw errnoFault(err, files.stateDir) ?? err;
  }
  return { resultLinks: links.length, gcRoots: roots };
}
