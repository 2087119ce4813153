/**
 * floorNodes: a compile database (compile_commands.json entries) → one
 * FloorNode per compile, the arguments of a derivation whose builder is the
 * compiler itself (bench/nix/floor.nix). Pure: the caller reads the
 * database and answers `exists` and `resolveCompiler`.
 *
 * A path into the project becomes `@SRC@/<project path>`, which floor.nix
 * replaces with the store path of the whole project tree. Output and
 * dependency-file flags are dropped (the derivation's `-o $out` is added
 * on the Nix side), and a salt define makes every derivation new.
 */
import path from 'node:path';
import { shellSplit } from '../init/fromCompileCommands.js';

export interface CompileEntry {
  readonly directory?: unknown;
  readonly file?: unknown;
  readonly arguments?: unknown;
  readonly command?: unknown;
}

export interface FloorNode {
  /** The compiler, an absolute path (the derivation's builder). */
  readonly cc: string;
  /** The source file, project-relative (for messages). */
  readonly file: string;
  /** The compiler's arguments, without `-o`; project paths as `@SRC@/…`. */
  readonly args: readonly string[];
}

export interface FloorOptions {
  /** The project folder, absolute. */
  readonly root: string;
  /** Appended to every compile as `-DNIX_FLOOR_SALT=<salt>`. */
  readonly salt: string;
  /** Whether an absolute path exists (a path into the project is mapped only if it does). */
  readonly exists: (abs: string) => boolean;
  /** The builder for a compiler word as recorded (`gcc`, `/x/cc-count.sh`) → an absolute path. */
  readonly resolveCompiler: (cc: string) => string;
}

export const SRC = '@SRC@';
const DROP_WITH_VALUE = new Set(['-o', '-MF', '-MT', '-MQ']);
const DROP = new Set(['-c', '-M', '-MM', '-MD', '-MMD', '-MP', '-MG']);
const PATH_FLAGS = ['-I', '-iquote', '-isystem', '-idirafter', '-include', '-imacros'] as const;

/** Throws on an entry it cannot map (no command, a compile outside the project, not a compile). */
export function floorNodes(entries: readonly CompileEntry[], o: FloorOptions): FloorNode[] {
  if (entries.length === 0) throw new Error('the compile database has no entries');
  return entries.map((e, i) => floorNode(e, i, o));
}

function floorNode(e: CompileEntry, i: number, o: FloorOptions): FloorNode {
  const argv = Array.isArray(e.arguments) ? e.arguments.map(String) : typeof e.command === 'string' ? shellSplit(e.command) : undefined;
  if (!argv || argv.length < 2) throw new Error(`compile database entry ${i}: no "arguments" or "command"`);
  const cwd = typeof e.directory === 'string' ? e.directory : o.root;
  const inProject = (abs: string): string | undefined => {
    const r = path.relative(o.root, abs);
    return r.startsWith('..') || path.isAbsolute(r) ? undefined : r === '' ? '.' : r;
  };
  if (inProject(path.resolve(cwd)) === undefined) throw new Error(`compile database entry ${i} runs outside the project: ${cwd}`);
  /** A path argument: `@SRC@/…` when it names something in the project, else as written. */
  const mapPath = (p: string): string => {
    const abs = path.resolve(cwd, p);
    const r = inProject(abs);
    return r !== undefined && o.exists(abs) ? `${SRC}/${r}` : p;
  };
  const [cc, ...rest] = argv as [string, ...string[]];
  const args: string[] = ['-c'];
  let compiles = false;
  for (let k = 0; k < rest.length; k++) {
    const a = rest[k] as string;
    if (a === '-c') compiles = true;
    if (DROP_WITH_VALUE.has(a)) {
      k++;
      continue;
    }
    if (DROP.has(a) || /^-(o|MF|MT|MQ)./.test(a) || a.startsWith('-Wp,-M')) continue;
    const flag = PATH_FLAGS.find((f) => a === f || a.startsWith(f));
    if (flag !== undefined) {
      if (a === flag && k + 1 < rest.length) args.push(a, mapPath(rest[++k] as string));
      else if (a !== flag) args.push(flag + mapPath(a.slice(flag.length)));
      continue;
    }
    args.push(a.startsWith('-') ? a : mapPath(a));
  }
  if (!compiles) throw new Error(`compile database entry ${i} is not a compile (no -c): ${argv.slice(0, 4).join(' ')} …`);
  args.push(`-DNIX_FLOOR_SALT=${o.salt}`);
  const file = typeof e.file === 'string' ? inProject(path.resolve(cwd, e.file)) ?? e.file : '?';
  return { cc: o.resolveCompiler(cc), file, args };
}
