/**
 * fromCompileCommands: a compile database (compile_commands.json, as CMake
 * and Meson write it) → a proposed nixmake.json. A database has no link
 * steps, so the targets are guessed (`guessTargets`: from the object paths,
 * CMake's `_EXPORTS` defines, main() and test names), and so is what each
 * links: read from the objects' symbols when the build left them on disk
 * (`librariesNeeded`), else every program links every library (archives
 * linked as a group, so their order and cycles do not matter). Each TU keeps
 * the flags of its own entry, per target (`perSource`), so a file listed
 * twice with two flag sets is two objects. The notes say what was guessed
 * and why, and name the sources that are not on disk (the build generates
 * them). Pure apart from the `io` it is given.
 */
import path from 'node:path';
import type { Steps } from './classifyCommands.js';
import { classifyCommands } from './classifyCommands.js';
import { guessTargets } from './guessTargets.js';
import type { GuessedTarget } from './guessTargets.js';
import { inferConfig } from './inferConfig.js';
import type { Inferred } from './inferConfig.js';
import { librariesNeeded } from './librariesNeeded.js';
import type { ObjectSymbols } from './librariesNeeded.js';
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

export interface CompileDbIo {
  /** A source's text (for main()); throws when it is not there. */
  read(file: string): string;
  exists(file: string): boolean;
  /** The symbols of an object file the build left, or undefined. */
  symbols(object: string): ObjectSymbols | undefined;
}

export function fromCompileCommands(text: string, root: string, io: CompileDbIo): Inferred {
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
  const found = classifyCommands(execs);
  const notes: string[] = [];
  // Two entries that write one object (one file twice, no -o): each gets an object of its own.
  const outputs = new Set<string>();
  const compiles = found.compiles.map((c) => {
    let output = c.output;
    for (let n = 2; outputs.has(output); n++) output = `${c.output}.${n}`;
    outputs.add(output);
    return output === c.output ? c : { ...c, output };
  });
  const targets = guessTargets(compiles, root, io.read);
  const needs = librariesNeeded(targets, io.symbols);
  const libraries = targets.filter((t) => t.kind !== 'executable');
  const guessDir = path.join(root, '.nixmake-guess');
  const taken = new Set<string>();
  const outputOf = new Map<GuessedTarget, string>();
  for (const t of targets) {
    const file = t.fileName ?? (t.kind === 'static-library' ? `lib${t.name}.a` : t.kind === 'shared-library' ? `lib${t.name}.so` : t.name);
    // A program beside its first source, so two main.c in two folders are two programs (named after their folders).
    const dir = t.kind === 'executable' && !t.named ? path.dirname((t.compiles[0] as { source: string }).source) : path.join(guessDir, String(outputOf.size));
    let out = path.join(dir, file);
    for (let n = 2; taken.has(out); n++) out = path.join(dir, `${file}-${n}`);
    taken.add(out);
    outputOf.set(t, out);
  }
  const steps: Steps = { ...found, compiles, archives: [], links: [] };
  const names = new Map<string, string>();
  targets.forEach((t, i) => {
    const output = outputOf.get(t) as string;
    if (t.named) names.set(output, t.name);
    const objects = t.compiles.map((c) => c.output);
    if (t.kind === 'static-library') {
      steps.archives.push({ output, members: objects, order: i });
      return;
    }
    // A library's own deps must not form a cycle (nixmake's deps cannot): a library that needs this
    // one back is left to the programs, which link both.
    const linked = (needs?.get(t) ?? (t.kind === 'executable' ? libraries : [])).filter((l) => t.kind === 'executable' || !needs?.get(l)?.includes(t));
    steps.links.push({
      kind: t.kind,
      output,
      cwd: root,
      inputs: [...objects, ...linked.map((l) => outputOf.get(l) as string)],
      libs: [],
      libDirs: [],
      ldflags: [],
      soname: undefined,
      dropped: [],
      scripts: [],
      order: targets.length + i,
    });
  });
  const inferred = inferConfig(steps, root, () => true, undefined, names);
  const why = new Map(targets.map((t) => [path.relative(root, outputOf.get(t) as string), t.why]));
  inferred.notes.forEach((n, i) => {
    inferred.notes[i] = n.replace(/^([^:]+: (?:static-library|shared-library|executable)) from (\S+),/, (all, head: string, out: string) => (why.has(out) ? `${head} (guessed: ${why.get(out) as string}),` : all));
  });
  const missing = [...new Set(compiles.map((c) => c.source).filter((f) => !io.exists(f)))];
  for (const f of missing) notes.push(`${path.relative(root, f)} is not on disk: the build generates it; make it before nixmake build`);
  notes.unshift(
    `guessed from ${entries.length} compile commands (a compile database has no link steps): ` +
      (needs ? 'each target links the libraries whose symbols it uses (read from the objects the build left)' : 'every program links every library, since the objects are not built yet (build once, then init again, to link only what each uses)') +
      '; system libraries (libs) are not in a compile database: add them by hand',
  );
  return { ...inferred, notes: [...notes, ...inferred.notes] };
}
