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

/** The directive, the form and where the includer was found, as one small number (a Map key that needs no string built). */
function kindOf(req: IncludeRequest, includer: Includer): number {
  const df = (req.directive === 'include' ? 0 : req.directive === 'include_next' ? 1 : 2) * 2 + (req.form === 'quote' ? 0 : 1);
  const f = includer.foundIn;
  return df + 6 * (f === 'not-searched' ? 0 : f === 'includer-dir' ? 1 : f + 2);
}

export class ResolveCache {
  /** Search path → includer's folder ('' when it does not matter) → name → kindOf → answer: keys are strings the scans already hold. */
  private readonly bySearchPath = new WeakMap<SearchPath, Map<string, Map<string, Map<number, Resolution>>>>();
  /** Includer → its folder: asked for once per quote directive of every TU. */
  private readonly dirs = new Map<string, string>();

  constructor(private readonly isFile: (absPath: string) => boolean) {}

  resolve(req: IncludeRequest, includer: Includer, sp: SearchPath): Resolution {
    let byDir = this.bySearchPath.get(sp);
    if (!byDir) this.bySearchPath.set(sp, (byDir = new Map()));
    const needsDir = req.form === 'quote' || includer.foundIn === 'includer-dir' || path.isAbsolute(req.name);
    const dir = needsDir ? this.dirOf(includer.path) : '';
    let byName = byDir.get(dir);
    if (!byName) byDir.set(dir, (byName = new Map()));
    let byKind = byName.get(req.name);
    if (!byKind) byName.set(req.name, (byKind = new Map()));
    const kind = kindOf(req, includer);
    let r = byKind.get(kind);
    if (!r) byKind.set(kind, (r = resolveInclude(req, includer, sp, this.isFile)));
    return r;
  }

  private dirOf(file: string): string {
    let d = this.dirs.get(file);
    if (d === undefined) this.dirs.set(file, (d = path.dirname(file)));
    return d;
  }
}
