/**
 * noopFastPath: `nixmake build` when nothing changed, answered from the
 * no-op stamp (noopStamp) before the rest of nixmake is even loaded.
 *
 * bin/nixmake.js calls it first. It accepts only the plain forms of
 * `build` (`-C DIR`, `-j N`, `-k`, `--json`, `--explain`, `-L`, `--quiet`,
 * Nix's build options, target names, parsed by parseArgs); for any other
 * option (`--dry-run`, `--trace`), or when the stamp is missing, made for another
 * selection or stale in any way, it returns undefined and the full CLI
 * runs. When it answers, it reports exactly what the full path reports
 * for a no-op (the same events, through the same reporters).
 *
 * It never writes anything and never contacts Nix.
 */
import path from 'node:path';
import type { BuildEvent } from '../engine/events.js';
import { stampKey, validNoopStamp } from '../engine/noopStamp.js';
import { JsonReporter } from '../reporters/JsonReporter.js';
import type { Output } from '../reporters/Reporter.js';
import { directOutput } from '../reporters/Reporter.js';
import { TerminalReporter } from '../reporters/TerminalReporter.js';
import type { BuildCommand } from './parseArgs.js';
import { parseArgs } from './parseArgs.js';

/** The build options a no-op answer is the same for; any other option set to anything takes the full path. */
// A no-op builds nothing, so Nix's build options (-K, --cores, timeouts) and -L change nothing in it.
const NOOP_NEUTRAL = new Set(['command', 'dir', 'jobs', 'keepGoing', 'json', 'explain', 'dryRun', 'targets', 'printBuildLogs', 'quiet', 'nix']);

/** The plain `build` forms this path answers (parsed as the CLI parses them); undefined for anything else. */
export function plainBuild(argv: readonly string[]): BuildCommand | undefined {
  const parsed = parseArgs(argv);
  if (!parsed.ok || parsed.command.command !== 'build' || parsed.command.dryRun) return undefined;
  const cmd = parsed.command;
  for (const [k, v] of Object.entries(cmd)) {
    if (!NOOP_NEUTRAL.has(k) && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)) return undefined;
  }
  return cmd;
}

export function tryNoopBuild(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, output: Output = directOutput): number | undefined {
  const t0 = performance.now();
  const cmd = plainBuild(argv);
  if (!cmd) return undefined;
  const root = path.resolve(cmd.dir);
  const stamp = validNoopStamp(path.join(root, '.nixmake'), stampKey(root, cmd.targets, env));
  if (!stamp) return undefined;
  const reporter = cmd.json
    ? new JsonReporter(output, { printBuildLogs: cmd.printBuildLogs })
    : new TerminalReporter(output, { explain: cmd.explain, printBuildLogs: cmd.printBuildLogs, quiet: cmd.quiet });
  const seconds = Math.round(performance.now() - t0) / 1000;
  const { tus, files, upToDate } = stamp.report;
  const events: BuildEvent[] = [
    { event: 'analysis', tus, cached: tus, files, scanned: 0, seconds, noop_stamp: true },
    { event: 'plan', to_build: 0, up_to_date: upToDate, dry_run: false },
    {
      event: 'summary',
      objects_built: 0,
      links_built: 0,
      cut_off: 0,
      substituted: 0,
      up_to_date: upToDate,
      failed: 0,
      submitted: 0,
      seconds: Math.round(performance.now() - t0) / 1000,
      phases: { analysis: seconds, inputs: 0, derivations: 0, queued: 0, building: 0, running: 0 },
    },
  ];
  for (const e of events) reporter.event(e);
  return 0;
}
