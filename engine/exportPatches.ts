/**
 * exportPatches: `nixmake export --patch FILE` — each patch split by the
 * files it touches (splitPatch), and each touched project file's hunks, from
 * every patch in order, applied to that file alone. The project is left as
 * it is: the export reads the patched texts instead (its copies), so an
 * object's inputs are its own files, patched or not, and a patch to one `.c`
 * changes one object's derivation.
 *
 * A file is named as the patch names it, or without its first component
 * (`a/`, `b/`, as `patch -p1`): the first of those that is a file of the
 * project. Texts are read byte for byte (latin1: one character per byte),
 * so any encoding is patched as `patch` would. Errors name the patch and
 * its line.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../core/Diagnostic.js';
import { isInside } from '../config/isInside.js';
import type { FilePatch } from './splitPatch.js';
import { applyHunks, splitPatch } from './splitPatch.js';

export interface PatchedFiles {
  /** Project file → its text with every patch applied. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** Each patch (as given) → the project files it touches. */
  readonly touched: Readonly<Record<string, readonly string[]>>;
}

/** The project file a patch's part names, or undefined. */
function projectFile(root: string, fp: FilePatch): string | undefined {
  const names = fp.git ? [fp.newName, fp.oldName].map(stripFirst) : [fp.newName, fp.oldName].flatMap((n) => [n, stripFirst(n)]);
  for (const n of names) {
    if (n === '' || path.posix.isAbsolute(n)) continue;
    const rel = path.posix.normalize(n);
    if (rel.startsWith('../') || rel === '..') continue;
    const abs = path.join(root, rel);
    if (isInside(root, abs) && fs.statSync(abs, { throwIfNoEntry: false })?.isFile()) return rel;
  }
  return undefined;
}

function stripFirst(name: string): string {
  const i = name.indexOf('/');
  return i < 0 ? '' : name.slice(i + 1);
}

export function applyPatches(root: string, patches: readonly string[]): { ok: true; value: PatchedFiles } | { ok: false; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const texts = new Map<string, string>();
  const touched: Record<string, string[]> = {};
  for (const patch of patches) {
    const abs = path.resolve(root, patch);
    let text: string;
    try {
      text = fs.readFileSync(abs, 'latin1');
    } catch (err) {
      errors.push({ severity: 'error', message: `cannot read the patch: ${(err as Error).message}`, location: { file: patch } });
      continue;
    }
    const split = splitPatch(text);
    if (!split.ok) {
      errors.push({ severity: 'error', message: split.message, location: { file: patch, line: split.line } });
      continue;
    }
    const mine: string[] = [];
    for (const fp of split.files) {
      const rel = projectFile(root, fp);
      if (rel === undefined) {
        errors.push({ severity: 'error', message: `${fp.newName}: no such file in the project (named as it is or without its first folder, as patch -p1)`, location: { file: patch, line: fp.patchLine } });
        continue;
      }
      const before = texts.get(rel) ?? fs.readFileSync(path.join(root, rel), 'latin1');
      const applied = applyHunks(before, fp.hunks);
      if (!applied.ok) {
        errors.push({ severity: 'error', message: `${rel}: ${applied.message}`, location: { file: patch, line: applied.hunk.patchLine } });
        continue;
      }
      texts.set(rel, applied.text);
      if (!mine.includes(rel)) mine.push(rel);
    }
    touched[patch] = mine.sort();
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { files: new Map([...texts].map(([rel, t]) => [rel, Buffer.from(t, 'latin1')])), touched } };
}
