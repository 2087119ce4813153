/**
 * parseArgs: argv → a command with its options, or a usage error. Pure.
 * Which options a command takes comes from the command list (commands.ts),
 * which help prints; here each value is checked and typed.
 */
import type { CommandSpec, OptionSpec } from './commands.js';
import { commandSpec } from './commands.js';

/** Options of this build that are the daemon's settings (sent with wopSetOptions). */
export interface NixBuildOptions {
  readonly keepFailed: boolean;
  readonly cores: number | undefined;
  readonly maxSilentTime: number | undefined;
  readonly timeout: number | undefined;
  /** `--option NAME VALUE` pairs, in order. */
  readonly options: readonly (readonly [string, string])[];
}

export interface BuildCommand {
  readonly command: 'build';
  readonly dir: string;
  readonly jobs: number | undefined;
  readonly keepGoing: boolean;
  readonly json: boolean;
  readonly explain: boolean;
  readonly dryRun: boolean;
  readonly printBuildLogs: boolean;
  readonly quiet: boolean;
  readonly nix: NixBuildOptions;
  /** Where to write a Chrome trace of the build. */
  readonly trace: string | undefined;
  /** `--check`: rebuild the last build's nodes and compare, build nothing new. */
  readonly check: boolean;
  readonly targets: readonly string[];
}

/** `watch`: build, then build again on every change; the options of `build` but `--dry-run`. */
export interface WatchCommand extends Omit<BuildCommand, 'command' | 'dryRun' | 'trace' | 'check'> {
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

export interface LogCommand {
  readonly command: 'log';
  readonly dir: string;
  /** A TU (relative to the current folder or the root) or a target name. */
  readonly what: string;
}

export interface CompdbCommand {
  readonly command: 'compdb';
  readonly dir: string;
  /** Where to write the database; undefined: standard output. */
  readonly output: string | undefined;
  readonly targets: readonly string[];
}

export interface GraphCommand {
  readonly command: 'graph';
  readonly dir: string;
  readonly targets: readonly string[];
}

export interface InitCommand {
  readonly command: 'init';
  readonly dir: string;
  readonly force: boolean;
  /** A compile database to read instead of recording a build. */
  readonly from: string | undefined;
  /** A configured CMake build folder whose File API code model to read instead of recording a build. */
  readonly fromCmake?: string | undefined;
  /** The build to record, everything after `--`. */
  readonly buildCommand: readonly string[];
}

export interface InstallCommand {
  readonly command: 'install';
  readonly dir: string;
  readonly prefix: string;
  readonly jobs: number | undefined;
}

export interface ExportCommand {
  readonly command: 'export';
  readonly dir: string;
  /** The export folder, relative to DIR; undefined: the default. */
  readonly out: string | undefined;
  readonly check: boolean;
  /** `--patch FILE`, in order, relative to DIR. */
  readonly patches: readonly string[];
}

export interface PushCommand {
  readonly command: 'push';
  readonly dir: string;
  readonly url: string;
  readonly signKey: string | undefined;
}

export type Command =
  | BuildCommand
  | PushCommand
  | CleanCommand
  | DepsCommand
  | LogCommand
  | CompdbCommand
  | GraphCommand
  | InitCommand
  | ExportCommand
  | InstallCommand
  | WatchCommand
  /** `topic`: the command to describe; undefined for the overview. */
  | { readonly command: 'help'; readonly topic: string | undefined }
  | { readonly command: 'version' };

export type ParseResult = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly message: string; readonly topic?: string };

/** The option `arg` spells, and its value if glued to it (`-C.`, `-j4`, `--cores=4`). */
function matchOption(spec: CommandSpec, arg: string): { option: OptionSpec; glued: string | undefined } | undefined {
  for (const option of spec.options) {
    for (const flag of option.flags) {
      if (arg === flag) return { option, glued: undefined };
      if (!option.value) continue;
      if (flag.startsWith('--') && arg.startsWith(`${flag}=`)) return { option, glued: arg.slice(flag.length + 1) };
      if (!flag.startsWith('--') && arg.startsWith(flag) && arg.length > flag.length) return { option, glued: arg.slice(flag.length) };
    }
  }
  return undefined;
}

/** A whole number ≥ `min`, or a message saying what `flag` needs. */
function wholeNumber(flag: string, v: string | undefined, min: number): number | string {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < min || n > 0xffff_ffff) {
    return `${flag} needs ${min > 0 ? 'a positive number' : 'a whole number (0 or more)'}, got ${v ?? 'nothing'}`;
  }
  return n;
}

export function parseArgs(argv: readonly string[]): ParseResult {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h') return { ok: true, command: { command: 'help', topic: undefined } };
  if (cmd === 'help') {
    const topic = rest[0];
    if (topic !== undefined && !commandSpec(topic)) return { ok: false, message: `no command "${topic}" to describe` };
    return { ok: true, command: { command: 'help', topic } };
  }
  if (cmd === 'version' || cmd === '--version') return { ok: true, command: { command: 'version' } };
  const spec = commandSpec(cmd);
  if (!spec) return { ok: false, message: `unknown command "${cmd}"` };

  const values = new Map<string, string>();
  const flags = new Set<string>();
  let afterDashes: string[] | undefined;
  const builds = cmd === 'build' || cmd === 'watch';
  const positional: string[] = [];
  const nixOptions: [string, string][] = [];
  /** Options that may be given more than once (`--patch`), in order. */
  const repeated: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--option' && spec.options.some((o) => o.flags[0] === '--option')) {
      const name = rest[i + 1];
      const value = rest[i + 2];
      if (name === undefined || name === '' || value === undefined) return { ok: false, message: '--option needs a NAME and a VALUE, e.g. --option substituters file:///srv/nix-cache', topic: cmd };
      nixOptions.push([name, value]);
      i += 2;
      continue;
    }
    if (a === '--') {
      afterDashes = rest.slice(i + 1);
      positional.push(...afterDashes);
      break;
    }
    const m = matchOption(spec, a);
    if (!m) {
      if (a.startsWith('-') && a !== '-') return { ok: false, message: `unknown option "${a}" for ${cmd} (see nixmake help ${cmd})`, topic: cmd };
      positional.push(a);
      continue;
    }
    const name = m.option.flags[0] as string;
    if (name === '--help') return { ok: true, command: { command: 'help', topic: cmd } };
    if (!m.option.value) {
      flags.add(name);
      continue;
    }
    const v = m.glued ?? rest[++i];
    if (v === undefined || v === '') {
      const what: Record<string, string> = { '-C': 'a directory', '--prefix': 'a directory', '--from': 'a compile_commands.json file', '--from-cmake': 'a CMake build folder', '--trace': 'a file to write', '-o': 'a file to write', '--patch': 'a patch file' };
      return { ok: false, message: `${a.startsWith('--') ? name : a.slice(0, 2)} needs ${what[name] ?? 'a value'}`, topic: cmd };
    }
    if (name === '--patch') repeated.push(v);
    else values.set(name, v);
  }
  const dir = values.get('-C') ?? '.';
  const bad = (message: string): ParseResult => ({ ok: false, message, topic: cmd });

  switch (spec.name) {
    case 'clean':
      if (positional.length > 0) return bad('clean takes no arguments');
      return { ok: true, command: { command: 'clean', dir } };
    case 'init': {
      const from = values.get('--from');
      const fromCmake = values.get('--from-cmake');
      const force = flags.has('--force');
      if ([from, fromCmake, afterDashes].filter((x) => x !== undefined).length > 1) return bad('init takes one of --from FILE, --from-cmake BUILD_DIR or -- BUILD COMMAND');
      if (fromCmake !== undefined) return { ok: true, command: { command: 'init', dir, force, from: undefined, fromCmake, buildCommand: [] } };
      if (from === undefined && (afterDashes === undefined || afterDashes.length === 0)) return bad('init needs a build command after --, e.g. nixmake init -- make -j2 (or --from compile_commands.json)');
      if (afterDashes === undefined && positional.length > 0) return bad(`unexpected argument "${positional[0]}" (put the build command after --)`);
      return { ok: true, command: { command: 'init', dir, force, from, buildCommand: afterDashes ?? [] } };
    }
    case 'deps':
      return { ok: true, command: { command: 'deps', dir, json: flags.has('--json'), files: positional } };
    case 'log':
      if (positional.length !== 1) return bad('log needs one FILE or TARGET, e.g. nixmake log src/main.c');
      return { ok: true, command: { command: 'log', dir, what: positional[0] as string } };
    case 'compdb':
      return { ok: true, command: { command: 'compdb', dir, output: values.get('-o'), targets: positional } };
    case 'graph':
      return { ok: true, command: { command: 'graph', dir, targets: positional } };
    case 'install': {
      if (positional.length > 0) return bad(`install takes no arguments (got "${positional[0]}")`);
      const j = values.get('-j');
      const jobs = j === undefined ? undefined : wholeNumber('-j', j, 1);
      if (typeof jobs === 'string') return bad(jobs);
      return { ok: true, command: { command: 'install', dir, prefix: values.get('--prefix') ?? '/usr/local', jobs } };
    }
    case 'push': {
      if (positional.length !== 1) return bad('push needs one binary cache URL, e.g. nixmake push file:///srv/nix-cache --sign-key key.sec');
      return { ok: true, command: { command: 'push', dir, url: positional[0] as string, signKey: values.get('--sign-key') } };
    }
    case 'export':
      if (positional.length > 0) return bad(`export takes no arguments (got "${positional[0]}")`);
      return { ok: true, command: { command: 'export', dir, out: values.get('-o'), check: flags.has('--check'), patches: repeated } };
    case 'build':
    case 'watch': {
      const numbers = new Map<string, number | undefined>();
      for (const [flag, min] of [['-j', 1], ['--cores', 0], ['--max-silent-time', 0], ['--timeout', 0]] as const) {
        const v = values.get(flag);
        if (v === undefined) continue;
        const n = wholeNumber(flag, v, min);
        if (typeof n === 'string') return bad(n);
        numbers.set(flag, n);
      }
      const common = {
        dir,
        jobs: numbers.get('-j'),
        keepGoing: flags.has('-k'),
        json: flags.has('--json'),
        explain: flags.has('--explain'),
        printBuildLogs: flags.has('--print-build-logs'),
        quiet: flags.has('--quiet'),
        nix: {
          keepFailed: flags.has('--keep-failed'),
          cores: numbers.get('--cores'),
          maxSilentTime: numbers.get('--max-silent-time'),
          timeout: numbers.get('--timeout'),
          options: nixOptions,
        },
        targets: positional,
      };
      if (cmd === 'watch') return { ok: true, command: { command: 'watch', ...common } };
      const check = flags.has('--check');
      if (check && (flags.has('--dry-run') || positional.length > 0)) return bad('--check checks the whole last build: it takes no targets and no --dry-run');
      return { ok: true, command: { command: 'build', ...common, dryRun: flags.has('--dry-run'), trace: values.get('--trace'), check } };
    }
    default:
      return bad(`unknown command "${cmd}"`);
  }
}

/** The daemon settings a build's options stand for, as nix.conf names them (after nixmake.json's, so they win; `--cores` and the like after `--option`). */
export function nixSettings(o: NixBuildOptions): [string, string][] {
  const s: [string, string][] = o.options.map(([n, v]) => [n, v]);
  if (o.keepFailed) s.push(['keep-failed', 'true']);
  if (o.cores !== undefined) s.push(['cores', String(o.cores)]);
  if (o.maxSilentTime !== undefined) s.push(['max-silent-time', String(o.maxSilentTime)]);
  if (o.timeout !== undefined) s.push(['timeout', String(o.timeout)]);
  return s;
}

