/**
 * librariesNeeded: which guessed libraries each guessed target uses, read
 * from the symbols of the objects the database names (when the build left
 * them on disk): a target needs a library that defines a symbol it, or a
 * library it needs, leaves undefined. A program also needs `main()` (the C
 * library's start files call it), which is how a test program finds the
 * library that gives it one. The answer lists each target's libraries in
 * the order they were found (users before what they use); cycles between
 * libraries are possible and left to the link (nixmake links archives as a
 * group). Pure: `symbols` answers for the object files.
 */
import type { GuessedTarget } from './guessTargets.js';

export interface ObjectSymbols {
  readonly defined: readonly string[];
  readonly undefined: readonly string[];
}

/** undefined when some object's symbols are unknown (not built yet). */
export function librariesNeeded(targets: readonly GuessedTarget[], symbols: (object: string) => ObjectSymbols | undefined): Map<GuessedTarget, GuessedTarget[]> | undefined {
  const defs = new Map<GuessedTarget, Set<string>>();
  const undefs = new Map<GuessedTarget, Set<string>>();
  for (const t of targets) {
    const d = new Set<string>();
    const u = new Set<string>();
    for (const c of t.compiles) {
      const s = symbols(c.output);
      if (!s) return undefined;
      s.defined.forEach((x) => d.add(x));
      s.undefined.forEach((x) => u.add(x));
    }
    if (t.kind === 'executable') u.add('main');
    defs.set(t, d);
    undefs.set(t, u);
  }
  const libraries = targets.filter((t) => t.kind !== 'executable');
  /** symbol → the first library that defines it. */
  const definer = new Map<string, GuessedTarget>();
  for (const l of libraries) for (const x of defs.get(l) ?? []) if (!definer.has(x)) definer.set(x, l);
  const needed = new Map<GuessedTarget, GuessedTarget[]>();
  for (const t of targets) {
    const found: GuessedTarget[] = [];
    const queue = [t];
    while (queue.length > 0) {
      const cur = queue.shift() as GuessedTarget;
      for (const x of undefs.get(cur) ?? []) {
        if (defs.get(t)?.has(x)) continue;
        const l = definer.get(x);
        if (l === undefined || l === t || found.includes(l)) continue;
        found.push(l);
        queue.push(l);
      }
    }
    needed.set(t, found);
  }
  return needed;
}
