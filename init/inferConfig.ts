/**
 * inferConfig: build steps (from a recorded build) → a nixmake.json object,
 * plus notes on what was inferred and what could not be mapped.
 *
 * Each archive becomes a static-library, each shared link a shared-library
 * (with its soname), each other link an executable. A target's sources are
 * the TUs whose objects it links, found by following objects back to the
 * compile that produced them (through renames such as libtool's and zlib's
 * `mv objs/x.o x.lo`), so a TU compiled twice (PIC and not) gets each
 * target's own flags. Libraries named on a link line by path or by -l in a
 * project folder become deps; other -l names are system libs. Include
 * folders inside the project become project-relative; outside, they stay
 * absolute (toolchain inputs). With a `HostPackageLookup`, the absolute
 * include folders outside the project and the -l names no project library
 * supplies (searched in the link's -L folders, then the lookup's own) are
 * traced to the Debian packages that hold them, which become `hostPackages`.
 * Pure: `exists` and the lookup answer for the file system and dpkg.
 */
import path from 'node:path';
import type { ArchiveStep, CompileStep, LinkStep, Steps } from './classifyCommands.js';
import { mapFlags } from './mapFlags.js';

export interface Inferred {
  readonly config: Record<string, unknown>;
  readonly notes: string[];
  readonly unmapped: string[];
}

/** Who provides a host path outside the project. */
export type HostOwner =
  | { readonly kind: 'package'; readonly name: string }
  /** The toolchain's own files (the C library's headers, libm.so, libstdc++): nothing to import. */
  | { readonly kind: 'toolchain' }
  | { readonly kind: 'unknown' };

/** Answers for dpkg (toolchain/dpkgLookup is the real one). */
export interface HostPackageLookup {
  /** Folders the linker searches after the -L ones (the host's multiarch lib folders). */
  readonly libDirs: readonly string[];
  /** The package to import for an absolute include folder or library file (a -dev package where one exists). */
  owner(hostPath: string): HostOwner;
}

interface Target {
  name: string;
  readonly type: 'static-library' | 'shared-library' | 'executable';
  readonly output: string;
  readonly objects: readonly string[];
  readonly link?: LinkStep;
}

export function inferConfig(steps: Steps, root: string, exists: (p: string) => boolean, lookup?: HostPackageLookup): Inferred {
  const notes: string[] = [];
  const unmapped: string[] = [];
  /** package → what needed it (`-I/usr/include/libxml2`, `-lonig`), in the order met. */
  const hostPackages = new Map<string, string[]>();
  const traced = new Set<string>();
  const trace = (hostPath: string, why: string): void => {
    if (!lookup || traced.has(why)) return;
    traced.add(why);
    const o = lookup.owner(hostPath);
    if (o.kind === 'package') hostPackages.set(o.name, [...(hostPackages.get(o.name) ?? []), why]);
    else if (o.kind === 'unknown') notes.push(`${why}: no single Debian package holds ${hostPath}; list the package (or the folder) in hostPackages yourself`);
  };
  const rel = (p: string): string | undefined => {
    const r = path.relative(root, p);
    return r.startsWith('..') || path.isAbsolute(r) ? undefined : r === '' ? '.' : r;
  };
  const show = (p: string): string => rel(p) ?? p;

  // Which compile made each object, following renames (the last writer wins).
  const producer = new Map<string, CompileStep>();
  const events: ({ order: number } & ({ c: CompileStep } | { from: string; to: string }))[] = [
    ...steps.compiles.map((c) => ({ order: c.order, c })),
    ...steps.renames,
  ];
  for (const ev of events.sort((a, b) => a.order - b.order)) {
    if ('c' in ev) producer.set(ev.c.output, ev.c);
    else {
      const c = producer.get(ev.from);
      if (c) producer.set(ev.to, c);
    }
  }
  const resolveLink = (p: string): string => {
    const seen = new Set<string>();
    let cur = p;
    while (steps.symlinks.has(cur) && !seen.has(cur)) {
      seen.add(cur);
      cur = path.resolve(path.dirname(cur), path.relative(path.dirname(cur), steps.symlinks.get(cur) as string));
    }
    return cur;
  };

  // Targets: the last archive or link step of each output that still exists.
  const lastArchive = new Map<string, ArchiveStep>();
  for (const a of steps.archives) lastArchive.set(a.output, a);
  const lastLink = new Map<string, LinkStep>();
  for (const l of steps.links) lastLink.set(l.output, l);
  const targets: Target[] = [];
  for (const a of lastArchive.values()) {
    if (!exists(a.output)) continue;
    targets.push({ name: libName(a.output), type: 'static-library', output: a.output, objects: a.members });
  }
  for (const l of lastLink.values()) {
    if (!exists(l.output)) {
      if (rel(l.output) !== undefined) notes.push(`skipped ${show(l.output)}: linked during the build but gone at its end (a configure test?)`);
      continue;
    }
    const objects = l.inputs.filter((i) => producer.has(i));
    targets.push({ name: l.kind === 'shared-library' ? libName(l.output) : path.basename(l.output), type: l.kind, output: l.output, objects, link: l });
  }
  nameTargets(targets);
  const byOutput = new Map(targets.map((t) => [t.output, t]));

  const config: Record<string, unknown> = {};
  const out: Record<string, Record<string, unknown>> = {};
  for (const t of targets.sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name))) {
    const compiles: CompileStep[] = [];
    for (const o of t.objects) {
      const c = producer.get(o);
      if (!c) unmapped.push(`${t.name}: ${show(o)} was not compiled by the recorded build`);
      else if (rel(c.source) === undefined) unmapped.push(`${t.name}: ${c.source} is outside the project`);
      else compiles.push(c);
    }
    if (compiles.length === 0) {
      unmapped.push(`${t.name}: no sources found; target left out`);
      continue;
    }
    const flagSets = compiles.map((c) => mapFlags(c, rel));
    const key = (f: readonly string[]): string => JSON.stringify(f);
    const counts = new Map<string, number>();
    for (const f of flagSets) counts.set(key(f), (counts.get(key(f)) ?? 0) + 1);
    const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '[]';
    flagSets.forEach((f, i) => {
      if (key(f) !== common) notes.push(`${t.name}: ${show(compiles[i]?.source ?? '')} was compiled with other flags (${f.join(' ')}); the target's flags are used`);
    });
    const flags = JSON.parse(common) as string[];
    for (const f of flagSets) {
      f.forEach((a, i) => {
        const dir = f[i + 1];
        if (['-I', '-isystem', '-idirafter', '-iquote'].includes(a) && dir !== undefined && path.isAbsolute(dir)) trace(dir, `${a}${dir}`);
      });
    }
    const entry: Record<string, unknown> = { type: t.type, sources: [...new Set(compiles.map((c) => rel(c.source) as string))] };
    Object.assign(entry, splitFlags(t.type === 'shared-library' ? flags.filter((f) => f !== '-fPIC') : flags));
    if (t.link) {
      const deps: string[] = [];
      const libs: string[] = [];
      const addDep = (lib: Target): void => {
        if (lib !== t && !deps.includes(lib.name)) deps.push(lib.name);
      };
      for (const input of t.link.inputs) {
        if (producer.has(input)) continue;
        const lib = byOutput.get(resolveLink(input));
        if (lib) addDep(lib);
        else unmapped.push(`${t.name}: links ${show(input)}, which the recorded build did not make`);
      }
      for (const l of t.link.libs) {
        const found = t.link.libDirs
          .flatMap((d) => [`lib${l}.so`, `lib${l}.a`].map((f) => path.join(d, f)))
          .map((p) => byOutput.get(resolveLink(p)))
          .find((x) => x !== undefined);
        if (found) addDep(found);
        else if (!libs.includes(l)) libs.push(l);
        if (!found && lookup) {
          const dirs = [...t.link.libDirs.filter((d) => rel(d) === undefined), ...lookup.libDirs];
          const file = dirs.flatMap((d) => [`lib${l}.so`, `lib${l}.a`].map((f) => path.join(d, f))).find(exists);
          if (file) trace(file, `-l${l}`);
          else if (!traced.has(`-l${l}`)) {
            traced.add(`-l${l}`);
            notes.push(`-l${l}: lib${l}.so is in none of ${dirs.join(', ')}`);
          }
        }
      }
      if (deps.length > 0) entry['deps'] = deps;
      if (libs.length > 0) entry['libs'] = libs;
      if (t.link.ldflags.length > 0) entry['ldflags'] = t.link.ldflags;
      if (t.type === 'shared-library' && t.link.soname) entry['soname'] = t.link.soname;
      for (const d of t.link.dropped) notes.push(`${t.name}: dropped the link flag ${d}`);
    }
    out[t.name] = entry;
    notes.push(`${t.name}: ${t.type} from ${show(t.output)}, ${compiles.length} source(s)${entry['deps'] ? `, links ${(entry['deps'] as string[]).join(', ')}` : ''}${entry['libs'] ? `, system libs ${(entry['libs'] as string[]).join(' ')}` : ''}`);
  }
  if (hostPackages.size > 0) {
    config['hostPackages'] = [...hostPackages.keys()].sort();
    for (const [pkg, why] of [...hostPackages].sort((a, b) => (a[0] < b[0] ? -1 : 1))) notes.push(`hostPackages: ${pkg} (for ${why.join(', ')})`);
  }
  config['targets'] = out;
  return { config, notes, unmapped };
}

const order = (t: Target): number => (t.type === 'static-library' ? 0 : t.type === 'shared-library' ? 1 : 2);

function libName(output: string): string {
  const b = path.basename(output).replace(/\.so(\.\d+)*$/, '').replace(/\.a$/, '');
  return (b.startsWith('lib') && b.length > 3 ? b.slice(3) : b).replace(/[^A-Za-z0-9_.+-]/g, '_');
}

/** Executables keep their names; a library whose name is taken gets -static or -shared. */
function nameTargets(targets: Target[]): void {
  const taken = new Set(targets.filter((t) => t.type === 'executable').map((t) => t.name));
  for (const t of targets.filter((x) => x.type === 'static-library')) {
    if (taken.has(t.name)) t.name = `${t.name}-static`;
    taken.add(t.name);
  }
  for (const t of targets.filter((x) => x.type === 'shared-library')) {
    if (taken.has(t.name)) t.name = `${t.name}-shared`;
    taken.add(t.name);
  }
}

/** -I → includeDirs, -D → defines, the rest → cflags. */
function splitFlags(flags: readonly string[]): Record<string, string[]> {
  const includeDirs: string[] = [];
  const defines: string[] = [];
  const cflags: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const a = flags[i] as string;
    if (a === '-I') {
      const dir = flags[++i] ?? '.';
      if (path.isAbsolute(dir)) cflags.push(`-I${dir}`);
      else includeDirs.push(dir);
    }
    else if (a === '-D') defines.push(flags[++i] ?? '');
    else if (a.startsWith('-D')) defines.push(a.slice(2));
    else cflags.push(a);
  }
  const r: Record<string, string[]> = {};
  if (includeDirs.length > 0) r['includeDirs'] = includeDirs;
  if (defines.length > 0) r['defines'] = defines;
  if (cflags.length > 0) r['cflags'] = cflags;
  return r;
}
