/**
 * remoteBuilders: what a build's Nix settings say about remote builders,
 * read before anything is built: the machines `builders` names (nix.conf's
 * or `--option builders`), checked as Nix's hook would check them (so a bad
 * spec is an error here, not "unable to start any build" on every node);
 * the `-j` default; and which job slots build remotely. Also the one place
 * that makes a build's DaemonStore (build, watch, `build --check`).
 *
 * Every derivation says `preferLocalBuild` (engine/derivations.ts), so the
 * daemon asks its hook only on a connection that sends max-jobs 0. With
 * max-jobs 0 every node goes to the builders and `-j` defaults to their
 * slots. Otherwise nixmake is the one that spreads the work: `-j` defaults
 * to this machine's cores plus the builders' slots, the first `cores` slots
 * build here (no hook asked) and the rest on connections that send
 * max-jobs 0, so each of their builds goes to a builder.
 */
import fs from 'node:fs';
import os from 'node:os';
import { DaemonStore } from '../store/DaemonStore.js';
import { daemonSocketPath } from '../store/daemonAddress.js';
import type { Machine } from '../store/machines.js';
import { MachineSpecError, parseMachines, remoteSlots } from '../store/machines.js';
import { NixConfigError, readClientSettings } from '../store/nixConfig.js';
import { escapeControl } from '../reporters/escapeControl.js';
import { sshProbe } from '../store/sshProbe.js';
import type { SshProbe } from '../store/sshProbe.js';
import type { NixBuildOptions } from './parseArgs.js';
import { nixSettings } from './parseArgs.js';

export interface RemoteBuilders {
  /** The machines of `builders` (nix.conf's, or the command line's); undefined when it is not set. */
  readonly machines: readonly Machine[] | undefined;
  /** `-j` when the command line does not say: see the module comment. */
  readonly defaultJobs: number;
  /** Of `jobs` slots, those that build on the builders (undefined: no split; with max-jobs 0 every slot does). */
  slotsFor(jobs: number): { readonly from: number; readonly count: number } | undefined;
  /** max-jobs is 0: the daemon builds nothing here, every build goes to the hook. */
  readonly allRemote: boolean;
  /** Why builders that are set will not be used with `jobs` slots, if they will not. */
  warningFor(jobs: number): string | undefined;
  readonly probe: SshProbe;
}

const readText = (p: string): string | undefined => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};

/** Throws MachineSpecError for a spec Nix's hook would refuse, NixConfigError for a bad option value. */
export function remoteBuilders(nix: NixBuildOptions, env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): RemoteBuilders {
  const settings = readClientSettings(env, new Map(nixSettings(nix)));
  const machines = settings.builders === undefined ? undefined : parseMachines(settings.builders, readText);
  const remote = machines ? remoteSlots(machines) : 0;
  const probe = sshProbe(env);
  if (settings.maxBuildJobs === 0 || remote === 0) {
    const allRemote = settings.maxBuildJobs === 0;
    return { machines, defaultJobs: allRemote && remote > 0 ? remote : cores, allRemote, slotsFor: () => undefined, warningFor: () => undefined, probe };
  }
  const local = (jobs: number): number => Math.min(cores, jobs);
  return {
    machines,
    defaultJobs: cores + remote,
    allRemote: false,
    slotsFor: (jobs) => (jobs > local(jobs) ? { from: local(jobs), count: jobs - local(jobs) } : undefined),
    warningFor: (jobs) =>
      jobs > local(jobs)
        ? undefined
        : `with -j ${jobs} every job slot builds on this machine (the first ${cores}, one per core, do), so the remote builders go unused: ` +
          `leave -j out (its default is then ${cores + remote}: ${cores} here and ${remote} on the builders) or raise it, or give --option max-jobs 0 to build every node on them`,
    probe,
  };
}

/** `remoteBuilders`, or undefined after writing why the options cannot be used (a bad machine spec or option value). */
export function remoteBuildersOrSay(nix: NixBuildOptions, err: (text: string) => void): RemoteBuilders | undefined {
  try {
    return remoteBuilders(nix);
  } catch (e) {
    if (!(e instanceof MachineSpecError || e instanceof NixConfigError)) throw e;
    err(`nixmake: error: ${escapeControl(e.message)}\n`);
    return undefined;
  }
}

/**
 * Why `build --check` refuses max-jobs 0 (measured on Nix 2.8: the hook builds a check-mode build remotely as a
 * normal one, the output is already valid here, and nothing is compared: a TU embedding __TIME__ "passed").
 */
export const CHECK_NEEDS_LOCAL =
  "build --check rebuilds every node on this machine and compares it there; with max-jobs 0 the Nix daemon hands each rebuild to a remote builder, " +
  'which compares nothing (every node would pass). Leave out --option max-jobs 0 (remote builders are not used by --check)';

/**
 * A build's store: one connection per job slot plus `spare`, the settings of nix.conf, then the
 * project's `nix.options`, then the command line's (which win); the remote slots as `remote` says.
 */
export function buildStore(
  nix: NixBuildOptions,
  projectOptions: Readonly<Record<string, string>>,
  jobs: number,
  spare: number,
  onWarning: (message: string) => void,
  remote: RemoteBuilders,
): DaemonStore {
  const settings = readClientSettings(process.env, new Map([...Object.entries(projectOptions), ...nixSettings(nix)]));
  return new DaemonStore(daemonSocketPath(), settings, jobs + spare, onWarning, { machines: remote.machines, probe: remote.probe, remoteSlots: remote.slotsFor(jobs) });
}
