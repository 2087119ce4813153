/**
 * loadConfig: reads `nixmake.json` (and the compile database it names, if
 * any) from the project root and validates them, and matches the targets'
 * `perSource` globs (matchPerSource). Diagnostics are reported;
 * undefined means failure.
 *
 * The compile database must resolve, symlinks followed, inside the project
 * root: a cloned project must not make nixmake read a file elsewhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE } from './Config.js';
import { isInside } from './isInside.js';
import { errnoFault } from '../core/EnvironmentError.js';
import type { Diagnostic } from '../core/Diagnostic.js';
import type { Config } from './Config.js';
import { parseConfig } from './parseConfig.js';
import { matchPerSource } from './matchPerSource.js';
import { readCompileCommands } from './readCompileCommands.js';

/**
 * The text of `file` if it is a regular file (symlinks followed), else why
 * not. Opened without blocking and checked on the open descriptor: a FIFO
 * (or a device) by that name would otherwise block a synchronous read for
 * ever, deaf to Ctrl-C.
 */
export function readRegularFile(file: string): { text: string } | { why: 'missing' | 'not-a-file' | string } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { why: 'missing' };
    return { why: errnoFault(err, file)?.message ?? `cannot read ${file}` };
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return { why: 'not-a-file' };
    return { text: fs.readFileSync(fd, 'utf8') };
  } catch (err) {
    return { why: errnoFault(err, file)?.message ?? `cannot read ${file}` };
  } finally {
    fs.closeSync(fd);
  }
}

export function loadConfig(root: string, report: (d: Diagnostic) => void): Config | undefined {
  const file = path.join(root, CONFIG_FILE);
  const read = readRegularFile(file);
  if (!('text' in read)) {
    const message =
      read.why === 'missing' ? `no ${CONFIG_FILE} in ${root}` : read.why === 'not-a-file' ? `${file} is not a regular file (a folder, a FIFO or a device); nixmake reads its config from a file` : read.why;
    report({ severity: 'error', message, location: { file: CONFIG_FILE } });
    return undefined;
  }
  const text = read.text;
  const r = parseConfig(text, root);
  if (!r.ok) {
    for (const d of r.errors) report(d);
    return undefined;
  }
  const perSource = matchPerSource(r.value);
  if (perSource.errors.length > 0) {
    for (const d of perSource.errors) report(d);
    return undefined;
  }
  const config: Config = { ...r.value, perSourceMatches: perSource.matches };
  const db = config.compileCommands;
  if (db === undefined) return config;
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
  const dbRead = readRegularFile(real);
  if (!('text' in dbRead)) {
    return fail(dbRead.why === 'not-a-file' ? `${JSON.stringify(db)} is not a regular file (a folder, a FIFO or a device)` : unreadable, 'compileCommands');
  }
  const commands = readCompileCommands(dbRead.text, root, db);
  if (commands.errors.length > 0) {
    for (const d of commands.errors) report(d);
    return undefined;
  }
  return { ...config, tuFlags: commands.flags };
}
