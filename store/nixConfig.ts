/**
 * The client settings Nix's own client (nix-store, Nix 2.8) would send in
 * wopSetOptions, read from the same places in the same order: the system
 * nix.conf (`$NIX_CONF_DIR/nix.conf`, default /etc/nix/nix.conf), the user
 * files (NIX_USER_CONF_FILES, else `nix/nix.conf` under XDG_CONFIG_HOME
 * (~/.config) and each of XDG_CONFIG_DIRS (/etc/xdg), the first one
 * winning), then NIX_CONFIG, then `--option NAME VALUE` pairs from our own
 * command line. Lines follow config.cc: `#` starts a comment, `name = value`
 * with whitespace-separated tokens, `include FILE` / `!include FILE`
 * relative to the including file.
 *
 * Only the fixed fields of wopSetOptions are interpreted, and `builders`
 * noted (for the job slots); other keys in the
 * files are ignored (the daemon reads its own nix.conf), and `cli` pairs
 * that are not fixed fields are passed on as `overrides`. Reads files
 * through `ConfigIo`; nothing else.
 */
import { readFileSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { dirname, resolve } from 'node:path';

export interface ClientSettings {
  keepFailed: boolean;
  keepGoing: boolean;
  tryFallback: boolean;
  /** Nix's Verbosity: 0 error, 1 warn, 2 notice, 3 info, 4 talkative, 5 chatty, 6 debug, 7 vomit. */
  verbosity: number;
  maxBuildJobs: number;
  maxSilentTime: number;
  /** 0 (lvlError) means "verbose build" to the daemon; anything else means quiet. */
  buildVerbosity: number;
  buildCores: number;
  useSubstitutes: boolean;
  overrides: Map<string, string>;
  /**
   * `builders` as this client sees it (nix.conf, NIX_CONFIG, `--option`); not a fixed field, and sent
   * only when given with `--option` (the daemon reads its own nix.conf). Undefined when nowhere set.
   */
  builders?: string | undefined;
}

export interface ConfigIo {
  /** The file's text, or undefined when it is missing or unreadable. */
  readFile(path: string): string | undefined;
  /** What std::thread::hardware_concurrency() answers (0 when unknown). */
  cpuCount(): number;
  homeDir(): string;
}

/**
 * The CPUs online, from the list glibc's get_nprocs (and so
 * hardware_concurrency) reads: one small file, where os.cpus() reads and
 * parses every CPU's /proc/cpuinfo entry (about 3 ms). Undefined when the
 * list cannot be read.
 */
export function onlineCpus(): number | undefined {
  return countCpuList(readOr('/sys/devices/system/cpu/online'));
}

/** The number of CPUs in a kernel CPU list ("0-3,6"); undefined for anything else. */
export function countCpuList(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(-\d+)?(,\d+(-\d+)?)*\s*$/.test(text)) return undefined;
  let n = 0;
  for (const part of text.trim().split(',')) {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    n += b === undefined ? 1 : b - a + 1;
  }
  return n > 0 ? n : undefined;
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export const nodeConfigIo: ConfigIo = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  cpuCount: () => onlineCpus() ?? cpus().length,
  homeDir: () => homedir(),
};

/** A nix.conf line or an `--option` value Nix would refuse. */
export class NixConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NixConfigError';
  }
}

type Field = Exclude<keyof ClientSettings, 'overrides' | 'verbosity' | 'buildVerbosity'>;
type Kind = 'bool' | 'uint' | 'jobs';

/** The fixed fields that are settings, with their aliases (globals.hh at 2.8). */
const SETTINGS: ReadonlyMap<string, { field: Field; kind: Kind; name: string }> = (() => {
  const m = new Map<string, { field: Field; kind: Kind; name: string }>();
  const add = (name: string, aliases: string[], field: Field, kind: Kind) => {
    for (const n of [name, ...aliases]) m.set(n, { field, kind, name });
  };
  add('keep-failed', [], 'keepFailed', 'bool');
  add('keep-going', [], 'keepGoing', 'bool');
  add('fallback', ['build-fallback'], 'tryFallback', 'bool');
  add('max-jobs', ['build-max-jobs'], 'maxBuildJobs', 'jobs');
  add('max-silent-time', ['build-max-silent-time'], 'maxSilentTime', 'uint');
  add('cores', ['build-cores'], 'buildCores', 'uint');
  add('substitute', ['build-use-substitutes'], 'useSubstitutes', 'bool');
  return m;
})();

/** RemoteStore::setOptions never forwards these as overrides. */
const NOT_FORWARDED = new Set(['experimental-features', 'show-trace']);

export function readClientSettings(
  env: NodeJS.ProcessEnv = process.env,
  cli: ReadonlyMap<string, string> = new Map(),
  io: ConfigIo = nodeConfigIo,
): ClientSettings {
  const defaultCores = Math.max(1, io.cpuCount());
  const s: ClientSettings = {
    keepFailed: false,
    keepGoing: false,
    tryFallback: false,
    verbosity: 3, // lvlInfo: nix-store without -v/--quiet
    maxBuildJobs: 1,
    maxSilentTime: 0,
    buildVerbosity: 0, // settings.verboseBuild = true: not a nix.conf setting in 2.8
    buildCores: defaultCores,
    useSubstitutes: true,
    overrides: new Map(),
  };

  const set = (name: string, value: string, where: string): boolean => {
    const st = SETTINGS.get(name);
    if (!st) return false;
    const bad = () => new NixConfigError(`setting '${name}' has invalid value '${value}' (${where})`);
    if (st.kind === 'bool') {
      if (value === 'true' || value === 'yes' || value === '1') s[st.field as 'keepFailed'] = true;
      else if (value === 'false' || value === 'no' || value === '0') s[st.field as 'keepFailed'] = false;
      else throw bad();
    } else if (st.kind === 'jobs' && value === 'auto') {
      s.maxBuildJobs = defaultCores;
    } else {
      // Nix reads these as `unsigned int` (the daemon too): no sign, at most 2^32 - 1.
      if (!/^\+?[0-9]+$/.test(value) || Number(value) > 0xffff_ffff) throw bad();
      s[st.field as 'buildCores'] = Number(value);
    }
    return true;
  };

  const applyText = (text: string, path: string, depth: number): void => {
    for (const raw of text.split('\n')) {
      const hash = raw.indexOf('#');
      const line = hash < 0 ? raw : raw.slice(0, hash);
      const tokens = line.split(/[ \t\r\n]+/).filter((t) => t !== '');
      if (tokens.length === 0) continue;
      const illegal = () => new NixConfigError(`illegal configuration line '${line}' in '${path}'`);
      if (tokens.length < 2) throw illegal();
      const t0 = tokens[0]!;
      if (t0 === 'include' || t0 === '!include') {
        if (tokens.length !== 2) throw illegal();
        const p = resolve(dirname(path), tokens[1]!);
        if (depth > 32) throw new NixConfigError(`too many nested includes at '${p}' in '${path}'`);
        const included = io.readFile(p);
        if (included !== undefined) applyText(included, p, depth + 1);
        else if (t0 === 'include') throw new NixConfigError(`file '${p}' included from '${path}' not found`);
        continue;
      }
      if (tokens[1] !== '=') throw illegal();
      if (t0 === 'builders') s.builders = tokens.slice(2).join(' ');
      set(t0, tokens.slice(2).join(' '), path);
    }
  };
  const applyFile = (path: string) => {
    const text = io.readFile(path);
    if (text !== undefined) applyText(text, path, 0);
  };

  applyFile(`${env['NIX_CONF_DIR'] || '/etc/nix'}/nix.conf`);
  // Applied last to first, so the first file wins (globals.cc loadConfFile).
  for (const f of userConfigFiles(env, io).reverse()) applyFile(f);
  const fromEnv = env['NIX_CONFIG'];
  if (fromEnv !== undefined) applyText(fromEnv, 'NIX_CONFIG', 0);

  for (const [name, value] of cli) {
    if (name === 'builders') s.builders = value;
    if (set(name, value, `--option ${name}`)) continue;
    if (!NOT_FORWARDED.has(name)) s.overrides.set(name, value);
  }
  return s;
}

/** getUserConfigFiles() in globals.cc. */
export function userConfigFiles(env: NodeJS.ProcessEnv, io: Pick<ConfigIo, 'homeDir'>): string[] {
  const explicit = env['NIX_USER_CONF_FILES'];
  if (explicit !== undefined) return explicit.split(':').filter((f) => f !== '');
  const home = env['XDG_CONFIG_HOME'] || `${env['HOME'] || io.homeDir()}/.config`;
  const dirs = (env['XDG_CONFIG_DIRS'] ?? '/etc/xdg').split(':').filter((d) => d !== '');
  return [home, ...dirs].map((d) => `${d}/nix/nix.conf`);
}
