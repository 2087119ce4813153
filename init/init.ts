/**
 * init: `nixmake init -- BUILD COMMAND...` runs the project's own build once
 * under `bear intercept`, reads every process it ran, infers the targets and
 * writes nixmake.json; `nixmake init --from compile_commands.json` proposes
 * targets from a compile database instead, and `--from-cmake BUILD_DIR`
 * reads CMake's own code model (File API: a query file, then cmake re-run).
 *
 * It refuses to overwrite an existing nixmake.json (unless `force`), and
 * reports what it inferred and what it could not map as events.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE } from '../config/Config.js';
import { isInside } from '../config/isInside.js';
import { parseConfig } from '../config/parseConfig.js';
import { UserError } from '../core/Diagnostic.js';
import { makeDpkgLookup } from '../toolchain/dpkgLookup.js';
import { classifyCommands } from './classifyCommands.js';
import { CMAKE_QUERY, fromCmake } from './fromCmake.js';
import { fromCompileCommands } from './fromCompileCommands.js';
import { inferConfig } from './inferConfig.js';
import type { ObjectSymbols } from './librariesNeeded.js';
import { recordGenerators } from './recordGenerators.js';
import type { RecordedGenerators } from './recordGenerators.js';
import type { Inferred } from './inferConfig.js';
import { readInterceptLog } from './readInterceptLog.js';

export interface InitOptions {
  readonly root: string;
  readonly command: readonly string[];
  readonly from: string | undefined;
  /** A configured CMake build folder (relative to the root or absolute): its File API code model is read. */
  readonly fromCmake?: string | undefined;
  readonly force: boolean;
}

export interface InitResult extends Inferred {
  readonly file: string;
}

function record(root: string, command: readonly string[]): string {
  const log = path.join(root, '.nixmake', 'init-events.json');
  fs.mkdirSync(path.dirname(log), { recursive: true });
  fs.rmSync(log, { force: true });
  const r = spawnSync('bear', ['intercept', '--output', log, '--', ...command], { cwd: root, stdio: ['inherit', 'inherit', 'inherit'] });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError('bear is not installed: apt-get install bear (scripts/setup.sh installs it)');
  if (r.status !== 0) throw new UserError(`the build command failed (exit ${r.status ?? r.signal}): ${command.join(' ')}; nixmake.json was not written`);
  return fs.readFileSync(log, 'utf8');
}

/** An object file's global symbols (`nm -P -g`), or undefined when it is not there or nm cannot read it. */
function objectSymbols(object: string): ObjectSymbols | undefined {
  if (!fs.existsSync(object)) return undefined;
  const r = spawnSync('nm', ['-P', '-g', object], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) return undefined;
  const defined: string[] = [];
  const undefinedSyms: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const [name, type] = line.split(' ');
    if (name === undefined || type === undefined || name === '') continue;
    if (type === 'U') undefinedSyms.push(name);
    else if (type !== 'w' && type !== 'v') defined.push(name);
  }
  return { defined, undefined: undefinedSyms };
}

/** dpkg's answers for `hostPackages`, on a Debian host (none elsewhere). */
function hostPackageLookup(): ReturnType<typeof makeDpkgLookup> | undefined {
  if (spawnSync('dpkg-query', ['--version']).status !== 0) return undefined;
  const target = spawnSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).stdout?.trim();
  return makeDpkgLookup(target || 'x86_64-linux-gnu');
}

/** Asks CMake for its code model (a query file, then `cmake BUILD_DIR` again) and reads it. */
function fromCmakeBuild(root: string, buildDir: string): Inferred {
  if (!fs.existsSync(path.join(buildDir, 'CMakeCache.txt'))) throw new UserError(`${buildDir} is not a configured CMake build folder (no CMakeCache.txt); run cmake -S . -B ${path.relative(root, buildDir) || '.'} first`);
  const query = path.join(buildDir, CMAKE_QUERY);
  fs.mkdirSync(path.dirname(query), { recursive: true });
  fs.writeFileSync(query, '');
  const r = spawnSync('cmake', [buildDir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError('cmake is not installed (apt-get install cmake)');
  if (r.status !== 0) throw new UserError(`cmake ${buildDir} failed (exit ${r.status ?? r.signal}); nixmake.json was not written`);
  let model: ReturnType<typeof fromCmake>;
  try {
    model = fromCmake(buildDir, (rel) => fs.readdirSync(path.join(buildDir, rel)), (rel) => fs.readFileSync(path.join(buildDir, rel), 'utf8'));
  } catch (err) {
    throw new UserError(`${path.relative(root, buildDir) || buildDir}: ${(err as Error).message}`);
  }
  // Nothing was built: every output CMake describes counts; host files (a -l's library) must exist.
  const inferred = inferConfig(model.steps, root, (p) => isInside(root, p) || isInside(buildDir, p) || fs.existsSync(p), hostPackageLookup(), model.names);
  return { ...inferred, notes: [`read CMake's code model of ${path.relative(root, buildDir) || '.'} (File API)`, ...model.notes, ...inferred.notes] };
}

export function init(opts: InitOptions): InitResult {
  const file = path.join(opts.root, CONFIG_FILE);
  if (fs.existsSync(file) && !opts.force) throw new UserError(`${CONFIG_FILE} already exists in ${opts.root}; use --force to replace it`);
  let inferred: Inferred;
  if (opts.fromCmake !== undefined) {
    inferred = fromCmakeBuild(opts.root, path.resolve(opts.root, opts.fromCmake));
  } else if (opts.from !== undefined) {
    const db = path.resolve(opts.root, opts.from);
    let guessed: Inferred;
    try {
      guessed = fromCompileCommands(fs.readFileSync(db, 'utf8'), opts.root, { read: (p) => fs.readFileSync(p, 'utf8'), exists: (p) => fs.existsSync(p), symbols: objectSymbols });
    } catch (err) {
      throw new UserError(`${opts.from}: ${(err as Error).message}`);
    }
    // A CMake build folder describes its real targets: say so rather than only guess.
    const cmakeDir = path.dirname(db);
    const hint = fs.existsSync(path.join(cmakeDir, 'CMakeCache.txt')) ? [`${opts.from} is CMake's: nixmake init --from-cmake ${path.relative(opts.root, cmakeDir) || '.'} reads CMake's own targets instead of guessing them`] : [];
    inferred = { ...guessed, notes: [...hint, ...guessed.notes] };
  } else {
    if (opts.command.length === 0) throw new UserError('nixmake init needs a build command after --, e.g. nixmake init -- make -j2');
    const { execs, errors } = readInterceptLog(record(opts.root, opts.command));
    if (errors.length > 0) throw new UserError(`bear's log could not be read: ${errors[0]}`);
    const steps = classifyCommands(execs);
    inferred = withGenerators(inferConfig(steps, opts.root, (p) => fs.existsSync(p), hostPackageLookup()), recordGenerators(execs, opts.root, new Set(steps.compiles.map((c) => c.source))));
  }
  const targets = inferred.config['targets'] as Record<string, unknown>;
  if (Object.keys(targets).length === 0) throw new UserError('no compile, archive or link step of the project was found in the build');
  const text = `${JSON.stringify(inferred.config, null, 2)}\n`;
  const check = parseConfig(text, opts.root);
  if (!check.ok) throw new UserError(`internal: the inferred config does not validate: ${check.errors.map((e) => e.message).join('; ')}`);
  fs.writeFileSync(file, text);
  return { ...inferred, file };
}

/** The recorded parsers as `generators`, with the packages they need added to `hostPackages`. */
function withGenerators(inferred: Inferred, g: RecordedGenerators): Inferred {
  if (Object.keys(g.generators).length === 0) return { ...inferred, notes: [...inferred.notes, ...g.notes] };
  const hostPackages = [...new Set([...((inferred.config['hostPackages'] as string[] | undefined) ?? []), ...g.hostPackages])].sort();
  const { targets, ...rest } = inferred.config;
  return { ...inferred, config: { ...rest, hostPackages, generators: g.generators, targets }, notes: [...inferred.notes, ...g.notes] };
}
