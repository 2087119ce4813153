/**
 * main: the command line. Parses arguments, wires the real store, memo and
 * reporters into the engine (text or JSON, a status line on a terminal, a
 * trace with --trace), prints what the read-only commands (deps, log,
 * compdb, graph, help) answer, and maps outcomes to exit codes: 0 success,
 * 1 failure, 130 interrupted. Ctrl-C cancels the builds in flight.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK } from '../engine/build.js';
import { environmentFault, faultDiagnostic } from '../engine/faults.js';
import { clean } from '../engine/clean.js';
import type { Diagnostic } from '../core/Diagnostic.js';
import type { BuildEvent } from '../engine/events.js';
import { formatDiagnostic, UserError } from '../core/Diagnostic.js';
import { DaemonStore } from '../store/DaemonStore.js';
import { NixCommandError, StoreUnavailableError } from '../store/NixStore.js';
import { daemonSocketPath } from '../store/daemonAddress.js';
import { readClientSettings } from '../store/nixConfig.js';
import { JsonReporter } from '../reporters/JsonReporter.js';
import type { Output, Reporter } from '../reporters/Reporter.js';
import { processOutput } from '../reporters/Reporter.js';
import { TerminalReporter } from '../reporters/TerminalReporter.js';
import { TraceReporter } from '../reporters/TraceReporter.js';
import { escapeControl, escapeJsonControl, escapeLog } from '../reporters/escapeControl.js';
import { helpFor, USAGE } from './help.js';
import type { BuildCommand, CompdbCommand, GraphCommand, InstallCommand, LogCommand, PushCommand } from './parseArgs.js';
import { parseArgs } from './parseArgs.js';
import { buildStore, CHECK_NEEDS_LOCAL, remoteBuildersOrSay } from './remoteBuilders.js';
import type { RemoteBuilders } from './remoteBuilders.js';
// The commands other than build are loaded when they run: every build pays for what it imports.

function version(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: readonly string[], output: Output = processOutput): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    output.err(`nixmake: ${parsed.message}\n\n${(parsed.topic !== undefined ? helpFor(parsed.topic) : undefined) ?? USAGE}`);
    return EXIT_FAILURE;
  }
  const cmd = parsed.command;
  switch (cmd.command) {
    case 'help':
      output.out((cmd.topic !== undefined ? helpFor(cmd.topic) : undefined) ?? USAGE);
      return EXIT_OK;
    case 'log':
    case 'compdb':
    case 'graph':
      return readOnlyCommand(cmd, output);
    case 'version':
      output.out(`nixmake ${version()}\n`);
      return EXIT_OK;
    case 'clean': {
      let r: ReturnType<typeof clean>;
      try {
        r = clean(path.resolve(cmd.dir));
      } catch (err) {
        const fault = environmentFault(err, path.resolve(cmd.dir));
        if (!fault) throw err;
        output.err(`${escapeControl(formatDiagnostic(faultDiagnostic(fault, path.resolve(cmd.dir))))}\n`);
        return EXIT_FAILURE;
      }
      output.out(`nixmake: removed ${r.resultLinks} result link(s), ${r.gcRoots} GC root(s) and the memo\n`);
      return EXIT_OK;
    }
    case 'init': {
      try {
        const { init } = await import('../init/init.js');
        const r = init({ root: path.resolve(cmd.dir), command: cmd.buildCommand, from: cmd.from, fromCmake: cmd.fromCmake, force: cmd.force });
        // Notes quote file names and recorded commands: escaped, like every name nixmake prints.
        for (const n of r.notes) output.out(`nixmake init: ${escapeControl(n)}\n`);
        for (const u of r.unmapped) output.err(`nixmake init: could not map: ${escapeControl(u)}\n`);
        output.out(`nixmake init: wrote ${escapeControl(r.file)} (${Object.keys(r.config['targets'] as object).length} targets); next: nixmake build -C ${escapeControl(cmd.dir)}\n`);
        return EXIT_OK;
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        output.err(`nixmake init: error: ${escapeControl(err.message)}\n`);
        return EXIT_FAILURE;
      }
    }
    case 'export': {
      const reporter = new TerminalReporter(output, { explain: false });
      const root = path.resolve(cmd.dir);
      try {
        const { DEFAULT_EXPORT_DIR, exportProject } = await import('../engine/exportProject.js');
        const jobs = os.availableParallelism();
        const emit = (e: BuildEvent): void => reporter.event(e);
        const r = await exportProject(
          { root, out: cmd.out ?? DEFAULT_EXPORT_DIR, check: cmd.check, patches: cmd.patches },
          {
            emit,
            jobs,
            signal: new AbortController().signal,
            // A project with generators has them built first (as build's first rounds): the same store as build's.
            store: (config) =>
              new DaemonStore(daemonSocketPath(), readClientSettings(process.env, new Map(Object.entries(config.nix.options))), jobs + 2, (message) =>
                emit({ event: 'diagnostic', diagnostic: { severity: 'warning', message } }),
              ),
          },
        );
        if (!r.ok) return EXIT_FAILURE;
        const where = escapeControl(path.relative(process.cwd(), r.outDir) || '.');
        if (cmd.check) {
          for (const s of r.stale) output.err(`nixmake export: ${escapeControl(s)}\n`);
          if (r.stale.length > 0) {
            output.err(`nixmake export: ${where} is out of date; run nixmake export again\n`);
            return EXIT_FAILURE;
          }
          output.out(`nixmake export: ${where} is current\n`);
          return EXIT_OK;
        }
        for (const c of r.copied) {
          output.out(`nixmake export: ${r.patched.includes(c) ? 'patched' : 'copied'} ${escapeControl(c)}${r.patched.includes(c) ? '' : ' (not tracked by git, or a symbolic link)'}\n`);
        }
        output.out(`nixmake export: wrote ${where}/default.nix (${r.generators > 0 ? `${r.generators} generator${r.generators === 1 ? '' : 's'}, ` : ''}${r.targets} targets, ${r.objects} objects); next: nix-build ${where} -A all\n`);
        return EXIT_OK;
      } catch (err) {
        const fault = environmentFault(err, root);
        if (fault) {
          reporter.event({ event: 'diagnostic', diagnostic: faultDiagnostic(fault, root) });
          return EXIT_FAILURE;
        }
        if (!(err instanceof UserError) && !(err instanceof NixCommandError) && !(err instanceof StoreUnavailableError)) throw err;
        reporter.event({ event: 'diagnostic', diagnostic: { severity: 'error', message: err.message } });
        return EXIT_FAILURE;
      }
    }
    case 'deps': {
      const reporter = cmd.json ? new JsonReporter(output) : new TerminalReporter(output, { explain: false });
      const root = path.resolve(cmd.dir);
      let r: Awaited<ReturnType<typeof import('../engine/deps.js').deps>>;
      try {
        const { deps } = await import('../engine/deps.js');
        r = await deps(root, cmd.files, (e) => reporter.event(e));
      } catch (err) {
        const fault = environmentFault(err, root);
        if (fault) {
          reporter.event({ event: 'diagnostic', diagnostic: faultDiagnostic(fault, root) });
          return EXIT_FAILURE;
        }
        if (!(err instanceof UserError)) throw err;
        reporter.event({ event: 'diagnostic', diagnostic: { severity: 'error', message: err.message } });
        return EXIT_FAILURE;
      }
      if (!r) return EXIT_FAILURE;
      for (const t of r.tus) {
        if (cmd.json) {
          output.out(`${escapeJsonControl(JSON.stringify({ tu: t.tu, target: t.target, headers: t.headers, system: t.system, notes: t.notes }))}\n`);
        } else {
          // File names and notes come from the tree: a newline or ESC in one must not forge or drive the terminal.
          output.out(`${escapeControl(t.tu)} (${escapeControl(t.target)}):\n`);
          for (const h of t.headers) output.out(`  ${escapeControl(h)}\n`);
          for (const s of t.system) output.out(`  [system] ${escapeControl(s)}\n`);
          for (const n of t.notes) output.out(`  note: ${escapeControl(`${n.file}:${n.line}:${n.column}: ${n.message}`)}\n`);
        }
      }
      for (const w of r.warnings) output.err(`${escapeControl(formatDiagnostic(w))}\n`);
      return EXIT_OK;
    }
    case 'watch':
      return (await import('./watch.js')).watch(cmd, output);
    case 'install':
      return installCommand(cmd, output);
    case 'push':
      return pushCommand(cmd, output);
    case 'build':
      return buildCommand(cmd, output);
  }
}

/** An error a read-only command met: a fault of the machine or a user error as a diagnostic, else undefined (a bug). */
function expectedFailure(err: unknown, root: string): Diagnostic | undefined {
  const fault = environmentFault(err, root);
  if (fault) return faultDiagnostic(fault, root);
  if (err instanceof UserError || err instanceof StoreUnavailableError || err instanceof NixCommandError) return { severity: 'error', message: err.message };
  return undefined;
}

/** `log`, `compdb` and `graph`: they read the project (compdb may import the toolchain) and print; they build nothing. */
async function readOnlyCommand(cmd: LogCommand | CompdbCommand | GraphCommand, output: Output): Promise<number> {
  const root = path.resolve(cmd.dir);
  let failed = false;
  const diag = (d: Diagnostic): void => {
    if (d.severity === 'error') failed = true;
    output.err(`${escapeControl(formatDiagnostic(d))}\n`);
  };
  try {
    if (cmd.command === 'log') {
      const { nodeLog } = await import('../engine/nodeLog.js');
      const r = nodeLog(root, cmd.what);
      r.errors.forEach(diag);
      for (const l of r.logs) {
        if (r.logs.length > 1) output.out(`==> ${escapeControl(l.label)} (target ${escapeControl(l.target)}) <==\n`);
        if (l.log === '') output.err(`nixmake: the last build of ${escapeControl(l.label)}${r.logs.length > 1 ? ` (target ${escapeControl(l.target)})` : ''} printed nothing\n`);
        else output.out(escapeLog(l.log.endsWith('\n') ? l.log : `${l.log}\n`));
      }
      return failed || r.logs.length === 0 ? EXIT_FAILURE : EXIT_OK;
    }
    if (cmd.command === 'graph') {
      const { graph } = await import('../engine/graph.js');
      const dot = graph(root, cmd.targets, diag);
      if (dot === undefined) return EXIT_FAILURE;
      output.out(dot);
      return EXIT_OK;
    }
    const { compdb } = await import('../engine/compdb.js');
    const entries = await compdb(root, cmd.targets, diag);
    if (entries === undefined) return EXIT_FAILURE;
    const json = `${escapeJsonControl(JSON.stringify(entries, null, 2))}\n`;
    const file = cmd.output;
    if (file === undefined) output.out(json);
    else {
      fs.writeFileSync(file, json);
      output.err(`nixmake compdb: wrote ${escapeControl(file)} (${entries.length} entries)\n`);
    }
    return EXIT_OK;
  } catch (err) {
    const d = expectedFailure(err, root);
    if (!d) throw err;
    diag(d);
    return EXIT_FAILURE;
  }
}

/** `install`: a build of every target, then the layout under the prefix (engine/installProject). */
async function installCommand(cmd: InstallCommand, output: Output): Promise<number> {
  const nix = { keepFailed: false, cores: undefined, maxSilentTime: undefined, timeout: undefined, options: [] };
  const built = await buildCommand(
    { command: 'build', dir: cmd.dir, jobs: cmd.jobs, keepGoing: false, json: false, explain: false, dryRun: false, printBuildLogs: false, quiet: false, nix, trace: undefined, check: false, targets: [] },
    output,
  );
  if (built !== EXIT_OK) return built;
  const root = path.resolve(cmd.dir);
  const diag = (d: Diagnostic): void => output.err(`${escapeControl(formatDiagnostic(d))}\n`);
  try {
    const { loadConfig } = await import('../config/loadConfig.js');
    const { applyInstall, planInstall } = await import('../engine/installProject.js');
    const config = loadConfig(root, diag);
    if (!config) return EXIT_FAILURE;
    const prefix = path.resolve(cmd.prefix);
    const plan = planInstall(config, prefix, (t) => {
      try {
        return fs.readlinkSync(path.join(root, `result-${t}`));
      } catch {
        return undefined;
      }
    });
    plan.errors.forEach(diag);
    if (plan.errors.length > 0) return EXIT_FAILURE;
    const n = applyInstall(plan.ops);
    output.out(`nixmake install: installed ${n} files and links under ${escapeControl(prefix)}\n`);
    return EXIT_OK;
  } catch (err) {
    const d = expectedFailure(err, root);
    if (!d) throw err;
    diag(d);
    return EXIT_FAILURE;
  }
}

async function pushCommand(cmd: PushCommand, output: Output): Promise<number> {
  const root = path.resolve(cmd.dir);
  const store = new DaemonStore(daemonSocketPath(), readClientSettings(process.env), 2, (m) => output.err(`nixmake push: warning: ${escapeControl(m)}\n`));
  try {
    const { push } = await import('../engine/push.js');
    const r = await push({ root, url: cmd.url, signKey: cmd.signKey }, store);
    const mib = (r.bytes / (1024 * 1024)).toFixed(1);
    output.out(
      `nixmake push: ${r.outputs} outputs of the last build, ${r.paths} store paths with their references: wrote ${r.written} (${mib} MiB), ` +
        `${r.paths - r.written} were there already, to ${escapeControl(r.cacheDir)}\n`,
    );
    if (r.publicKey !== undefined) {
      output.out(`nixmake push: signed; another machine fetches with: nixmake build --option substituters ${escapeControl(cmd.url)} --option trusted-public-keys ${escapeControl(r.publicKey)}\n`);
    } else {
      output.err('nixmake push: warning: unsigned (no --sign-key): a Nix store substitutes these input-addressed paths only with require-sigs = false\n');
    }
    return EXIT_OK;
  } catch (err) {
    const d = expectedFailure(err, root);
    if (!d) throw err;
    output.err(`${escapeControl(formatDiagnostic(d))}\n`);
    return EXIT_FAILURE;
  } finally {
    store.close();
  }
}

/** `build --check`: the last build's nodes rebuilt in Nix's check mode; 1 when one differs or fails to rebuild. */
async function checkCommand(cmd: BuildCommand, reporter: Reporter, jobs: number, remote: RemoteBuilders, signal: AbortSignal): Promise<number> {
  const root = path.resolve(cmd.dir);
  try {
    const { checkBuild } = await import('../engine/checkBuild.js');
    const r = await checkBuild(
      { root, jobs, signal },
      {
        emit: (e) => reporter.event(e),
        // keep-failed: a rebuild that differs is kept at <out>.check, so its NAR hash can be reported.
        store: () => buildStore({ ...cmd.nix, keepFailed: true }, {}, jobs, 1, (message) => reporter.event({ event: 'diagnostic', diagnostic: { severity: 'warning', message } }), remote),
      },
    );
    if (r.interrupted) return EXIT_INTERRUPTED;
    return r.notReproducible + r.failed > 0 ? EXIT_FAILURE : EXIT_OK;
  } catch (err) {
    if (signal.aborted) return EXIT_INTERRUPTED;
    const d = expectedFailure(err, root);
    if (!d) throw err;
    reporter.event({ event: 'diagnostic', diagnostic: d });
    return EXIT_FAILURE;
  }
}

async function buildCommand(cmd: BuildCommand, output: Output): Promise<number> {
  const remote = remoteBuildersOrSay(cmd.nix, (text) => output.err(text));
  if (!remote) return EXIT_FAILURE;
  // --check rebuilds here only: the builders' slots are not its.
  const jobs = cmd.jobs ?? (cmd.check ? os.availableParallelism() : remote.defaultJobs);
  const terminal = cmd.json ? undefined : output.terminal;
  const text = cmd.json
    ? undefined
    : new TerminalReporter(output, {
        explain: cmd.explain,
        printBuildLogs: cmd.printBuildLogs,
        quiet: cmd.quiet,
        statusLine: terminal ? { jobs, width: () => terminal.columns() } : undefined,
      });
  const reporter: Reporter = text ?? new JsonReporter(output, { printBuildLogs: cmd.printBuildLogs });
  const trace = cmd.trace !== undefined ? new TraceReporter() : undefined;
  const emit: Reporter['event'] = (e) => {
    reporter.event(e);
    trace?.event(e);
  };
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    text?.close();
    output.err('nixmake: interrupted; cancelling builds in flight\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code: number;
  try {
    const root = path.resolve(cmd.dir);
    if (cmd.check && remote.allRemote) {
      reporter.event({ event: 'diagnostic', diagnostic: { severity: 'error', message: CHECK_NEEDS_LOCAL } });
      return EXIT_FAILURE;
    }
    if (cmd.check) return await checkCommand(cmd, reporter, jobs, remote, controller.signal);
    const unused = remote.warningFor(jobs);
    if (unused !== undefined) emit({ event: 'diagnostic', diagnostic: { severity: 'warning', message: unused } });
    code = await build(
      {
        root,
        jobs,
        keepGoing: cmd.keepGoing,
        targets: cmd.targets,
        dryRun: cmd.dryRun,
        signal: controller.signal,
      },
      {
        emit,
        // One connection per job slot, plus two for adds, queries and roots (outside the slots).
        // The command line's Nix options come after nixmake.json's, so they win.
        // What the daemon says of our settings (an option it ignores for an untrusted user) becomes a warning.
        store: (config) => buildStore(cmd.nix, config.nix.options, jobs, 2, (message) => emit({ event: 'diagnostic', diagnostic: { severity: 'warning', message } }), remote),
      },
    );
  } finally {
    text?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (trace && cmd.trace !== undefined) {
    try {
      fs.writeFileSync(cmd.trace, `${JSON.stringify(trace.trace())}\n`);
    } catch (err) {
      output.err(`nixmake: error: could not write the trace to ${escapeControl(cmd.trace)}: ${escapeControl((err as Error).message)}; check that its folder exists and is writable\n`);
      return code === EXIT_OK ? EXIT_FAILURE : code;
    }
  }
  return code;
}
