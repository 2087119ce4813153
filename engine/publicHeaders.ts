/**
 * publicHeaders: the config's `publicHeaders` (files and folders) → each
 * header file and its path under an installed `include/`: a file by its
 * name, a folder's files (recursively, symlinked folders not entered) by
 * their paths inside it.
 *
 * It reads folders; it copies nothing and does not decide where `include/`
 * is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE } from '../config/Config.js';
import type { Diagnostic, Result } from '../core/Diagnostic.js';

export function publicHeaders(root: string, entries: readonly string[]): Result<Map<string, string>> {
  const errors: Diagnostic[] = [];
  const out = new Map<string, string>();
  const byDest = new Map<string, string>();
  const add = (file: string, dest: string, at: string): void => {
    const other = byDest.get(dest);
    if (other !== undefined && other !== file) {
      errors.push({ severity: 'error', message: `${file} and ${other} would both be installed as include/${dest}; list one of them, or their folder`, location: { file: CONFIG_FILE }, jsonPath: at });
      return;
    }
    byDest.set(dest, file);
    out.set(file, dest);
  };
  entries.forEach((entry, i) => {
    const at = `publicHeaders[${i}]`;
    const abs = path.join(root, entry);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      errors.push({ severity: 'error', message: `"${entry}" does not exist; list the public headers (files or folders) to install under include/`, location: { file: CONFIG_FILE }, jsonPath: at });
      return;
    }
    if (st.isFile()) {
      add(entry, path.posix.basename(entry), at);
      return;
    }
    const walk = (dir: string, rel: string): void => {
      for (const e of fs.readdirSync(path.join(abs, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const r = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) walk(path.join(dir, e.name), r);
        else if (e.isFile() || (e.isSymbolicLink() && fs.statSync(path.join(abs, dir, e.name), { throwIfNoEntry: false })?.isFile())) {
          add(entry === '.' ? r : `${entry}/${r}`, r, at);
        }
      }
    };
    walk('', '');
  });
  return errors.length > 0 ? { ok: false, errors, warnings: [] } : { ok: true, value: out, warnings: [] };
}
