/**
 * factorFlags: the recorded compile flags of a target's TUs → the target's
 * own flags (the set most of its TUs were compiled with) and `perSource`
 * entries for the others, so that every TU's compile line is the recorded
 * one. A TU whose flags extend the target's gets an entry that adds the
 * rest; any other TU (a C++ file with its own -std in a C library, a file
 * built with -Os instead of -O2) gets an entry with its whole `flags`.
 * Entries with the same content share one entry listing their sources.
 *
 * "The recorded one" means: the same flags in the same order, except that
 * include folders (-I), macros (-D, -U) and all other flags are three lists
 * whose relative order does not matter to GCC (`canonicalFlags`); nixmake
 * writes -I, then -D, then the rest. Each additive entry is checked by
 * rendering it as `compileFlags` would; one that does not give the recorded
 * line becomes a `flags` entry. Shared libraries' -fPIC is left to nixmake,
 * which adds it. Pure.
 */

export interface TuFlags {
  readonly tu: string;
  /** mapFlags' output: paths project-relative, `-I dir` possibly as two arguments. */
  readonly flags: readonly string[];
}

export interface Settings {
  includeDirs?: string[];
  defines?: string[];
  cflags?: string[];
}

export interface PerSourceEntry extends Settings {
  sources: string[];
  flags?: string[];
  /** Another object of the same TU (see SourceSettings.variant); factorFlags makes none. */
  variant?: string;
}

const JOINABLE = new Set(['-I', '-D', '-U', '-iquote', '-isystem', '-idirafter']);

/** `-I dir` → `-Idir` (and -D, -U, -iquote, -isystem, -idirafter), as nixmake writes flags. */
export function joinFlags(flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i] as string;
    if (JOINABLE.has(f) && i + 1 < flags.length) out.push(`${f}${flags[++i] as string}`);
    else out.push(f);
  }
  return out;
}

type Classes = { readonly inc: string[]; readonly mac: string[]; readonly rest: string[] };

function classes(flags: readonly string[]): Classes {
  const c: Classes = { inc: [], mac: [], rest: [] };
  for (const f of joinFlags(flags)) {
    if (f.startsWith('-I') && f.length > 2) c.inc.push(f);
    else if ((f.startsWith('-D') || f.startsWith('-U')) && f.length > 2) c.mac.push(f);
    else c.rest.push(f);
  }
  return c;
}

/** Whether the order of these macro flags cannot matter: all -D, each name once. */
function orderFree(mac: readonly string[]): boolean {
  const names = mac.map((f) => (f.startsWith('-D') ? /^-D([A-Za-z_][A-Za-z0-9_]*)/.exec(f)?.[1] : undefined));
  return names.every((n) => n !== undefined) && new Set(names).size === names.length;
}

/**
 * The flags as three ordered lists (include folders, macros, the rest), as
 * a comparable string. Macros are sorted when their order cannot matter
 * (all -D, each name once).
 */
export function canonicalFlags(flags: readonly string[]): string {
  const c = classes(flags);
  return JSON.stringify([c.inc, orderFree(c.mac) ? [...c.mac].sort() : c.mac, c.rest]);
}

/**
 * Relative -I → includeDirs and -D → defines up to the first that cannot be
 * one (an absolute -I, a -U); from there on, in order, cflags (which
 * nixmake writes after them, so the order is kept). The rest → cflags.
 */
export function splitFlags(flags: readonly string[]): Settings {
  const c = classes(flags);
  const out: Settings = {};
  const cut = (list: string[], ok: (f: string) => boolean): [string[], string[]] => {
    const i = list.findIndex((f) => !ok(f));
    return i < 0 ? [list, []] : [list.slice(0, i), list.slice(i)];
  };
  const [inc, incRest] = cut(c.inc, (f) => !f.slice(2).startsWith('/'));
  const [mac, macRest] = cut(c.mac, (f) => f.startsWith('-D'));
  if (inc.length > 0) out.includeDirs = inc.map((f) => f.slice(2));
  if (mac.length > 0) out.defines = mac.map((f) => f.slice(2));
  const cflags = [...incRest, ...macRest, ...c.rest];
  if (cflags.length > 0) out.cflags = cflags;
  return out;
}

/** What `compileFlags` gives for settings applied in order (-I, -D, cflags). */
function render(parts: readonly Settings[]): string[] {
  return [
    ...parts.flatMap((p) => (p.includeDirs ?? []).map((d) => `-I${d}`)),
    ...parts.flatMap((p) => (p.defines ?? []).map((d) => `-D${d}`)),
    ...parts.flatMap((p) => p.cflags ?? []),
  ];
}

const startsWith = (a: readonly string[], prefix: readonly string[]): boolean => prefix.length <= a.length && prefix.every((x, i) => a[i] === x);

export function factorFlags(tus: readonly TuFlags[], shared: boolean): { target: Settings; perSource: PerSourceEntry[] } {
  const own = (f: readonly string[]): string[] => (shared ? f.filter((x) => x !== '-fPIC') : [...f]);
  const counts = new Map<string, { n: number; flags: string[] }>();
  for (const t of tus) {
    const k = canonicalFlags(own(t.flags));
    const hit = counts.get(k);
    if (hit) hit.n++;
    else counts.set(k, { n: 1, flags: own(t.flags) });
  }
  let common: { key: string; flags: string[] } = { key: canonicalFlags([]), flags: [] };
  let best = 0;
  for (const [key, { n, flags }] of counts) {
    if (n > best) {
      best = n;
      common = { key, flags };
    }
  }
  const target = splitFlags(common.flags);
  const base = classes(render([target]));
  const entries = new Map<string, PerSourceEntry>();
  for (const t of tus) {
    const mine = own(t.flags);
    const key = canonicalFlags(mine);
    if (key === common.key) continue;
    const c = classes(mine);
    let entry: Omit<PerSourceEntry, 'sources'> | undefined;
    // Macros whose order cannot matter extend the target's when they hold all of them, wherever.
    const macAdds = startsWith(c.mac, base.mac)
      ? c.mac.slice(base.mac.length)
      : orderFree(c.mac) && base.mac.every((m) => c.mac.includes(m))
        ? c.mac.filter((m) => !base.mac.includes(m))
        : undefined;
    if (startsWith(c.inc, base.inc) && macAdds !== undefined && startsWith(c.rest, base.rest)) {
      const adds = splitFlags([...c.inc.slice(base.inc.length), ...macAdds, ...c.rest.slice(base.rest.length)]);
      if (canonicalFlags(render([target, adds])) === key) entry = adds;
    }
    entry ??= { flags: joinFlags(t.flags) };
    const k = JSON.stringify(entry);
    const e = entries.get(k);
    if (e) {
      if (!e.sources.includes(t.tu)) e.sources.push(t.tu);
    } else entries.set(k, { sources: [t.tu], ...entry });
  }
  const perSource = [...entries.values()];
  for (const e of perSource) e.sources.sort();
  return { target, perSource };
}
