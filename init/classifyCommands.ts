/**
 * classifyCommands: the processes of a recorded build → the build steps
 * that matter to nixmake: compiles, archives, links (executables and shared
 * libraries), symlinks, renames and copies (cp, install, ln), with every
 * path made absolute.
 *
 * Processes started by a compiler driver (cc1, as, collect2, ld) are its own
 * business and are skipped, as are failed processes and preprocessor-only
 * runs. Flags are kept as given except the ones that name outputs or
 * dependency files (-c, -o, -MD, -MF ...), which nixmake supplies itself.
 * Pure: it reads no files.
 */
import path from 'node:path';
import type { Exec } from './readInterceptLog.js';

export interface CompileStep {
  readonly source: string;
  readonly output: string;
  readonly cwd: string;
  /** Flags with output and depfile flags removed; paths as written (relative to cwd). */
  readonly flags: readonly string[];
  readonly order: number;
}

export interface LinkStep {
  readonly kind: 'executable' | 'shared-library';
  readonly output: string;
  readonly cwd: string;
  /** Objects, archives and shared libraries on the command line, absolute, in order. */
  readonly inputs: readonly string[];
  /** -l names, in order. */
  readonly libs: readonly string[];
  /** -L dirs, absolute. */
  readonly libDirs: readonly string[];
  readonly ldflags: readonly string[];
  readonly soname: string | undefined;
  /** Flags that nixmake does not carry over (an rpath into the build tree, say). */
  readonly dropped: readonly string[];
  /**
   * Files the link reads, named by a flag (a version script, a linker
   * script, a dynamic list): each is also in `ldflags` as `flag + path`,
   * with the path absolute.
   */
  readonly scripts: readonly { readonly flag: string; readonly path: string }[];
  /**
   * Archives among `inputs` linked whole (between `--whole-archive` and
   * `--no-whole-archive`, as libtool links a convenience library into a
   * shared one): every member is part of the link. The two flags are
   * not in `ldflags`.
   */
  readonly wholeArchives?: readonly string[];
  readonly order: number;
}

export interface ArchiveStep {
  readonly output: string;
  readonly members: readonly string[];
  readonly order: number;
}

export interface Steps {
  readonly compiles: CompileStep[];
  readonly links: LinkStep[];
  readonly archives: ArchiveStep[];
  /** link path → what it points to (absolute). */
  readonly symlinks: Map<string, string>;
  readonly renames: { readonly from: string; readonly to: string; readonly order: number }[];
  /** `cp`, `install` and hard `ln` steps: `to` is a copy of `from` (or `to` is a folder and the copy is `to/basename(from)`). */
  readonly copies: { readonly from: string; readonly to: string; readonly order: number }[];
}

const DRIVER = /^(?:[\w.-]+-)?(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+)(?:-[\d.]+)?$/;
const LAUNCHER = /^(ccache|sccache|distcc|icecc)$/;
const ARCHIVER = /^(?:[\w.-]+-)?(?:gcc-)?ar(?:-[\d.]+)?$/;
const SOURCE = /\.(c|cc|cpp|cxx|c\+\+|C|m|S|s)$/;
const OBJECT = /\.(o|lo|obj)$/;
const ARCHIVE = /\.a$/;
const SHARED = /\.so(\.\d+)*$/;
/** Options whose value is the next argument. */
const WITH_VALUE = new Set(['-o', '-MF', '-MT', '-MQ', '-I', '-isystem', '-iquote', '-idirafter', '-include', '-imacros', '-D', '-U', '-x', '-L', '-l', '-Xlinker', '-T', '-u', '-z', '--param', '-Xpreprocessor', '-Xassembler', '-aux-info']);
const DEPFILE_FLAGS = new Set(['-MD', '-MMD', '-MP', '-M', '-MM', '-MG']);
/** Linker options naming a file the link reads → their long form. */
const SCRIPT_OPTIONS = new Map([
  ['--version-script', '--version-script'],
  ['-version-script', '--version-script'],
  ['--dynamic-list', '--dynamic-list'],
  ['-dynamic-list', '--dynamic-list'],
  ['-T', '-T'],
  ['--script', '-T'],
  ['-script', '-T'],
]);
/** Driver flags of a link line that change the program made (`-no-pie`: gawk's persistent memory needs fixed addresses). */
const KEPT_LDFLAGS = /^(-pthread|-rdynamic|-fopenmp|-static-libgcc|-static-libstdc\+\+|-flto.*|-fsanitize=.*|-m32|-m64|-no-pie|-pie)$/;

const base = (p: string): string => path.basename(p);

/** Ancestors are found by pid among earlier processes: the latest with that pid, if it had not ended when the child started (pids are reused). */
function underDriver(execs: readonly Exec[]): Set<Exec> {
  const byPid = new Map<number, Exec>();
  const inside = new Set<Exec>();
  for (const e of execs) {
    const parent = byPid.get(e.ppid);
    const alive = parent !== undefined && (parent.ended === undefined || e.order < parent.ended);
    if (parent && alive && (inside.has(parent) || DRIVER.test(base(parent.argv[0] ?? parent.executable)))) inside.add(e);
    byPid.set(e.pid, e);
  }
  return inside;
}

export function classifyCommands(execs: readonly Exec[]): Steps {
  const steps: Steps = { compiles: [], links: [], archives: [], symlinks: new Map(), renames: [], copies: [] };
  const skip = underDriver(execs);
  for (const e of execs) {
    if (skip.has(e) || e.status !== 0) continue;
    // A compiler launcher (ccache cc ..., as compile databases often hold) is looked through.
    const argv = LAUNCHER.test(base(e.argv[0] ?? '')) && e.argv.length > 1 ? e.argv.slice(1) : e.argv;
    const [arg0, ...args] = argv;
    const name = base(arg0 ?? e.executable);
    const abs = (p: string): string => path.resolve(e.cwd, p);
    if (DRIVER.test(name)) driver(e, args, abs, steps);
    else if (ARCHIVER.test(name)) {
      const ops = (args[0] ?? '').replace(/^-/, '');
      if (/[rq]/.test(ops) && args[1] !== undefined) steps.archives.push({ output: abs(args[1]), members: args.slice(2).map(abs), order: e.order });
    } else if (name === 'ln') {
      const plain = args.filter((a) => !a.startsWith('-'));
      if (args.some((a) => /^-\w*s/.test(a) || a === '--symbolic')) {
        // A relative symlink's target is relative to the link's folder, not to where ln ran.
        if (plain.length === 2) steps.symlinks.set(abs(plain[1] as string), path.resolve(path.dirname(abs(plain[1] as string)), plain[0] as string));
      } else if (plain.length === 2) steps.copies.push({ from: abs(plain[0] as string), to: abs(plain[1] as string), order: e.order });
    } else if (name === 'cp' || name === 'install') {
      // install's options that take a value; -d makes folders, -t names the destination folder.
      const valued = name === 'install' ? new Set(['-m', '-o', '-g', '-S', '--mode', '--owner', '--group', '--suffix']) : new Set(['-S', '--suffix']);
      const plain: string[] = [];
      let into: string | undefined;
      for (let i = 0; i < args.length; i++) {
        const a = args[i] as string;
        if (a === '-t') into = args[++i];
        else if (a.startsWith('--target-directory=')) into = a.slice('--target-directory='.length);
        else if (valued.has(a)) i++;
        else if (!a.startsWith('-')) plain.push(a);
        else if (name === 'install' && a === '-d') {
          plain.length = 0;
          break;
        }
      }
      const sources = into !== undefined ? plain : plain.slice(0, -1);
      const dest = into ?? plain[plain.length - 1];
      if (dest !== undefined) {
        const many = sources.length > 1 || into !== undefined;
        for (const src of sources) steps.copies.push({ from: abs(src), to: many ? path.join(abs(dest), base(src)) : abs(dest), order: e.order });
      }
    } else if (name === 'mv') {
      const plain = args.filter((a) => !a.startsWith('-'));
      if (plain.length === 2) steps.renames.push({ from: abs(plain[0] as string), to: abs(plain[1] as string), order: e.order });
    }
  }
  return steps;
}

/**
 * `-Xlinker X` as `-Wl,X`, so that one reading of linker options serves
 * both (a value with a comma, which `-Wl,` would split, stays as it was).
 */
function linkerArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const v = args[i + 1];
    if (a === '-Xlinker' && v !== undefined && !v.includes(',')) {
      out.push(`-Wl,${v}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** ld's options that set a run-time search path: an rpath into the build tree means nothing in the store. */
const RPATH = new Set(['-rpath', '--rpath', '-R']);
const RPATH_WITH_VALUE = /^--?rpath=/;

function driver(e: Exec, argv: readonly string[], abs: (p: string) => string, steps: Steps): void {
  const args = linkerArgs(argv);
  if (args.some((a) => a === '-E' || a === '-S' || a === '-M' || a === '-MM' || a === '--version' || a === '-v' || a.startsWith('-print-') || a.startsWith('-dump'))) return;
  const compile = args.includes('-c');
  let output: string | undefined;
  const sources: string[] = [];
  const inputs: string[] = [];
  const flags: string[] = [];
  const libs: string[] = [];
  const libDirs: string[] = [];
  const ldflags: string[] = [];
  const dropped: string[] = [];
  const scripts: { flag: string; path: string }[] = [];
  const script = (flag: string, file: string): void => {
    scripts.push({ flag, path: abs(file) });
    ldflags.push(`${flag}${abs(file)}`);
  };
  let soname: string | undefined;
  let whole = false;
  const wholeArchives: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const next = (): string => args[++i] ?? '';
    if (a === '-o') output = next();
    else if (a === '-c') continue;
    else if (DEPFILE_FLAGS.has(a)) continue;
    else if (a === '-MF' || a === '-MT' || a === '-MQ') next();
    else if (/^-M[FTQ]./.test(a)) continue;
    else if (a === '-l') libs.push(next());
    else if (a.startsWith('-l')) libs.push(a.slice(2));
    else if (a === '-L') libDirs.push(abs(next()));
    else if (a.startsWith('-L')) libDirs.push(abs(a.slice(2)));
    else if (a.startsWith('-Wl,')) {
      const parts = a.slice(4).split(',');
      const rest: string[] = [];
      // Flags before a script stay before it.
      const flushRest = (): void => {
        if (rest.length > 0) ldflags.push(`-Wl,${rest.splice(0).join(',')}`);
      };
      for (let j = 0; j < parts.length; j++) {
        const p = parts[j] as string;
        if (p === '-soname' || p === '-h') soname = parts[++j] ?? args[++i]?.replace(/^-Wl,/, '');
        else if (p.startsWith('-soname=')) soname = p.slice('-soname='.length);
        else if (SCRIPT_OPTIONS.has(p)) {
          flushRest();
          script(`-Wl,${SCRIPT_OPTIONS.get(p) as string},`, parts[++j] ?? args[++i]?.replace(/^-Wl,/, '') ?? '');
        } else if (/^-?-(version-script|dynamic-list|script)=/.test(p)) {
          flushRest();
          const eq = p.indexOf('=');
          script(`-Wl,${SCRIPT_OPTIONS.get(p.slice(0, eq)) as string},`, p.slice(eq + 1));
        }
        // Its value may be the next part or, split (`-Wl,-rpath -Wl,DIR`, libtool's), the next argument.
        else if (RPATH.has(p)) {
          // Split (`-Wl,-rpath -Wl,DIR[,more]`): the next argument's first part is the value, the rest stays.
          const split = parts[j + 1] === undefined && args[i + 1]?.startsWith('-Wl,') === true ? (args[++i] as string).slice(4).split(',') : [];
          const v = parts[++j] ?? split.shift() ?? '';
          dropped.push(`-Wl,${p},${v}`);
          rest.push(...split);
        }
        else if (RPATH_WITH_VALUE.test(p)) dropped.push(`-Wl,${p}`);
        else if (p === '--whole-archive' || p === '-whole-archive') whole = true;
        else if (p === '--no-whole-archive' || p === '-no-whole-archive') whole = false;
        else rest.push(p);
      }
      if (rest.length > 0) ldflags.push(`-Wl,${rest.join(',')}`);
    } else if (a === '-T') script('-Wl,-T,', next());
    else if (a.startsWith('-T') && a.length > 2 && !compile) script('-Wl,-T,', a.slice(2));
    else if (!a.startsWith('-') && SOURCE.test(a)) sources.push(a);
    else if (!a.startsWith('-') && (OBJECT.test(a) || ARCHIVE.test(a) || SHARED.test(a))) {
      inputs.push(abs(a));
      if (whole && ARCHIVE.test(a)) wholeArchives.push(abs(a));
    }
    else if (WITH_VALUE.has(a)) flags.push(a, next());
    else flags.push(a);
  }
  if (compile) {
    sources.forEach((s) => {
      const out = output !== undefined && sources.length === 1 ? output : `${path.basename(s).replace(/\.[^.]+$/, '')}.o`;
      steps.compiles.push({ source: abs(s), output: abs(out), cwd: e.cwd, flags, order: e.order });
    });
    return;
  }
  // Compile and link in one command: each source becomes a compile to a virtual object.
  for (const s of sources) {
    const obj = abs(`${s}.nixmake-init.o`);
    steps.compiles.push({ source: abs(s), output: obj, cwd: e.cwd, flags, order: e.order });
    inputs.push(obj);
  }
  if (inputs.length === 0) return;
  for (const f of flags) if (KEPT_LDFLAGS.test(f) && !ldflags.includes(f)) ldflags.push(f);
  const shared = flags.includes('-shared');
  steps.links.push({
    kind: shared ? 'shared-library' : 'executable',
    output: abs(output ?? 'a.out'),
    cwd: e.cwd,
    inputs,
    libs,
    libDirs,
    ldflags,
    soname,
    dropped,
    scripts,
    ...(wholeArchives.length > 0 ? { wholeArchives } : {}),
    order: e.order,
  });
}
