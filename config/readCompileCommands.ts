/**
 * readCompileCommands: a compile database (compile_commands.json) → each
 * TU's compile flags, for the `compileCommands` field of nixmake.json.
 *
 * Each entry's command is read as `nixmake init` reads a recorded compile:
 * output and dependency-file flags dropped, include paths made project-
 * relative (or left absolute outside the project). A TU listed twice keeps
 * its last entry. Pure: the caller reads the file.
 *
 * Errors name the file and the entry (`cc.json: entry 3: …`), never any of
 * the file's text: the database may hold what is not ours to print.
 */
import path from 'node:path';
import type { Diagnostic } from '../core/Diagnostic.js';
import { jsonSyntaxError } from './jsonSyntaxError.js';
import { classifyCommands } from '../init/classifyCommands.js';
import { shellSplit } from '../init/fromCompileCommands.js';
import { mapFlags } from '../init/mapFlags.js';
import type { Exec } from '../init/readInterceptLog.js';

interface Entry {
  directory?: unknown;
  file?: unknown;
  arguments?: unknown;
  command?: unknown;
}

export function readCompileCommands(text: string, root: string, file: string): { flags: Map<string, string[]>; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch (err) {
    return { flags: new Map(), errors: [jsonSyntaxError(text, err as Error, file)] };
  }
  if (!Array.isArray(data)) return { flags: new Map(), errors: [{ severity: 'error', message: 'expected a JSON array of entries', location: { file } }] };
  const entries = data as Entry[];
  const entryError = (i: number, message: string): Diagnostic => ({ severity: 'error', message: `entry ${i}: ${message}`, location: { file } });
  const execs: Exec[] = [];
  entries.forEach((e, i) => {
    const argv = e !== null && typeof e === 'object' ? (Array.isArray(e.arguments) ? e.arguments.map(String) : typeof e.command === 'string' ? shellSplit(e.command) : undefined) : undefined;
    if (!argv || typeof e.directory !== 'string') {
      errors.push(entryError(i, 'needs "directory" and "arguments" or "command"'));
      return;
    }
    execs.push({ rid: String(i), pid: i + 1, ppid: 0, executable: '', argv, cwd: e.directory, status: 0, order: i });
  });
  const rel = (p: string): string | undefined => {
    const r = path.relative(root, p);
    return r.startsWith('..') || path.isAbsolute(r) ? undefined : r === '' ? '.' : r;
  };
  const flags = new Map<string, string[]>();
  const compiles = classifyCommands(execs).compiles;
  for (const c of compiles) {
    const tu = rel(c.source);
    if (tu !== undefined) flags.set(tu, joinPathFlags(mapFlags(c, rel)));
  }
  // An entry that is not a compile nixmake understands would silently fall back to the target's flags.
  const understood = new Set(compiles.map((c) => c.order));
  for (const e of execs) {
    if (!understood.has(e.order)) errors.push(entryError(e.order, 'is not a C/C++ compile command nixmake understands (one compiler run with -c and one source file)'));
  }
  return { flags, errors };
}

/** `-I dir` → `-Idir`, as nixmake writes flags itself. */
function joinPathFlags(flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i] as string;
    if ((f === '-I' || f === '-iquote' || f === '-isystem' || f === '-idirafter') && i + 1 < flags.length) out.push(`${f}${flags[++i] as string}`);
    else out.push(f);
  }
  return out;
}
