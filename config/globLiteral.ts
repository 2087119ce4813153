/**
 * globLiteral: a project-relative file name as a `sources` pattern that
 * matches that file alone, whatever characters its name holds: fast-glob's
 * escapes for `*?[]{}()`, backslashes and a leading `!` (which would make
 * the pattern a negation). For writers of nixmake.json (init); matchGlob
 * and fast-glob read the escapes back.
 */
import fg from 'fast-glob';

export function globLiteral(name: string): string {
  return fg.escapePath(name);
}
