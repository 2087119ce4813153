/**
 * fromCompileCommands: a compile database (compile_commands.json, as CMake
 * and Meson write it) → a proposed nixmake.json. A database has no link
 * steps, so targets are guessed: the TUs of each folder that do not define
 * main() become a static library named after the folder, and each TU that
 * defines main() becomes an executable linking every library. The notes say
 * that this was guessed. Pure apart from the `read` it is given.
 */
import path from 'node:path';
import type { Steps } from './classifyCommands.js';
import { classifyCommands } from './classifyCommands.js';
import { inferConfig } from './inferConfig.js';
import type { Inferred } from './inferConfig.js';
import type { Exec } from './readInterceptLog.js';

interface Entry {
  directory: string;
  file: string;
  arguments?: string[];
  command?: string;
}

/** Splits a command line as a POSIX shell would (quotes and backslashes; no expansions). */
export function shellSplit(command: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else cur += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < command.length && '"\\$`'.includes(command[i + 1] as string)) cur += command[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < command.length) {
      cur += command[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

const MAIN = /\bint\s+main\s*\(/;

export function fromCompileCommands(text: string, root: string, read: (p: string) => string): Inferred {
  const entries = JSON.parse(text) as Entry[];
  const execs: Exec[] = entries.map((e, i) => ({
    rid: String(i),
    pid: i + 1,
    ppid: 0,
    executable: '',
    argv: e.arguments ?? shellSplit(e.command ?? ''),
    cwd: e.directory,
    status: 0,
    order: i,
  }));
  const steps: Steps = classifyCommands(execs);
  const groups = new Map<string, string[]>();
  const mains: { source: string; object: string }[] = [];
  for (const c of steps.compiles) {
    let text = '';
    try {
      text = read(c.source);
    } catch {
      // unreadable: treated as a library TU
    }
    if (MAIN.test(text)) mains.push({ source: c.source, object: c.output });
    else {
      const dir = path.relative(root, path.dirname(c.source)) || path.basename(root);
      groups.set(dir, [...(groups.get(dir) ?? []), c.output]);
    }
  }
  const libs = [...groups.entries()].map(([dir, members], i) => ({
    output: path.join(root, '.nixmake-guess', `lib${dir.replace(/[^A-Za-z0-9_.+-]/g, '_')}.a`),
    members,
    order: i,
  }));
  steps.archives.push(...libs);
  mains.forEach((m, i) => {
    steps.links.push({
      kind: 'executable',
      // Beside its source, so two main.c in two folders are two programs (named after their folders).
      output: path.join(path.dirname(m.source), path.basename(m.source).replace(/\.[^.]+$/, '')),
      cwd: root,
      inputs: [m.object, ...libs.map((l) => l.output)],
      libs: [],
      libDirs: [],
      ldflags: [],
      soname: undefined,
      dropped: [],
      scripts: [],
      order: libs.length + i,
    });
  });
  const inferred = inferConfig(steps, root, () => true);
  for (let i = 0; i < inferred.notes.length; i++) inferred.notes[i] = (inferred.notes[i] as string).replace(/^([^:]+: (?:static-library|executable)) from \S+,/, '$1 (guessed),');
  inferred.notes.unshift(
    `guessed from ${entries.length} compile commands: a static library per folder of TUs without main(), an executable per TU with main() linking every library; system libraries (libs) are not in a compile database: add them by hand`,
  );
  return inferred;
}
