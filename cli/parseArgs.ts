/**
 * parseArgs: argv → a command with its options, or a usage error. Pure.
 */

export interface BuildCommand {
  readonly command: 'build';
  readonly dir: string;
  readonly jobs: number | undefined;
  readonly keepGoing: boolean;
  readonly json: boolean;
  readonly explain: boolean;
  readonly dryRun: boolean;
  readonly targets: readonly string[];
}

/** `watch`: build, then build again on every change; the options of `build` but `--dry-run`. */
export interface WatchCommand extends Omit<BuildCommand, 'command' | 'dryRun'> {
  readonly command: 'watch';
}

export interface CleanCommand {
  readonly command: 'clean';
  readonly dir: string;
}

export interface DepsCommand {
  readonly command: 'deps';
  readonly dir: string;
  readonly json: boolean;
  readonly files: readonly string[];
}

export interface InitCommand {
  readonly command: 'init';
  readonly dir: string;
  readonly force: boolean;
  /** A compile database to read instead of recording a build. */
  readonly from: string | undefined;
  /** The build to record, everything after `--`. */
  readonly buildCommand: readonly string[];
}

export type Command = BuildCommand | WatchCommand | CleanCommand | DepsCommand | InitCommand | { readonly command: 'help' } | { readonly command: 'version' };

export type ParseResult = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly message: string };

export const USAGE = `usage: nixmake <command> [options]

commands:
  build [-C DIR] [-j N] [-k] [--json] [--explain] [--dry-run] [TARGET...]
                     build the targets (default: all) as per-object Nix derivations
  watch [-C DIR] [-j N] [-k] [--json] [--explain] [TARGET...]
                     build, then rebuild whenever a source, header or nixmake.json changes
  deps [-C DIR] [--json] [FILE...]
                     print each translation unit's header closure
  clean [-C DIR]     remove result links, GC roots and the memo (never sources)
  init [-C DIR] [--force] -- BUILD COMMAND...
                     run the project's own build under bear and write nixmake.json from it
  init [-C DIR] [--force] --from compile_commands.json
                     propose nixmake.json from a compile database
  help               show this text
  version            show the version

options:
  -C DIR       run in DIR (the folder holding nixmake.json)
  -j N         run N builds at once (default: number of cores)
  -k           keep going past failures
  --json       one JSON object per line; the last line is the summary
  --explain    say why each node is built
  --dry-run, -n  print the plan without building
`;

export function parseArgs(argv: readonly string[]): ParseResult {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') return { ok: true, command: { command: 'help' } };
  if (cmd === 'version' || cmd === '--version') return { ok: true, command: { command: 'version' } };
  if (cmd !== 'build' && cmd !== 'watch' && cmd !== 'clean' && cmd !== 'deps' && cmd !== 'init') return { ok: false, message: `unknown command "${cmd}"` };

  let dir = '.';
  let jobs: number | undefined;
  let keepGoing = false;
  let json = false;
  let explain = false;
  let dryRun = false;
  let force = false;
  let from: string | undefined;
  let afterDashes: string[] | undefined;
  const builds = cmd === 'build' || cmd === 'watch';
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    const value = (flag: string): string | undefined => {
      if (a.length > flag.length) return a.slice(flag.length);
      return rest[++i];
    };
    if (a === '--') {
      afterDashes = rest.slice(i + 1);
      positional.push(...afterDashes);
      break;
    } else if (a === '--force' && cmd === 'init') force = true;
    else if (a.startsWith('--from') && cmd === 'init') {
      const v = a.startsWith('--from=') ? a.slice('--from='.length) : rest[++i];
      if (v === undefined || v === '') return { ok: false, message: '--from needs a compile_commands.json file' };
      from = v;
    } else if (a.startsWith('-C')) {
      const v = value('-C');
      if (v === undefined) return { ok: false, message: '-C needs a directory' };
      dir = v;
    } else if (a.startsWith('-j') && builds) {
      const v = value('-j');
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n < 1) return { ok: false, message: `-j needs a positive number, got ${v ?? 'nothing'}` };
      jobs = n;
    } else if (a === '-k' && builds) keepGoing = true;
    else if (a === '--json' && cmd !== 'clean') json = true;
    else if (a === '--explain' && builds) explain = true;
    else if ((a === '--dry-run' || a === '-n') && cmd === 'build') dryRun = true;
    else if (a.startsWith('-') && a !== '-') return { ok: false, message: `unknown option "${a}" for ${cmd}` };
    else positional.push(a);
  }
  if (cmd === 'clean') {
    if (positional.length > 0) return { ok: false, message: 'clean takes no arguments' };
    return { ok: true, command: { command: 'clean', dir } };
  }
  if (cmd === 'init') {
    if (from !== undefined && afterDashes !== undefined) return { ok: false, message: 'init takes either --from FILE or -- BUILD COMMAND, not both' };
    if (from === undefined && (afterDashes === undefined || afterDashes.length === 0)) return { ok: false, message: 'init needs a build command after --, e.g. nixmake init -- make -j2 (or --from compile_commands.json)' };
    if (afterDashes === undefined && positional.length > 0) return { ok: false, message: `unexpected argument "${positional[0]}" (put the build command after --)` };
    return { ok: true, command: { command: 'init', dir, force, from, buildCommand: afterDashes ?? [] } };
  }
  if (cmd === 'watch') return { ok: true, command: { command: 'watch', dir, jobs, keepGoing, json, explain, targets: positional } };
  if (cmd === 'deps') return { ok: true, command: { command: 'deps', dir, json, files: positional } };
  return { ok: true, command: { command: 'build', dir, jobs, keepGoing, json, explain, dryRun, targets: positional } };
}
