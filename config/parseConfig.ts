/**
 * parseConfig: JSON text of `nixmake.json` → a validated Config, or every
 * problem found, each with the JSON path of the field at fault.
 *
 * Pure: it reads no files. Globs are checked later by `expandSources`,
 * because that needs the file system.
 */
import path from 'node:path';
import type { Diagnostic, Result } from '../core/Diagnostic.js';
import { CONFIG_FILE } from './Config.js';
import { jsonSyntaxError } from './jsonSyntaxError.js';
import type { BuildSettings, GeneratorConfig, Config, NixConfig, SourceSettings, TargetConfig, TargetType, ToolchainConfig } from './Config.js';

const SETTINGS_FIELDS = ['includeDirs', 'defines', 'cflags', 'cxxflags', 'ldflags', 'libs'] as const;
const TOP_FIELDS = new Set<string>([...SETTINGS_FIELDS, 'targets', 'toolchain', 'nix', 'compileCommands', 'externalDirs', 'hostPackages', 'publicHeaders', 'generators', 'sourceDateEpoch', '$schema']);
const GENERATOR_FIELDS = new Set<string>(['command', 'inputs', 'outputs', 'stdout', 'tools', 'env']);
/** Attributes every generator derivation sets itself (the builder's environment). */
const RESERVED_ENV = new Set<string>(['PATH', 'name', 'system', 'builder', 'args', 'out', 'outputs', 'preferLocalBuild', 'toolchainId', 'NIX_BUILD_TOP', 'TMPDIR', 'PWD', 'HOME']);
const TARGET_FIELDS = new Set<string>([...SETTINGS_FIELDS, 'type', 'sources', 'deps', 'soname', 'perSource', 'fileName', 'aliases', 'linkInputs']);
const PER_SOURCE_FIELDS = new Set<string>(['sources', 'includeDirs', 'defines', 'cflags', 'cxxflags', 'flags', 'variant']);
/** A variant's name: part of its object's key and store name. */
const VARIANT_NAME = /^[A-Za-z0-9_.+-]{1,64}$/;
/** A file name nixmake writes into an output folder. */
const FILE_NAME = /^[A-Za-z0-9_+-][A-Za-z0-9_.+-]*$/;
const TOOLCHAIN_FIELDS = new Set<string>(['cc', 'cxx', 'ar', 'path', 'shell']);
const NIX_FIELDS = new Set<string>(['options']);
const TARGET_TYPES: readonly TargetType[] = ['executable', 'static-library', 'shared-library'];
/** Target names become file names (`result-NAME`, `libNAME.a`) and Nix store names. */
const TARGET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

export const HOST_TOOLCHAIN: ToolchainConfig = {
  import: true,
  cc: '/usr/bin/gcc',
  cxx: '/usr/bin/g++',
  ar: '/usr/bin/ar',
  path: ['/usr/bin'],
  shell: '/usr/bin/bash',
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

class Checker {
  readonly errors: Diagnostic[] = [];

  error(jsonPath: string, message: string): void {
    this.errors.push({ severity: 'error', message, location: { file: CONFIG_FILE }, jsonPath });
  }

  object(value: Json | undefined, path: string): Record<string, Json> | undefined {
    if (value === undefined) return undefined;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.error(path, `expected an object, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  unknownFields(obj: Record<string, Json>, allowed: ReadonlySet<string>, path: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.has(key)) {
        this.error(join(path, key), `unknown field "${key}" (expected one of: ${[...allowed].filter((k) => k !== '$schema').join(', ')})`);
      }
    }
  }

  stringList(value: Json | undefined, path: string): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.error(path, `expected an array of strings, got ${describe(value)}`);
      return [];
    }
    const out: string[] = [];
    value.forEach((item, i) => {
      if (typeof item !== 'string') this.error(`${path}[${i}]`, `expected a string, got ${describe(item)}`);
      else if (item.includes('\0')) this.error(`${path}[${i}]`, 'must not contain a NUL character');
      else out.push(item);
    });
    return out;
  }

  string(value: Json | undefined, path: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.error(path, `expected a string, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }
}

function join(path: string, key: string): string {
  const simple = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key);
  const part = simple ? key : `[${JSON.stringify(key)}]`;
  if (path === '') return part;
  return simple ? `${path}.${part}` : `${path}${part}`;
}

function describe(value: Json | undefined): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function settings(c: Checker, obj: Record<string, Json>, path: string): BuildSettings {
  const s = {
    includeDirs: c.stringList(obj['includeDirs'], join(path, 'includeDirs')),
    defines: c.stringList(obj['defines'], join(path, 'defines')),
    cflags: c.stringList(obj['cflags'], join(path, 'cflags')),
    cxxflags: c.stringList(obj['cxxflags'], join(path, 'cxxflags')),
    ldflags: c.stringList(obj['ldflags'], join(path, 'ldflags')),
    libs: c.stringList(obj['libs'], join(path, 'libs')),
  };
  s.includeDirs.forEach((dir, i) => {
    if (dir.startsWith('/')) c.error(`${join(path, 'includeDirs')}[${i}]`, 'must be relative to the project root; put system directories in cflags as -isystem');
  });
  s.defines.forEach((d, i) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\(.*\))?(=|$)/s.test(d)) c.error(`${join(path, 'defines')}[${i}]`, `"${d}" is not NAME or NAME=VALUE`);
  });
  s.libs.forEach((l, i) => {
    if (l === '' || l.startsWith('-')) c.error(`${join(path, 'libs')}[${i}]`, `"${l}" should be a library name such as "m" (linked as -lm)`);
  });
  return s;
}

function toolchain(c: Checker, value: Json | undefined): ToolchainConfig {
  if (value === undefined || value === 'host') return HOST_TOOLCHAIN;
  if (value === 'host-sandbox-paths') return { ...HOST_TOOLCHAIN, import: false };
  if (typeof value === 'string') {
    c.error('toolchain', `"${value}" is not a toolchain: use "host" (the default), "host-sandbox-paths", or an object {cc, cxx, ar, path}`);
    return HOST_TOOLCHAIN;
  }
  const obj = c.object(value, 'toolchain');
  if (!obj) return HOST_TOOLCHAIN;
  c.unknownFields(obj, TOOLCHAIN_FIELDS, 'toolchain');
  const pick = (key: 'cc' | 'cxx' | 'ar' | 'shell'): string => {
    const v = c.string(obj[key], `toolchain.${key}`) ?? HOST_TOOLCHAIN[key];
    if (!v.startsWith('/')) c.error(`toolchain.${key}`, 'must be an absolute path');
    return v;
  };
  const path = obj['path'] === undefined ? HOST_TOOLCHAIN.path : c.stringList(obj['path'], 'toolchain.path');
  return { import: false, cc: pick('cc'), cxx: pick('cxx'), ar: pick('ar'), shell: pick('shell'), path };
}

const UINT = /^[0-9]{1,10}$/;
const isUint = (v: string): boolean => UINT.test(v) && Number(v) <= 0xffff_ffff;

/**
 * The `nix.options` a project file may set. The file arrives with a cloned
 * project and the daemon applies what it is sent as root, so only options
 * that change nothing but this build's own limits and reporting are allowed;
 * every other name, known or not, is refused (an allow-list, not a deny-list:
 * a new Nix option is refused until someone has read what it does).
 */
export const PROJECT_NIX_OPTIONS: ReadonlyMap<string, { readonly check: (v: string) => boolean; readonly shape: string }> = new Map([
  // NIX_BUILD_CORES in the builder (0: all cores); a fixed field of wopSetOptions that Nix accepts from any client.
  ['cores', { check: isUint, shape: 'a non-negative integer (0: all cores)' }],
  // Seconds without output before a build is killed (0: no limit); also a fixed field accepted from any client.
  ['max-silent-time', { check: isUint, shape: 'a number of seconds (0: no limit)' }],
  // Seconds a build may run (0: no limit); one of the few overrides the daemon takes from untrusted users.
  ['timeout', { check: isUint, shape: 'a number of seconds (0: no limit)' }],
  // Bytes of log kept per build (0: no limit); it only truncates this build's log.
  ['max-build-log-size', { check: (v) => /^[0-9]{1,15}$/.test(v), shape: 'a number of bytes (0: no limit)' }],
  // Whether the daemon goes on with the other builds of a batch after one fails; a fixed field accepted from any client.
  ['keep-going', { check: (v) => v === 'true' || v === 'false', shape: '"true" or "false"' }],
  // How many lines of a failed build's log a client shows; read by the client side only.
  ['log-lines', { check: isUint, shape: 'a number of lines' }],
]);

function sourceDateEpoch(c: Checker, value: Json | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    c.error('sourceDateEpoch', 'must be a whole number of seconds since 1970 (0, or the last commit\'s time: git log -1 --format=%ct)');
    return undefined;
  }
  return value;
}

function nix(c: Checker, value: Json | undefined): NixConfig {
  const obj = c.object(value, 'nix');
  if (!obj) return { options: {} };
  c.unknownFields(obj, NIX_FIELDS, 'nix');
  const opts = c.object(obj['options'], 'nix.options') ?? {};
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts)) {
    const at = join('nix.options', k);
    const allowed = PROJECT_NIX_OPTIONS.get(k);
    if (!allowed) {
      c.error(
        at,
        `the Nix option "${k}" is not allowed in ${CONFIG_FILE}: it could change what the Nix daemon trusts or runs as root. ` +
          `Such options belong on your own command line (nixmake build --option ${k} VALUE) or in nix.conf, never in a file that arrives with a cloned project. ` +
          `${CONFIG_FILE} may set only: ${[...PROJECT_NIX_OPTIONS.keys()].join(', ')}`,
      );
    } else if (typeof v !== 'string') {
      c.error(at, `expected a string (${allowed.shape}), got ${describe(v)}`);
    } else if (!allowed.check(v)) {
      c.error(at, `"${v}" is not ${allowed.shape}`);
    } else {
      options[k] = v;
    }
  }
  return { options };
}

function externalDirs(c: Checker, value: Json | undefined): string[] {
  const dirs = c.stringList(value, 'externalDirs');
  return dirs.flatMap((d, i) => {
    const at = `externalDirs[${i}]`;
    if (!d.startsWith('/')) c.error(at, `"${d}" must be an absolute directory`);
    else if (path.posix.normalize(d) === '/') c.error(at, '"/" would let every file on the machine into the store; list the directories your sources need');
    else return [path.posix.normalize(d).replace(/\/+$/, '')];
    return [];
  });
}

/** A Debian package name (optionally `:arch`), as `dpkg-query` takes it. */
const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$/;

/** `hostPackages`: Debian package names, or absolute folders (normalised), imported into the store for builds. */
function hostPackages(c: Checker, value: Json | undefined): string[] {
  return c.stringList(value, 'hostPackages').flatMap((p, i) => {
    const at = `hostPackages[${i}]`;
    if (p.startsWith('/')) {
      const d = path.posix.normalize(p).replace(/(.)\/+$/, '$1');
      if (d === '/') c.error(at, '"/" would put every file on the machine into the store; name the packages or folders your build needs');
      else return [d];
    } else if (!DEBIAN_PACKAGE.test(p)) {
      c.error(at, `"${p}" is neither a Debian package name (libonig-dev, zlib1g-dev:amd64) nor an absolute folder`);
    } else return [p];
    return [];
  });
}

/** Glob lists (`sources`, `perSource[].sources`): not empty, not only exclusions, no empty pattern. */
function sourcePatterns(c: Checker, value: Json | undefined, at: string, emptyIsError = false): string[] {
  const sources = c.stringList(value, at);
  if (value === undefined) c.error(at, 'missing: a list of source globs');
  else if (sources.length > 0 && sources.every((s) => s.startsWith('!'))) c.error(at, 'has only exclusions (patterns starting with !)');
  else if (emptyIsError && Array.isArray(value) && value.length === 0) c.error(at, 'is empty: list the sources (globs) it is for');
  sources.forEach((s, i) => {
    if (s === '' || s === '!') c.error(`${at}[${i}]`, `${s === '' ? 'an empty pattern' : '"!" alone'} matches nothing; remove it`);
  });
  return sources;
}

/** `perSource`: flags for some of a target's TUs, added to the target's or (`flags`) instead of them. */
function perSource(c: Checker, value: Json | undefined, at: string): SourceSettings[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    c.error(at, `expected an array of objects {"sources": [...], "cflags": [...], ...}, got ${describe(value)}`);
    return [];
  }
  const variants = new Map<string, number>();
  return value.flatMap((item, i) => {
    const here = `${at}[${i}]`;
    const obj = c.object(item, here);
    if (!obj) return [];
    c.unknownFields(obj, PER_SOURCE_FIELDS, here);
    const sources = sourcePatterns(c, obj['sources'], `${here}.sources`, true);
    const s = settings(c, obj, here);
    const flags = obj['flags'] === undefined ? undefined : c.stringList(obj['flags'], `${here}.flags`);
    if (flags !== undefined) {
      const mixed = ['includeDirs', 'defines', 'cflags', 'cxxflags'].filter((k) => obj[k] !== undefined);
      if (mixed.length > 0) c.error(join(here, mixed[0] as string), `"flags" replaces the whole compile line; put these flags into "flags" too, or drop "flags" to add to the target's`);
    }
    for (const k of ['ldflags', 'libs'] as const) if (obj[k] !== undefined) c.error(join(here, k), `link settings belong to the target, not to some of its sources`);
    const variant = obj['variant'] === undefined ? undefined : c.string(obj['variant'], `${here}.variant`);
    if (variant !== undefined && !VARIANT_NAME.test(variant)) c.error(`${here}.variant`, `"${variant}" should be a short name of letters, digits and _ . + - (it names the second object)`);
    else if (variant !== undefined && variants.has(variant)) c.error(`${here}.variant`, `"${variant}" is already the variant of entry ${variants.get(variant) as number}; give each its own name`);
    if (variant !== undefined) variants.set(variant, i);
    return [{ sources, includeDirs: s.includeDirs, defines: s.defines, cflags: s.cflags, cxxflags: s.cxxflags, flags, ...(variant !== undefined ? { variant } : {}) }];
  });
}

/** `fileName`, `aliases`, `linkInputs`: the names a target's outputs get, and the files its link reads. */
function outputs(c: Checker, obj: Record<string, Json>, at: string, type: string | undefined): Pick<TargetConfig, 'fileName' | 'aliases' | 'linkInputs'> {
  const fileName = c.string(obj['fileName'], `${at}.fileName`);
  if (fileName !== undefined) {
    if (!FILE_NAME.test(fileName) || /^\.+$/.test(fileName)) c.error(`${at}.fileName`, `"${fileName}" should be a file name such as libfoo.so.1.2.3 (no folder)`);
    else if (type === 'static-library' && !fileName.endsWith('.a')) c.error(`${at}.fileName`, `"${fileName}": a static library's file name ends in .a (libfoo.a, so that -lfoo finds it)`);
    else if (type === 'shared-library' && !/\.so(\.|$)/.test(fileName)) c.error(`${at}.fileName`, `"${fileName}": a shared library's file name is libfoo.so or libfoo.so.VERSION`);
  }
  const aliases = c.stringList(obj['aliases'], `${at}.aliases`);
  if (obj['aliases'] !== undefined && type !== undefined && type !== 'executable') c.error(`${at}.aliases`, 'only an executable has aliases (other names of the program)');
  aliases.forEach((a, i) => {
    if (!FILE_NAME.test(a) || /^\.+$/.test(a)) c.error(`${at}.aliases[${i}]`, `"${a}" should be a program name (no folder)`);
    else if (aliases.indexOf(a) !== i) c.error(`${at}.aliases[${i}]`, `"${a}" is listed twice`);
  });
  const linkInputs = c.stringList(obj['linkInputs'], `${at}.linkInputs`);
  if (obj['linkInputs'] !== undefined && type === 'static-library') c.error(`${at}.linkInputs`, 'a static library is not linked (ar reads no scripts); only executables and shared libraries have link inputs');
  linkInputs.forEach((f, i) => {
    const n = path.posix.normalize(f);
    if (f.startsWith('/') || n === '..' || n.startsWith('../') || n === '.' || f.includes('*')) c.error(`${at}.linkInputs[${i}]`, `"${f}" must be a file inside the project, relative to its root (no globs)`);
  });
  return { fileName, aliases, linkInputs };
}

/** `publicHeaders`: project-relative files or folders (normalised), for an export's `include/`. */
function publicHeaders(c: Checker, value: Json | undefined): string[] {
  return c.stringList(value, 'publicHeaders').flatMap((p, i) => {
    const at = `publicHeaders[${i}]`;
    const n = path.posix.normalize(p).replace(/(.)\/+$/, '$1');
    if (p === '' || p.startsWith('/') || n === '..' || n.startsWith('../')) c.error(at, `"${p}" must be a file or folder inside the project, relative to ${CONFIG_FILE}`);
    else return [n];
    return [];
  });
}

/** A project-relative file path, normalised; undefined (and an error) for anything else. */
function projectFile(c: Checker, p: string, at: string, what: string): string | undefined {
  const n = path.posix.normalize(p);
  if (p === '' || p.startsWith('/') || n === '..' || n.startsWith('../') || n === '.' || n.endsWith('/') || /[*?[\]{}]/.test(p) || n.startsWith('.nixmake/')) {
    c.error(at, `"${p}" must be ${what} inside the project, relative to its root (no globs)`);
    return undefined;
  }
  return n;
}

/**
 * `generators`: name → {command, inputs, outputs, stdout, tools, env}. An
 * object keyed by name, as `targets` is: names are unique by construction
 * and errors name `generators.<name>.<field>`.
 */
function generators(c: Checker, value: Json | undefined, targets: ReadonlyMap<string, TargetConfig>): Map<string, GeneratorConfig> {
  const out = new Map<string, GeneratorConfig>();
  const obj = c.object(value, 'generators');
  /** Output path → the generator that writes it. */
  const writer = new Map<string, string>();
  for (const [name, v] of Object.entries(obj ?? {})) {
    const at = join('generators', name);
    if (!TARGET_NAME.test(name)) c.error(at, `generator name "${name}" may use only letters, digits and _ . + - (it becomes a store name)`);
    const g = c.object(v, at);
    if (!g) continue;
    c.unknownFields(g, GENERATOR_FIELDS, at);
    const command = c.stringList(g['command'], `${at}.command`);
    if (g['command'] === undefined || (Array.isArray(g['command']) && g['command'].length === 0)) c.error(`${at}.command`, 'missing: the program to run and its arguments, e.g. ["bison", "-d", "-o", "src/parse.c", "src/parse.y"]');
    const inputs = c.stringList(g['inputs'], `${at}.inputs`);
    inputs.forEach((p, i) => {
      if (p === '' || p === '!' || p.replace(/^!/, '').startsWith('/') || p.split('/').includes('..')) c.error(`${at}.inputs[${i}]`, `"${p}" must be a glob inside the project, relative to its root`);
    });
    const outputs = c.stringList(g['outputs'], `${at}.outputs`).flatMap((p, i) => {
      const n = projectFile(c, p, `${at}.outputs[${i}]`, 'a file');
      if (n === undefined) return [];
      const other = writer.get(n);
      if (other !== undefined) c.error(`${at}.outputs[${i}]`, other === name ? `"${p}" is listed twice` : `"${p}" is also an output of generator "${other}"`);
      writer.set(n, name);
      return [n];
    });
    if (g['outputs'] === undefined || outputs.length === 0) c.error(`${at}.outputs`, 'missing: the files the command writes, relative to the project root');
    const stdoutRaw = c.string(g['stdout'], `${at}.stdout`);
    const stdout = stdoutRaw === undefined ? undefined : path.posix.normalize(stdoutRaw);
    if (stdout !== undefined && !outputs.includes(stdout)) c.error(`${at}.stdout`, `"${stdoutRaw}" must be one of this generator's outputs`);
    const tools = c.stringList(g['tools'], `${at}.tools`);
    tools.forEach((t, i) => {
      const target = targets.get(t);
      if (!target) c.error(`${at}.tools[${i}]`, `unknown target "${t}"`);
      else if (target.type !== 'executable') c.error(`${at}.tools[${i}]`, `"${t}" is a ${target.type}; a tool is an executable target whose program the command runs`);
    });
    const env: Record<string, string> = {};
    const envObj = c.object(g['env'], `${at}.env`);
    for (const [k, ev] of Object.entries(envObj ?? {})) {
      const here = join(`${at}.env`, k);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) c.error(here, `"${k}" is not a variable name`);
      else if (RESERVED_ENV.has(k)) c.error(here, `"${k}" is set by nixmake (PATH holds the toolchain, the host packages and the tools)`);
      const s = c.string(ev, here);
      if (s !== undefined) env[k] = s;
    }
    out.set(name, { name, command, inputs, outputs, stdout, tools, env });
  }
  return out;
}

/** Reports one error per target on a cycle, naming the whole cycle. */
function findCycles(c: Checker, targets: ReadonlyMap<string, TargetConfig>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'visiting');
    stack.push(name);
    const t = targets.get(name);
    t?.deps.forEach((dep, i) => {
      if (!targets.has(dep)) return;
      const s = state.get(dep);
      if (s === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep].join(' -> ');
        c.error(`${join('targets', name)}.deps[${i}]`, `cycle between targets: ${cycle}`);
      } else if (s === undefined) {
        visit(dep);
      }
    });
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of [...targets.keys()].sort()) if (!state.has(name)) visit(name);
}

export function parseConfig(text: string, root: string): Result<Config> {
  const c = new Checker();
  let data: Json;
  try {
    data = JSON.parse(text) as Json;
  } catch (err) {
    return { ok: false, errors: [jsonSyntaxError(text, err as Error, CONFIG_FILE)], warnings: [] };
  }
  const top = c.object(data, '(root)');
  if (!top) return { ok: false, errors: c.errors, warnings: [] };
  c.unknownFields(top, TOP_FIELDS, '');
  const defaults = settings(c, top, '');
  const targetsObj = c.object(top['targets'], 'targets');
  if (top['targets'] === undefined) c.error('targets', 'missing: a config needs at least one target');
  else if (targetsObj && Object.keys(targetsObj).length === 0) c.error('targets', 'no targets: add at least one');
  const targets = new Map<string, TargetConfig>();
  for (const [name, value] of Object.entries(targetsObj ?? {})) {
    const path = join('targets', name);
    if (!TARGET_NAME.test(name)) c.error(path, `target name "${name}" may use only letters, digits and _ . + - (it becomes a file name)`);
    const obj = c.object(value, path);
    if (!obj) continue;
    c.unknownFields(obj, TARGET_FIELDS, path);
    const type = c.string(obj['type'], `${path}.type`);
    if (type === undefined && obj['type'] === undefined) c.error(`${path}.type`, `missing: one of ${TARGET_TYPES.join(', ')}`);
    else if (type !== undefined && !TARGET_TYPES.includes(type as TargetType)) c.error(`${path}.type`, `"${type}" is not one of ${TARGET_TYPES.join(', ')}`);
    const sources = sourcePatterns(c, obj['sources'], `${path}.sources`);
    const own = settings(c, obj, path);
    const soname = c.string(obj['soname'], `${path}.soname`);
    if (soname !== undefined && type !== 'shared-library') c.error(`${path}.soname`, 'only a shared-library has a soname');
    else if (soname !== undefined && (!/^[A-Za-z0-9_.+-]+$/.test(soname) || /^\.+$/.test(soname))) c.error(`${path}.soname`, `"${soname}" should be a file name such as libz.so.1`);
    targets.set(name, {
      name,
      type: (type ?? 'executable') as TargetType,
      sources,
      deps: c.stringList(obj['deps'], `${path}.deps`),
      soname,
      ...own,
      perSource: perSource(c, obj['perSource'], `${path}.perSource`),
      ...outputs(c, obj, path, type),
    });
  }
  for (const t of targets.values()) {
    t.deps.forEach((dep, i) => {
      const at = `${join('targets', t.name)}.deps[${i}]`;
      const d = targets.get(dep);
      if (!d) c.error(at, `unknown target "${dep}"`);
      else if (d.type === 'executable') c.error(at, `"${dep}" is an executable; only libraries can be linked against`);
    });
  }
  findCycles(c, targets);
  const compileCommands = c.string(top['compileCommands'], 'compileCommands');
  const config: Config = {
    root,
    defaults,
    targets,
    toolchain: toolchain(c, top['toolchain']),
    nix: nix(c, top['nix']),
    compileCommands,
    tuFlags: new Map(),
    perSourceMatches: new Map(),
    externalDirs: externalDirs(c, top['externalDirs']),
    hostPackages: hostPackages(c, top['hostPackages']),
    publicHeaders: publicHeaders(c, top['publicHeaders']),
    generators: generators(c, top['generators'], targets),
    sourceDateEpoch: sourceDateEpoch(c, top['sourceDateEpoch']),
  };
  if (c.errors.length > 0) return { ok: false, errors: c.errors, warnings: [] };
  return { ok: true, value: config, warnings: [] };
}
