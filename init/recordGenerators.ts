/**
 * recordGenerators: bison and yacc runs of a recorded build → `generators`
 * entries, for the parsers a compile of the build then read. Their outputs
 * follow from the arguments (`bison -d x.y` writes `x.tab.c` and
 * `x.tab.h` in its folder; `-o`, `--defines=`, `-b`, yacc's `y.tab.c`),
 * so each command is written back with its outputs named (`-o`,
 * `--defines=`) and every path relative to the project root, where a
 * generator runs. Debian's `yacc` (a script running `bison -y`) becomes
 * `bison -y`; a bison started by another recorded generator (yacc's) is
 * that generator's; the same command run twice (parallel makes) is one
 * generator. They need `bison` and `m4` in `hostPackages`.
 *
 * It does not trace what other processes write: a script or a program the
 * build ran to write a file is not recognised (its outputs are not in its
 * arguments), and stays an ordinary input. Pure.
 */
import path from 'node:path';
import type { Exec } from './readInterceptLog.js';

export interface RecordedGenerator {
  readonly command: readonly string[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface RecordedGenerators {
  /** name → generator, as nixmake.json's `generators` takes it. */
  readonly generators: Record<string, RecordedGenerator>;
  /** What the generators need in `hostPackages`. */
  readonly hostPackages: readonly string[];
  readonly notes: readonly string[];
}

const BISON = /^(?:bison|yacc|byacc)(?:\.yacc)?$/;
/** Short options whose value may be the next argument. */
const SHORT_WITH_VALUE = new Set(['-o', '-b', '-p', '-S', '-L', '-M', '-D', '-F']);
/** Grammar extension → the parser's (its header's: `c` → `h`, as bison names it). */
const EXTENSIONS: Readonly<Record<string, string>> = { '.y': '.c', '.yy': '.cc', '.ypp': '.cpp', '.yxx': '.cxx', '.y++': '.c++' };

interface Parsed {
  readonly input: string;
  readonly parser: string;
  readonly header: string | undefined;
  /** Options kept as recorded (those that name no output). */
  readonly kept: readonly string[];
}

/** One bison/yacc argv (run in `cwd`) → its grammar and outputs, absolute; undefined when it has no grammar. */
export function parseBison(argv: readonly string[], cwd: string): Parsed | undefined {
  const yacc = /yacc/.test(path.basename(argv[0] ?? ''));
  let output: string | undefined;
  let prefix: string | undefined;
  let header: string | boolean = false;
  let yaccMode = yacc;
  let input: string | undefined;
  const kept: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string | undefined => (a.length > 2 && !a.startsWith('--') ? a.slice(2) : argv[++i]);
    if (a === '-d' || a === '--defines' || a === '--header' || a === '-H') header = true;
    else if (a.startsWith('--defines=') || a.startsWith('--header=')) header = a.slice(a.indexOf('=') + 1);
    else if (a.startsWith('-H') && a.length > 2) header = a.slice(2);
    else if (a === '--output' || a === '--file-prefix') (a === '--output' ? (output = argv[++i]) : (prefix = argv[++i]));
    else if (a.startsWith('--output=')) output = a.slice('--output='.length);
    else if (a.startsWith('--file-prefix=')) prefix = a.slice('--file-prefix='.length);
    else if (a.startsWith('-o')) output = value();
    else if (a.startsWith('-b')) prefix = value();
    else if (a === '-y' || a === '--yacc') {
      yaccMode = true;
      kept.push(a);
    } else if (SHORT_WITH_VALUE.has(a.slice(0, 2)) && a.startsWith('-') && !a.startsWith('--')) {
      kept.push(a);
      if (a.length === 2 && i + 1 < argv.length) kept.push(argv[++i] as string);
    } else if (a.startsWith('-') && a !== '-') kept.push(a);
    else input = a;
  }
  if (input === undefined) return undefined;
  const ext = path.extname(input);
  const cExt = EXTENSIONS[ext] ?? '.c';
  const base = yaccMode && prefix === undefined ? 'y' : prefix ?? path.basename(input, ext);
  const parser = path.resolve(cwd, output ?? `${base}.tab${cExt}`);
  const headerPath =
    typeof header === 'string' ? path.resolve(cwd, header) : header ? headerOf(parser) : undefined;
  return { input: path.resolve(cwd, input), parser, header: headerPath, kept: yacc ? ['-y', ...kept] : kept };
}

/** bison's header for a parser file: its extension with every `c` made `h` (`.cc` → `.hh`, `.cpp` → `.hpp`). */
function headerOf(parser: string): string {
  const ext = path.extname(parser);
  return parser.slice(0, parser.length - ext.length) + ext.replace(/c/g, 'h').replace(/C/g, 'H');
}

export function recordGenerators(execs: readonly Exec[], root: string, compiled: ReadonlySet<string>): RecordedGenerators {
  const notes: string[] = [];
  const generators: Record<string, RecordedGenerator> = {};
  const rel = (p: string): string | undefined => {
    const r = path.relative(root, p);
    return r === '' || r.startsWith('..') || path.isAbsolute(r) ? undefined : r.split(path.sep).join('/');
  };
  const isGenerator = (e: Exec): boolean => BISON.test(path.basename(e.executable)) || BISON.test(path.basename(e.argv[0] ?? ''));
  const generatorPids = new Set(execs.filter((e) => e.status === 0 && isGenerator(e)).map((e) => e.pid));
  const seen = new Set<string>();
  for (const e of [...execs].sort((a, b) => a.order - b.order)) {
    if (e.status !== 0 || !isGenerator(e) || generatorPids.has(e.ppid)) continue;
    const p = parseBison(e.argv, e.cwd);
    if (!p) continue;
    const [input, parser, header] = [rel(p.input), rel(p.parser), p.header === undefined ? undefined : rel(p.header)];
    const shown = e.argv.join(' ');
    if (input === undefined || parser === undefined || (p.header !== undefined && header === undefined)) {
      notes.push(`${shown}: its grammar or outputs are outside the project; left out of generators`);
      continue;
    }
    if (!compiled.has(p.parser)) {
      notes.push(`${shown}: no compile of the build read ${parser}; left out of generators`);
      continue;
    }
    const command = ['bison', ...p.kept, '-o', parser, ...(header === undefined ? [] : [`--defines=${header}`]), input];
    const key = JSON.stringify(command);
    if (seen.has(key)) continue;
    seen.add(key);
    let name = `parser-${path.basename(input, path.extname(input)).replace(/[^A-Za-z0-9_.+-]/g, '_')}`;
    for (let k = 2; generators[name] !== undefined; k++) name = `${name.replace(/-\d+$/, '')}-${k}`;
    generators[name] = { command, inputs: [input], outputs: header === undefined ? [parser] : [parser, header] };
  }
  return { generators, hostPackages: Object.keys(generators).length > 0 ? ['bison', 'm4'] : [], notes };
}
