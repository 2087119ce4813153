/**
 * ResolveCache: `resolveInclude` memoised for one run. Thousands of TUs ask
 * the same questions (where is <stdio.h> for this search path?), and each
 * answer costs several path joins and existence probes.
 *
 * The key holds everything the answer depends on: the search path (by
 * identity: build one SearchPath per distinct set of flags), the directive,
 * the form, the name, where the includer was found and, for the quote form
 * and for a header found next to its includer, the includer's directory. It
 * does not outlive a run: files may appear or vanish between runs.
 */
import path from 'node:path';
import { resolveInclude } from './resolveInclude.js';
import type { Includer, IncludeRequest, Resolution } from './resolveInclude.js';
import type { SearchPath } from './SearchPath.js';

export class ResolveCache {
  private readonly bySearchPath = new WeakMap<SearchPath, Map<string, Resolution>>();
  /** Includer → its folder: asked for once per quote directive of every TU. */
  private readonly dirs = new Map<string, string>();

  constructor(private readonly isFile: (absPath: string) => boolean) {}

  resolve(req: IncludeRequest, includer: Includer, sp: SearchPath): Resolution {
    let memo = this.bySearchPath.get(sp);
    if (!memo) this.bySearchPath.set(sp, (memo = new Map()));
    const needsDir = req.form === 'quote' || includer.foundIn === 'includer-dir' || path.isAbsolute(req.name);
    const key = `${req.directive}\0${req.form}\0${String(includer.foundIn)}\0${req.name}\0${needsDir ? this.dirOf(includer.path) : ''}`;
    let r = memo.get(key);
    if (!r) memo.set(key, (r = resolveInclude(req, includer, sp, this.isFile)));
    return r;
  }

  private dirOf(file: string): string {
    let d = this.dirs.get(file);
    if (d === undefined) this.dirs.set(file, (d = path.dirname(file)));
    return d;
  }
}
