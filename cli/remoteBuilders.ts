/**
 * remoteBuilders: what a build's Nix options say about remote builders,
 * read before anything is built: the machines `--option builders` names
 * (checked as Nix's hook would check them, so a bad spec is an error here
 * and not "unable to start any build" on every node), the `-j` default,
 * and a warning when they cannot be used. Also the one place that makes a
 * build's DaemonStore (build, watch, `build --check`), so each explains a
 * build no machine took (store/remoteBuildFailure) the same way.
 *
 * Every derivation says `preferLocalBuild` (engine/derivations.ts), so the
 * daemon asks its hook only when max-jobs is 0: then every node is built
 * remotely, and `-j` defaults to the machines' job slots.
 */
import fs from 'node:fs';
import os from 'node:os';
import { DaemonStore } from '../store/DaemonStore.js';
import { daemonSocketPath } from '../store/daemonAddress.js';
import type { Machine } from '../store/machines.js';
import { parseMachines, remoteSlots } from '../store/machines.js';
import { readClientSettings } from '../store/nixConfig.js';
import { sshProbe } from '../store/sshProbe.js';
import type { SshProbe } from '../store/sshProbe.js';
import type { NixBuildOptions } from './parseArgs.js';
import { nixSettings } from './parseArgs.js';

export interface RemoteBuilders {
  /** The machines of `--option builders`; undefined when it is not given (the daemon's nix.conf may have some). */
  readonly machines: readonly Machine[] | undefined;
  /** `-j` when the command line does not say: the machines' slots with max-jobs 0, else the number of cores. */
  readonly defaultJobs: number;
  /** Why the builders given will not be used, if they will not. */
  readonly warning: string | undefined;
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
  const spec = settings.overrides.get('builders');
  const machines = spec === undefined ? undefined : parseMachines(spec, readText);
  const slots = machines ? remoteSlots(machines) : 0;
  const probe = sshProbe(env);
  if (settings.maxBuildJobs === 0) return { machines, defaultJobs: slots > 0 ? slots : cores, warning: undefined, probe };
  const warning =
    machines !== undefined && machines.length > 0
      ? `the remote builders given are used only with --option max-jobs 0: nixmake's derivations say preferLocalBuild, so while this machine has build slots ` +
        `(max-jobs ${settings.maxBuildJobs}) the Nix daemon builds every node here. Add --option max-jobs 0 to build every node on the builders`
      : undefined;
  return { machines, defaultJobs: cores, warning, probe };
}

/**
 * A build's store: one connection per job slot plus `spare`, the settings of nix.conf, then the
 * project's `nix.options`, then the command line's (which win).
 */
export function buildStore(
  nix: NixBuildOptions,
  projectOptions: Readonly<Record<string, string>>,
  connections: number,
  onWarning: (message: string) => void,
  remote: RemoteBuilders,
): DaemonStore {
  const settings = readClientSettings(process.env, new Map([...Object.entries(projectOptions), ...nixSettings(nix)]));
  return new DaemonStore(daemonSocketPath(), settings, connections, onWarning, { machines: remote.machines, probe: remote.probe });
}
