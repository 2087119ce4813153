/**
 * matchGlob: whether a project-relative name matches a `sources` glob, for
 * files that are not on disk yet (generators' outputs). The subset of
 * fast-glob's syntax that source lists use: `*` and `?` (not across `/`),
 * `**` (any number of folders), `{a,b}` alternatives, `[…]` classes. Pure.
 *
 * It does not glob the disk (expandSources does, with fast-glob).
 */

/** The pattern as an anchored regular expression. */
export function globRegExp(pattern: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        const slash = pattern[i + 2] === '/';
        // `**/` is zero or more folders; a trailing `**` anything below.
        re += slash ? '(?:[^/]*/)*' : '.*';
        i += slash ? 2 : 1;
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (ch === '{') {
      braces++;
      re += '(?:';
    } else if (ch === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (ch === ',' && braces > 0) {
      re += '|';
    } else if (ch === '\\' && i + 1 < pattern.length) {
      re += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else {
      re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** Whether `name` (normalised, project-relative) matches `pattern` (a leading `./` ignored). */
export function matchGlob(name: string, pattern: string): boolean {
  return globRegExp(pattern.replace(/^(\.\/)+/, '')).test(name);
}
