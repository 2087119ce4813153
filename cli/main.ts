/**
 * main: the command line. Parses arguments, wires the real store, memo and
 * reporters into the engine, and maps outcomes to exit codes: 0 success,
 * 1 failure, 130 interrupted. Ctrl-C cancels the builds in flight.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK } from '../engine/build.js';
import { environmentFault, faultDiagnostic } from '../engine/faults.js';
import { clean } from '../engine/clean.js';
import { deps } from '../engine/deps.js';
import { formatDiagnostic, UserError } from '../core/Diagnostic.js';
import { DaemonStore } from '../store/DaemonStore.js';
import { daemonSocketPath } from '../store/daemonAddress.js';
import { readClientSettings } from '../store/nixConfig.js';
import { JsonReporter } from '../reporters/JsonReporter.js';
import type { Output, Reporter } from '../reporters/Reporter.js';
import { processOutput } from '../reporters/Reporter.js';
import { TerminalReporter } from '../reporters/TerminalReporter.js';
import { escapeControl, escapeJsonControl } from '../reporters/escapeControl.js';
import { init } from '../init/init.js';
import { parseArgs, USAGE } from './parseArgs.js';
import { watch } from './watch.js';

function version(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: readonly string[], output: Output = processOutput): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    output.err(`nixmake: ${parsed.message}\n\n${USAGE}`);
    return EXIT_FAILURE;
  }
  const cmd = parsed.command;
  switch (cmd.command) {
    case 'help':
      output.out(USAGE);
      return EXIT_OK;
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
        const r = init({ root: path.resolve(cmd.dir), command: cmd.buildCommand, from: cmd.from, force: cmd.force });
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
    case 'deps': {
      const reporter = cmd.json ? new JsonReporter(output) : new TerminalReporter(output, { explain: false });
      const root = path.resolve(cmd.dir);
      let r: Awaited<ReturnType<typeof deps>>;
      try {
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
      for (const e of r.errors) output.err(`${escapeControl(formatDiagnostic(e))}\n`);
      return r.errors.length > 0 ? EXIT_FAILURE : EXIT_OK;
    }
    case 'watch':
      return watch(cmd, output);
    case 'build': {
      const reporter: Reporter = cmd.json ? new JsonReporter(output) : new TerminalReporter(output, { explain: cmd.explain });
      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = (): void => {
        interrupts++;
        if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
        output.err('nixmake: interrupted; cancelling builds in flight\n');
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const root = path.resolve(cmd.dir);
        const jobs = cmd.jobs ?? os.availableParallelism();
        return await build(
          {
            root,
            jobs,
            keepGoing: cmd.keepGoing,
            targets: cmd.targets,
            dryRun: cmd.dryRun,
            signal: controller.signal,
          },
          {
            emit: (e) => reporter.event(e),
            // One connection per job slot, plus two for adds, queries and roots (outside the slots).
            // What the daemon says of our settings (an option it ignores for an untrusted user) becomes a warning.
            store: (config) =>
              new DaemonStore(daemonSocketPath(), readClientSettings(process.env, new Map(Object.entries(config.nix.options))), jobs + 2, (message) =>
                reporter.event({ event: 'diagnostic', diagnostic: { severity: 'warning', message } }),
              ),
          },
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }
  }
}
