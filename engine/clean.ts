/**
 * clean: drops what nixmake keeps in a project — `result-*` links that
 * point into the Nix store, the GC roots and the memo (all of .nixmake/).
 * It never touches sources, and it leaves store paths for Nix's GC to take.
 */
import fs from 'node:fs';
import { ProjectFiles } from './ProjectFiles.js';

export interface CleanResult {
  readonly resultLinks: number;
  readonly gcRoots: number;
}

export function clean(root: string): CleanResult {
  const files = new ProjectFiles(root);
  const links = files.resultLinks();
  for (const l of links) fs.rmSync(l, { force: true });
  let roots = 0;
  try {
    roots = fs.readdirSync(files.rootsDir).length;
  } catch {
    roots = 0;
  }
  fs.rmSync(files.stateDir, { recursive: true, force: true });
  return { resultLinks: links.length, gcRoots: roots };
}
