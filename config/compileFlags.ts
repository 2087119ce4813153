/**
 * compileFlags: the compiler arguments of one TU of a target, from the
 * config alone: its compile database entry's if `compileCommands` has one,
 * else -I, -D and cflags (defaults first, then the target's), the language's
 * own flags, and -fPIC for shared libraries. A `-std=` from the config that
 * names the other language's standard is dropped (`-std=c11` in `cflags`
 * is not given to a C++ TU, whose standard comes from `cxxflags`). Pure; it
 * does not add the flags nixmake adds for its own reasons (see
 * engine/derivations).
 */
import { driverOf } from '../analyzers/language.js';
import type { Language } from '../analyzers/language.js';
import type { Config, TargetConfig } from './Config.js';

/** A TU's flags: its compile database entry's if `compileCommands` has one, else its target's. */
export function compileFlags(config: Config, target: TargetConfig, lang: Language, tu: string): string[] {
  const fromDb = config.tuFlags.get(tu);
  if (fromDb) return target.type === 'shared-library' && !fromDb.includes('-fPIC') ? [...fromDb, '-fPIC'] : [...fromDb];
  const d = config.defaults;
  const flags = [
    ...[...d.includeDirs, ...target.includeDirs].map((dir) => `-I${dir}`),
    ...[...d.defines, ...target.defines].map((def) => `-D${def}`),
    ...d.cflags,
    ...target.cflags,
  ];
  if (lang === 'c++') flags.push(...d.cxxflags, ...target.cxxflags);
  if (target.type === 'shared-library') flags.push('-fPIC');
  return flags.filter((f) => standardOf(f) === undefined || standardOf(f) === driverOf(lang));
}

/** `-std=c++17`, `-std=gnu++20` → c++; `-std=c11`, `-std=gnu99`, `-std=iso9899:1999` → c; any other flag → undefined. */
export function standardOf(flag: string): 'c' | 'c++' | undefined {
  const m = /^--?std=(.*)$/.exec(flag);
  if (!m) return undefined;
  return /^(c|gnu)\+\+/.test(m[1] as string) ? 'c++' : 'c';
}

