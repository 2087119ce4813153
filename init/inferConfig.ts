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
import { factorFlags, joinFlags } from './factorFlags.js';
import type { PerSourceEntry } from './factorFlags.js';
import { mapFlags } from './mapFlags.js';
import { globLiteral } from '../config/globLiteral.js';

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
  /** Named by the build's own description (CMake's target name): kept as it is. */
  readonly given: boolean;
  readonly type: 'static-library' | 'shared-library' | 'executable';
  readonly output: string;
  readonly objects: readonly string[];
  readonly link?: LinkStep;
}

/**
 * `names`: output file → the target name the build itself gives it (CMake's
 * target names); those are kept, and only the other targets are named from
 * their files.
 */
export function inferConfig(steps: Steps, root: string, exists: (p: string) => boolean, lookup?: HostPackageLookup, names: ReadonlyMap<string, string> = new Map()): Inferred {
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

  /** Other names the build gave a program: symlinks to it and copies of it (cp, install, ln), followed through each other. */
  const aliasesOf = (output: string): string[] => {
    const copyOf = new Map<string, string>();
    for (const c of [...steps.copies].sort((a, b) => a.order - b.order)) {
      // `cp prog dir` copies to dir/prog: seen when that file exists at the end.
      const to = exists(path.join(c.to, path.basename(c.from))) && !exists(path.join(c.from, path.basename(c.from))) ? path.join(c.to, path.basename(c.from)) : c.to;
      copyOf.set(to, c.from);
    }
    const origin = (p: string): string => {
      const seen = new Set<string>();
      let cur = p;
      for (;;) {
        if (seen.has(cur)) return cur;
        seen.add(cur);
        const next = steps.symlinks.has(cur) ? resolveLink(cur) : copyOf.get(cur);
        if (next === undefined || next === cur) return cur;
        cur = next;
      }
    };
    const names = new Set<string>();
    for (const p of [...steps.symlinks.keys(), ...copyOf.keys()]) if (p !== output && origin(p) === output) names.add(path.basename(p));
    return [...names].sort();
  };

  const named = (output: string, fallback: string): { name: string; given: boolean } => {
    const given = names.get(output);
    return given !== undefined && /^[A-Za-z0-9_.+-]+$/.test(given) ? { name: given, given: true } : { name: fallback, given: false };
  };
  // Targets: the last archive or link step of each output that still exists.
  const lastArchive = new Map<string, ArchiveStep>();
  for (const a of steps.archives) lastArchive.set(a.output, a);
  const lastLink = new Map<string, LinkStep>();
  for (const l of steps.links) lastLink.set(l.output, l);
  const targets: Target[] = [];
  for (const a of lastArchive.values()) {
    if (!exists(a.output)) continue;
    targets.push({ ...named(a.output, libName(a.output)), type: 'static-library', output: a.output, objects: a.members });
  }
  for (const l of lastLink.values()) {
    if (!exists(l.output)) {
      if (rel(l.output) !== undefined) notes.push(`skipped ${show(l.output)}: linked during the build but gone at its end (a configure test?)`);
      continue;
    }
    // An archive linked whole (libtool's convenience library in a shared one) gives its members.
    const objects = l.inputs.flatMap((i) => (producer.has(i) ? [i] : l.wholeArchives?.includes(i) ? lastArchive.get(i)?.members ?? [] : []));
    targets.push({ ...named(l.output, l.kind === 'shared-library' ? libName(l.output) : path.basename(l.output)), type: l.kind, output: l.output, objects, link: l });
  }
  nameTargets(targets, rel);
  const byOutput = new Map(targets.map((t) => [t.output, t]));

  const config: Record<string, unknown> = {};
  const out: Record<string, Record<string, unknown>> = {};
  /** Link flag not carried over → the targets whose links had it. */
  const dropped = new Map<string, string[]>();
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
    // One object per (target, TU); a TU compiled again with other flags into the same target (an
    // object library's copy) is a `variant` object of its own, with that compile's whole line.
    const byTu = new Map<string, CompileStep>();
    const variants: PerSourceEntry[] = [];
    const seenFlags = new Map<string, string[]>();
    for (const c of compiles) {
      const tu = rel(c.source) as string;
      const flags = JSON.stringify(mapFlags(c, rel));
      const seen = seenFlags.get(tu) ?? [];
      if (!byTu.has(tu)) byTu.set(tu, c);
      else if (!seen.includes(flags)) {
        const variant = String(seen.length + 1);
        variants.push({ sources: [tu], variant, flags: joinFlags(mapFlags(c, rel)) });
        notes.push(`${t.name}: ${tu} is compiled ${seen.length + 1} times with different flags and each object is linked: the other objects are perSource variants (${variant})`);
      }
      if (!seen.includes(flags)) seenFlags.set(tu, [...seen, flags]);
    }
    const tuFlags = [...byTu].map(([tu, c]) => ({ tu, flags: mapFlags(c, rel) }));
    for (const { flags: f } of tuFlags) {
      f.forEach((a, i) => {
        const dir = f[i + 1];
        if (['-I', '-isystem', '-idirafter', '-iquote'].includes(a) && dir !== undefined && path.isAbsolute(dir)) trace(dir, `${a}${dir}`);
      });
    }
    const factored = factorFlags(tuFlags, t.type === 'shared-library');
    // Names as patterns: a file called main(2).c or util[1].c is itself, not a glob.
    const entry: Record<string, unknown> = { type: t.type, sources: [...byTu.keys()].map(globLiteral) };
    Object.assign(entry, factored.target);
    if (factored.perSource.length > 0 || variants.length > 0) {
      entry['perSource'] = [...factored.perSource, ...variants].map((e) => ({ ...e, sources: e.sources.map(globLiteral) }));
      const n = factored.perSource.reduce((k, e) => k + e.sources.length, 0);
      if (n > 0) notes.push(`${t.name}: ${n} of ${byTu.size} source(s) compiled with flags of their own (perSource: ${factored.perSource.filter((e) => e.flags === undefined).length} adding to the target's, ${factored.perSource.filter((e) => e.flags !== undefined).length} replacing them)`);
    }
    const fileName = path.basename(t.output);
    if (fileName !== defaultFileName(t) && validFileName(t.type, fileName)) entry['fileName'] = fileName;
    if (t.link) {
      const deps: string[] = [];
      const libs: string[] = [];
      const addDep = (lib: Target): void => {
        if (lib !== t && !deps.includes(lib.name)) deps.push(lib.name);
      };
      for (const input of t.link.inputs) {
        if (producer.has(input) || (t.link.wholeArchives?.includes(input) && lastArchive.has(input))) continue;
        const lib = byOutput.get(resolveLink(input));
        const system = rel(input) === undefined ? systemLibrary(input) : undefined;
        if (lib) addDep(lib);
        else if (system !== undefined) {
          // A library of the host named by path (CMake's find_package): linked by name, its package imported.
          if (!libs.includes(system)) libs.push(system);
          if (lookup) trace(input, `${input} (-l${system})`);
        } else unmapped.push(`${t.name}: links ${show(input)}, which the recorded build did not make`);
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
      // Scripts the link reads become its inputs, named by their project-relative paths.
      const linkInputs: string[] = [];
      const scriptFlags = new Map(t.link.scripts.map((sc) => [`${sc.flag}${sc.path}`, sc]));
      const ldflags = t.link.ldflags.flatMap((f) => {
        const sc = scriptFlags.get(f);
        if (!sc) return [f];
        const r = rel(sc.path);
        if (r === undefined) {
          unmapped.push(`${t.name}: the link reads ${sc.path}, outside the project; flag dropped (${sc.flag}${sc.path})`);
          return [];
        }
        if (!linkInputs.includes(r)) linkInputs.push(r);
        return [`${sc.flag}${r}`];
      });
      if (ldflags.length > 0) entry['ldflags'] = ldflags;
      if (linkInputs.length > 0) {
        entry['linkInputs'] = linkInputs;
        notes.push(`${t.name}: the link reads ${linkInputs.join(', ')} (linkInputs)`);
      }
      if (t.type === 'shared-library' && t.link.soname) entry['soname'] = t.link.soname;
      for (const d of t.link.dropped) dropped.set(d, [...(dropped.get(d) ?? []), t.name]);
      if (t.type === 'executable') {
        const names = aliasesOf(t.output).filter((a) => a !== fileName && validFileName('executable', a));
        if (names.length > 0) {
          entry['aliases'] = names;
          notes.push(`${t.name}: also made as ${names.join(', ')} (aliases)`);
        }
      }
    }
    out[t.name] = entry;
    notes.push(`${t.name}: ${t.type} from ${show(t.output)}, ${compiles.length} source(s)${entry['deps'] ? `, links ${(entry['deps'] as string[]).join(', ')}` : ''}${entry['libs'] ? `, system libs ${(entry['libs'] as string[]).join(' ')}` : ''}`);
  }
  // One note per flag: a CMake build gives every program the same rpath into its build tree.
  for (const [d, names] of dropped) notes.push(`${names.length === 1 ? names[0] as string : `${names.length} targets (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`}: dropped the link flag ${d}`);
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

/**
 * Targets the build named keep those names. Executables keep their names,
 * unless two have the same one (two `main`s in different folders): then each is named after its folder too. A
 * library whose name is taken gets -static or -shared (its files keep the
 * project's names: `fileName`).
 */
function nameTargets(all: Target[], rel: (p: string) => string | undefined): void {
  const targets = all.filter((t) => !t.given);
  const exes = targets.filter((t) => t.type === 'executable');
  const count = new Map<string, number>();
  for (const t of exes) count.set(t.name, (count.get(t.name) ?? 0) + 1);
  for (const t of exes) {
    if ((count.get(t.name) ?? 0) < 2) continue;
    const dir = path.dirname(rel(t.output) ?? t.output).replace(/^\/+/, '');
    t.name = `${dir === '.' ? 'root' : dir}-${t.name}`.replace(/[^A-Za-z0-9_.+-]/g, '-');
  }
  const taken = new Set([...all.filter((t) => t.given), ...exes].map((t) => t.name));
  for (const t of targets.filter((x) => x.type === 'static-library')) {
    if (taken.has(t.name)) t.name = `${t.name}-static`;
    taken.add(t.name);
  }
  for (const t of targets.filter((x) => x.type === 'shared-library')) {
    if (taken.has(t.name)) t.name = `${t.name}-shared`;
    taken.add(t.name);
  }
}

/** The file a target's link writes when the config gives no `fileName`. */
function defaultFileName(t: Target): string {
  return t.type === 'executable' ? t.name : t.type === 'static-library' ? `lib${t.name}.a` : `lib${t.name}.so`;
}

/** Whether parseConfig takes `name` as the fileName of such a target. */
function validFileName(type: Target['type'], name: string): boolean {
  if (!/^[A-Za-z0-9_+-][A-Za-z0-9_.+-]*$/.test(name)) return false;
  return type === 'static-library' ? name.endsWith('.a') : type === 'shared-library' ? /\.so(\.|$)/.test(name) : true;
}

/**
 * A host library named by path on a link line (`/usr/lib/x86_64-linux-gnu/libssl.so`)
 * → its `libs` name: `ssl` for libssl.so, `:libssl.so.3` for a versioned file or an archive
 * (so that -l finds that very file); undefined for anything else.
 */
export function systemLibrary(file: string): string | undefined {
  const b = path.basename(file);
  const plain = /^lib(.+)\.so$/.exec(b);
  if (plain) return plain[1];
  return /^lib.+\.(a|so(\.[0-9]+)+)$/.test(b) ? `:${b}` : undefined;
}
