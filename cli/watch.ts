/**
 * watch: the `nixmake watch` command. Wires the same reporters and the same
 * daemon store as `build` (a pool of connections, kept from one build to the
 * next until 10 s pass without a build: SharedStore), a TreeWatcher on the
 * project, and Ctrl-C: the first cancels
 * the build in flight (or the wait) and exits 130, a second exits at once.
 * The loop itself is engine/watchProject.
 */
import path from 'node:path';
import { build, EXIT_FAILURE, EXIT_INTERRUPTED } from '../engine/build.js';
import { TreeWatcher } from '../engine/TreeWatcher.js';
import { DEFAULT_MAX_MS, DEFAULT_QUIET_MS, watchProject } from '../engine/watchProject.js';
import { JsonReporter } from '../reporters/JsonReporter.js';
import type { Output, Reporter } from '../reporters/Reporter.js';
import { TerminalReporter } from '../reporters/TerminalReporter.js';
import { SharedStore } from '../store/SharedStore.js';
import type { WatchCommand } from './parseArgs.js';
import { buildStore, remoteBuildersOrSay } from './remoteBuilders.js';

/**
 * How long the daemon connections outlive the last build (a burst of edits
 * reuses them; then their temporary roots go): 10 s, or
 * NIXMAKE_WATCH_IDLE_MS.
 */
const STORE_IDLE_MS = ((): number => {
  const n = Number.parseInt(process.env['NIXMAKE_WATCH_IDLE_MS'] ?? '', 10);
  return Number.isInteger(n) && n >= 0 ? n : 10_000;
})();

export async function watch(cmd: WatchCommand, output: Output): Promise<number> {
  const reporter: Reporter = cmd.json
    ? new JsonReporter(output, { printBuildLogs: cmd.printBuildLogs })
    : new TerminalReporter(output, { explain: cmd.explain, printBuildLogs: cmd.printBuildLogs, quiet: cmd.quiet });
  const root = path.resolve(cmd.dir);
  const remote = remoteBuildersOrSay(cmd.nix, (text) => output.err(text));
  if (!remote) return EXIT_FAILURE;
  const jobs = cmd.jobs ?? remote.defaultJobs;
  const unused = remote.warningFor(jobs);
  if (unused !== undefined) reporter.event({ event: 'diagnostic', diagnostic: { severity: 'warning', message: unused } });
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    output.err('nixmake: interrupted; stopping the watch (a build in flight is cancelled)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const shared = new SharedStore(STORE_IDLE_MS);
  try {
    return await watchProject(
      { root, signal: controller.signal, quietMs: DEFAULT_QUIET_MS, maxMs: DEFAULT_MAX_MS },
      {
        emit: (e) => reporter.event(e),
        build: (signal) =>
          build(
            { root, jobs, keepGoing: cmd.keepGoing, targets: cmd.targets, dryRun: false, signal },
            {
              emit: (e) => reporter.event(e),
              // As `build`: one connection per job slot plus two, opened on first use; kept for the next
              // build until STORE_IDLE_MS pass without one (see SharedStore), or until the project's nix.options change.
              store: (config) =>
                shared.lease(JSON.stringify(config.nix.options), () =>
                  buildStore(cmd.nix, config.nix.options, jobs, 2, (message) => reporter.event({ event: 'diagnostic', diagnostic: { severity: 'warning', message } }), remote),
                ),
            },
          ),
        watch: (onPaths) => {
          const w = new TreeWatcher(root, onPaths, (message) => reporter.event({ event: 'diagnostic', diagnostic: { severity: 'warning', message } }));
          w.start();
          return w;
        },
      },
    );
  } finally {
    shared.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
