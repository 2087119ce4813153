/**
 * resolveInclude: one include directive → the file GCC would open, by GCC's
 * search rules, plus every candidate it tried first.
 *
 * The candidates that did not exist matter: creating one later would shadow
 * the header found now. Pure apart from the `isFile` probe it is given.
 */
import path from 'node:path';
import type { SearchPath } from './SearchPath.js';

/** Where a file was found: an index into `chainOf(sp)`, the includer's own directory, or not by search. */
export type FoundIn = number | 'includer-dir' | 'not-searched';

export interface Includer {
  /** Absolute path of the file holding the directive. */
  readonly path: string;
  readonly foundIn: FoundIn;
}

export interface Resolution {
  /** Absolute path of the header, or undefined when no candidate exists. */
  readonly file: string | undefined;
  readonly foundIn: FoundIn;
  /** Candidates tried before the match (or all of them when missing), absolute. */
  readonly probed: readonly string[];
}

export interface IncludeRequest {
  readonly directive: 'include' | 'include_next' | 'import';
  readonly form: 'quote' | 'angle';
  readonly name: string;
}

export function resolveInclude(
  req: IncludeRequest,
  includer: Includer,
  sp: SearchPath,
  isFile: (absPath: string) => boolean,
): Resolution {
  if (path.isAbsolute(req.name)) {
    const file = path.normalize(req.name);
    return isFile(file) ? { file, foundIn: 'not-searched', probed: [] } : { file: undefined, foundIn: 'not-searched', probed: [file] };
  }
  const chain = [...sp.quote, ...sp.bracket, ...sp.system];
  const probed: string[] = [];
  let start: number;
  let tryIncluderDir = false;
  if (req.directive === 'include_next' && typeof includer.foundIn === 'number') {
    // GCC continues with the directory after the one where the current file was found.
    start = includer.foundIn + 1;
  } else if (req.directive === 'include_next' && includer.foundIn === 'includer-dir') {
    // A file found next to its includer has that directory as its "dir"; the next one is the quote chain.
    start = 0;
  } else {
    // A plain include, or #include_next in a file not found by search (GCC treats it as #include).
    start = req.form === 'quote' ? 0 : sp.quote.length;
    tryIncluderDir = req.form === 'quote';
  }
  if (tryIncluderDir) {
    const candidate = path.join(path.dirname(includer.path), req.name);
    if (isFile(candidate)) return { file: candidate, foundIn: 'includer-dir', probed };
    probed.push(candidate);
  }
  for (let i = start; i < chain.length; i++) {
    const candidate = path.join(chain[i] as string, req.name);
    if (isFile(candidate)) return { file: candidate, foundIn: i, probed };
    probed.push(candidate);
  }
  return { file: undefined, foundIn: 'not-searched', probed };
}
