/**
 * loadConfig: reads `nixmake.json` (and the compile database it names, if
 * any) from the project root and validates them. Diagnostics are reported;
 * undefined means failure.
 *
 * The compile database must resolve, symlinks followed, inside the project
 * root: a cloned project must not make nixmake read a file elsewhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE } from './Config.js';
import { isInside } from './isInside.js';
import type { Diagnostic } from '../core/Diagnostic.js';
import type { Config } from './Config.js';
import { parseConfig } from './parseConfig.js';
import { readCompileCommands } from './readCompileCommands.js';

export function loadConfig(root: string, report: (d: Diagnostic) => void): Config | undefined {
  const file = path.join(root, CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    report({ severity: 'error', message: `no ${CONFIG_FILE} in ${root}`, location: { file: CONFIG_FILE } });
    return undefined;
  }
  const r = parseConfig(text, root);
  if (!r.ok) {
    for (const d of r.errors) report(d);
    return undefined;
  }
  const db = r.value.compileCommands;
  if (db === undefined) return r.value;
  const fail = (message: string, jsonPath?: string): undefined => {
    report({ severity: 'error', message, location: { file: CONFIG_FILE }, ...(jsonPath !== undefined ? { jsonPath } : {}) });
    return undefined;
  };
  const unreadable = `compileCommands: cannot read ${db}`;
  let real: string;
  let realRoot: string;
  try {
    realRoot = fs.realpathSync.native(root);
    real = fs.realpathSync.native(path.resolve(root, db));
  } catch {
    return fail(unreadable);
  }
  if (!isInside(realRoot, real)) {
    return fail(`"${db}" resolves to ${real}, outside the project root; the compile database must be a file of the project`, 'compileCommands');
  }
  let dbText: string;
  try {
    dbText = fs.readFileSync(real, 'utf8');
  } catch {
    return fail(unreadable);
  }
  const read = readCompileCommands(dbText, root, db);
  if (read.errors.length > 0) {
    for (const d of read.errors) report(d);
    return undefined;
  }
  return { ...r.value, tuFlags: read.flags };
}
