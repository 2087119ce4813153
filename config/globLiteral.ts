/**
 * globLiteral: a project-relative file name as a `sources` pattern that
 * matches that file alone, whatever characters its name holds: fast-glob's
 * escapes for `*?[]{}()` and backslashes, and a leading `!` (which would
 * make the pattern a negation) escaped too. For writers of nixmake.json
 * (init); matchGlob and fast-glob read the escapes back.
 */
import fg from 'fast-glob';

export function globLiteral(name: string): string {
  const escaped = fg.escapePath(name);
  return escaped.startsWith('!') ? `\\${escaped}` : escaped;
}
