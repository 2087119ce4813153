/**
 * compileFlags: the compiler arguments of one TU of a target (or of one of
 * its `variant` objects), from the config alone. The base is the last matching `perSource` entry with
 * `flags`, else the TU's compile database entry if `compileCommands` has
 * one, else -I, -D and cflags (defaults first, then the target's) and the
 * language's own flags. Each matching `perSource` entry after that base
 * adds its own -I, -D, cflags and (C++) cxxflags, in order. Shared
 * libraries get -fPIC. A `-std=` from the config that names the other
 * language's standard is dropped (`-std=c11` in `cflags` is not given to a
 * C++ TU, whose standard comes from `cxxflags`). Pure; it does not add the
 * flags nixmake adds for its own reasons (see engine/derivations), nor
 * match globs (loadConfig did).
 */
import { driverOf } from '../analyzers/language.js';
import type { Language } from '../analyzers/language.js';
import type { BuildSettings, Config, SourceSettings, TargetConfig } from './Config.js';

type Adds = Pick<BuildSettings, 'includeDirs' | 'defines' | 'cflags' | 'cxxflags'>;

function settingsFlags(parts: readonly Adds[], lang: Language): string[] {
  return [
    ...parts.flatMap((p) => p.includeDirs.map((dir) => `-I${dir}`)),
    ...parts.flatMap((p) => p.defines.map((def) => `-D${def}`)),
    ...parts.flatMap((p) => p.cflags),
    ...(lang === 'c++' ? parts.flatMap((p) => p.cxxflags) : []),
  ];
}

/** The `perSource` entries of `target` that match `tu`, in order (variants' too). */
export function perSourceOf(config: Config, target: TargetConfig, tu: string): SourceSettings[] {
  const idx = config.perSourceMatches.get(target.name)?.get(tu) ?? [];
  return idx.map((i) => target.perSource[i] as SourceSettings);
}

/**
 * Where `tu`'s flags come from whole, when not from the target's settings:
 * the `perSource` entry whose `flags` replace them (its JSON path), or the
 * compile database. Undefined when the target's includeDirs apply.
 */
export function wholeFlagsOf(config: Config, target: TargetConfig, tu: string, variant?: string): string | undefined {
  const idx = config.perSourceMatches.get(target.name)?.get(tu) ?? [];
  const at = (i: number): SourceSettings => target.perSource[i] as SourceSettings;
  // A variant with flags of its own is compiled with those; any other object with the last plain entry's.
  const own = variant === undefined ? undefined : idx.find((i) => at(i).variant === variant && at(i).flags !== undefined);
  const last = own ?? idx.filter((i) => at(i).variant === undefined && at(i).flags !== undefined).at(-1);
  if (last !== undefined) return `targets.${target.name}.perSource[${last}].flags`;
  return config.tuFlags.has(tu) ? 'the compile database' : undefined;
}

/** The variants (`perSource` entries with `variant`) that make more objects of `tu` in `target`, in order. */
export function variantsOf(config: Config, target: TargetConfig, tu: string): string[] {
  return perSourceOf(config, target, tu).flatMap((e) => (e.variant === undefined ? [] : [e.variant]));
}

/** The objects of `target`'s TUs: each TU's own, then its variants', in order. */
export function objectsOf(config: Config, target: TargetConfig, tus: readonly string[]): { readonly tu: string; readonly variant: string | undefined }[] {
  return tus.flatMap((tu) => [{ tu, variant: undefined }, ...variantsOf(config, target, tu).map((variant) => ({ tu, variant }))]);
}

/**
 * The flags of `tu`'s object in `target`, or of its `variant` object: the
 * TU's own flags plus the variant entry's additions, or the entry's `flags`.
 */
export function compileFlags(config: Config, target: TargetConfig, lang: Language, tu: string, variant?: string): string[] {
  const own = ownFlags(config, target, lang, tu);
  if (variant === undefined) return own;
  const v = perSourceOf(config, target, tu).find((e) => e.variant === variant);
  if (!v) throw new Error(`internal: ${tu} has no variant ${variant} in ${target.name}`);
  if (v.flags === undefined) return [...own, ...settingsFlags([v], lang)];
  return target.type === 'shared-library' && !v.flags.includes('-fPIC') ? [...v.flags, '-fPIC'] : [...v.flags];
}

/** Config → target and language → the flags of a TU no `perSource` entry and no compile database entry names: most TUs. */
const plainFlags = new WeakMap<Config, Map<string, readonly string[]>>();

function ownFlags(config: Config, target: TargetConfig, lang: Language, tu: string): string[] {
  if (!config.perSourceMatches.get(target.name)?.has(tu) && !config.tuFlags.has(tu)) {
    let byTarget = plainFlags.get(config);
    if (!byTarget) plainFlags.set(config, (byTarget = new Map()));
    const key = `${target.name}\0${lang}`;
    let flags = byTarget.get(key);
    if (!flags) byTarget.set(key, (flags = flagsOf(config, target, lang, [])));
    return [...flags];
  }
  return flagsOf(config, target, lang, perSourceOf(config, target, tu).filter((e) => e.variant === undefined), config.tuFlags.get(tu));
}

function flagsOf(config: Config, target: TargetConfig, lang: Language, entries: readonly SourceSettings[], tuFlags?: readonly string[]): string[] {
  let last = -1;
  entries.forEach((e, i) => {
    if (e.flags !== undefined) last = i;
  });
  const base = last >= 0 ? (entries[last] as SourceSettings).flags : tuFlags;
  const adds = entries.slice(last + 1);
  if (base) {
    const flags = [...base, ...settingsFlags(adds, lang)];
    return target.type === 'shared-library' && !flags.includes('-fPIC') ? [...flags, '-fPIC'] : flags;
  }
  const flags = settingsFlags([config.defaults, target, ...adds], lang);
  if (target.type === 'shared-library') flags.push('-fPIC');
  return flags.filter((f) => standardOf(f) === undefined || standardOf(f) === driverOf(lang));
}

/** `-std=c++17`, `-std=gnu++20` → c++; `-std=c11`, `-std=gnu99`, `-std=iso9899:1999` → c; any other flag → undefined. */
export function standardOf(flag: string): 'c' | 'c++' | undefined {
  const m = /^--?std=(.*)$/.exec(flag);
  if (!m) return undefined;
  return /^(c|gnu)\+\+/.test(m[1] as string) ? 'c++' : 'c';
}
