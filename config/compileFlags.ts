/**
 * compileFlags: the compiler arguments of one TU of a target, from the
 * config alone: its compile database entry's if `compileCommands` has one,
 * else -I, -D and cflags (defaults first, then the target's), the language's
 * own flags, and -fPIC for shared libraries. Pure; it does not add the flags
 * nixmake adds for its own reasons (see engine/derivations).
 */
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
  return flags;
}

