/**
 * fromCmake: CMake's own description of a configured build (its File API
 * reply, codemodel v2) → the build steps a recorded build would have given
 * (compiles, archives, links, as `classifyCommands` reads them), so
 * `inferConfig` turns them into nixmake.json. Nothing is built.
 *
 * Each target of the first configuration gives: one compile per source
 * with a compile group (its defines, include folders and flags, in CMake's
 * order), written where CMake writes the object
 * (`<target build dir>/CMakeFiles/<target>.dir/<source>.o`, so an object
 * library's objects, which its users list as sources, lead back to its
 * compiles); an archive for a static library; a link for an executable,
 * shared or module library (its link flags, objects, libraries and library
 * paths, run in the target's build folder as CMake runs it), each output
 * named after its CMake target (`names`). The File API
 * gives no soname and does not describe custom commands: sources marked
 * generated are listed in `generated`, to be made before `nixmake build`.
 * Pure: `read` answers for the reply files.
 */
import path from 'node:path';
import type { Steps } from './classifyCommands.js';
import { classifyCommands } from './classifyCommands.js';
import { shellSplit } from './fromCompileCommands.js';
import type { Exec } from './readInterceptLog.js';

interface Fragment {
  fragment: string;
  role?: string;
}

interface CmakeTarget {
  name: string;
  type: string;
  artifacts?: { path: string }[];
  paths: { source: string; build: string };
  sources: { path: string; compileGroupIndex?: number; isGenerated?: boolean }[];
  compileGroups?: {
    language: string;
    compileCommandFragments?: Fragment[];
    includes?: { path: string; isSystem?: boolean }[];
    defines?: { define: string }[];
    sysroot?: { path: string };
  }[];
  link?: { commandFragments?: Fragment[] };
}

export interface CmakeModel {
  readonly steps: Steps;
  /** Sources the build generates (custom commands), project-relative or absolute. */
  readonly generated: string[];
  /** Output file (absolute) → CMake's name for the target that makes it. */
  readonly names: Map<string, string>;
  readonly notes: string[];
}

/** The query file that asks CMake for the code model, relative to the build folder. */
export const CMAKE_QUERY = '.cmake/api/v1/query/client-nixmake/codemodel-v2';
const REPLY_DIR = '.cmake/api/v1/reply';

/** Reads the newest reply index's code model (`read(relative path)` reads a file of the build folder, `list` the reply folder). */
export function fromCmake(buildDir: string, list: (rel: string) => string[], read: (rel: string) => string): CmakeModel {
  const index = list(REPLY_DIR).filter((f) => /^index-.*\.json$/.test(f)).sort().pop();
  if (index === undefined) throw new Error(`CMake wrote no File API reply in ${path.join(buildDir, REPLY_DIR)}; is this a CMake build folder (CMake 3.14 or newer)?`);
  const idx = JSON.parse(read(path.join(REPLY_DIR, index))) as { reply?: Record<string, Record<string, { jsonFile?: string }>> };
  const jsonFile = idx.reply?.['client-nixmake']?.['codemodel-v2']?.jsonFile;
  if (jsonFile === undefined) throw new Error(`CMake's reply (${index}) has no code model for nixmake's query; re-run cmake on ${buildDir}`);
  const model = JSON.parse(read(path.join(REPLY_DIR, jsonFile))) as {
    paths: { source: string; build: string };
    configurations: { name: string; targets: { name: string; jsonFile: string }[] }[];
  };
  const config = model.configurations[0];
  const notes: string[] = [];
  const generated: string[] = [];
  const names = new Map<string, string>();
  const execs: Exec[] = [];
  const top = model.paths.source;
  const add = (argv: string[], cwd: string): void => {
    execs.push({ rid: String(execs.length), pid: execs.length + 1, ppid: 0, executable: '', argv, cwd, status: 0, order: execs.length });
  };
  const targets = (config?.targets ?? []).map((t) => JSON.parse(read(path.join(REPLY_DIR, t.jsonFile))) as CmakeTarget);
  if (config && model.configurations.length > 1) notes.push(`CMake has ${model.configurations.length} configurations; used the first (${config.name || 'default'})`);
  const kinds = new Set(['EXECUTABLE', 'STATIC_LIBRARY', 'SHARED_LIBRARY', 'MODULE_LIBRARY', 'OBJECT_LIBRARY']);
  const tryRead = (rel: string): string => {
    try {
      return read(rel);
    } catch {
      return '';
    }
  };
  // dev name → real file, from the paths other targets link (libX.so.1.2.3 beside libX.so).
  const realNames = new Map<string, string>();
  const devNames = new Set(targets.filter((t) => t.type === 'SHARED_LIBRARY').flatMap((t) => (t.artifacts ?? []).map((a) => path.resolve(model.paths.build, a.path))));
  for (const t of targets) {
    for (const f of t.link?.commandFragments ?? []) {
      if (f.role !== 'libraries') continue;
      for (const w of shellSplit(f.fragment)) {
        const abs = path.resolve(model.paths.build, t.paths.build, w);
        const dev = abs.replace(/(\.so)\.[0-9.]+$/, '$1');
        if (dev !== abs && devNames.has(dev)) realNames.set(dev, abs);
      }
    }
  }
  // Compiles first: a link's inputs must have been made by an earlier step.
  const linkSteps: (() => void)[] = [];
  for (const t of targets) {
    if (!kinds.has(t.type)) continue;
    const cwd = path.resolve(model.paths.build, t.paths.build);
    const srcDir = path.resolve(top, t.paths.source);
    const objects: string[] = [];
    for (const s of t.sources) {
      const abs = path.resolve(top, s.path);
      if (s.isGenerated && !/\.(o|obj)$/.test(s.path) && !generated.includes(s.path)) generated.push(s.path);
      const g = s.compileGroupIndex === undefined ? undefined : t.compileGroups?.[s.compileGroupIndex];
      if (!g) {
        if (/\.(o|obj)$/.test(s.path)) objects.push(abs);
        continue;
      }
      const rel = path.relative(srcDir, abs);
      const object = path.join(cwd, 'CMakeFiles', `${t.name}.dir`, rel.startsWith('..') ? path.basename(abs) : rel) + '.o';
      objects.push(object);
      add(
        [
          g.language === 'CXX' ? 'c++' : 'cc',
          ...(g.defines ?? []).map((d) => `-D${d.define}`),
          ...(g.includes ?? []).flatMap((i) => (i.isSystem ? ['-isystem', i.path] : [`-I${i.path}`])),
          ...(g.compileCommandFragments ?? []).flatMap((f) => shellSplit(f.fragment)),
          '-o',
          object,
          '-c',
          abs,
        ],
        cwd,
      );
    }
    const artifact = t.artifacts?.[0]?.path;
    if (t.type === 'OBJECT_LIBRARY' || artifact === undefined) continue;
    let out = path.resolve(model.paths.build, artifact);
    if (t.type === 'STATIC_LIBRARY') {
      names.set(out, t.name);
      linkSteps.push(() => add(['ar', 'qc', out, ...objects], cwd));
      continue;
    }
    const frags = t.link?.commandFragments ?? [];
    const words = (role: string): string[] => frags.filter((f) => f.role === role).flatMap((f) => shellSplit(f.fragment));
    const shared: string[] = [];
    if (t.type !== 'EXECUTABLE') {
      // The artifact is the development name (libX.so); the real file (libX.so.1.2.3) is the one its users link.
      const real = realNames.get(out);
      if (real !== undefined) {
        const dev = out;
        linkSteps.push(() => add(['ln', '-s', path.basename(real), dev], path.dirname(dev)));
        out = real;
      }
      // The File API gives no soname; the Makefile generator's link.txt does.
      const soname = /-soname,([^\s,]+)/.exec(tryRead(path.join(t.paths.build, 'CMakeFiles', `${t.name}.dir`, 'link.txt')))?.[1];
      shared.push('-shared', ...(soname !== undefined ? [`-Wl,-soname,${soname}`] : []));
      if (soname === undefined && real !== undefined) notes.push(`${t.name}: CMake's File API gives no soname; the library's soname is its file name (${path.basename(real)}) unless you set "soname"`);
    }
    const target = out;
    names.set(target, t.name);
    linkSteps.push(() => add(['cc', ...shared, ...words('flags'), ...objects, '-o', target, ...words('libraryPath'), ...words('libraries')], cwd));
  }
  for (const l of linkSteps) l();
  // Custom targets (add_custom_target: test data, documentation) run commands the File API does not describe.
  const utilities = targets.filter((t) => t.type === 'UTILITY').map((t) => t.name);
  if (utilities.length > 0) notes.push(`CMake's custom targets run commands nixmake does not record (the File API does not describe them): ${utilities.join(', ')}; make what they make with cmake --build ${path.basename(buildDir)} --target NAME where it is needed`);
  for (const g of generated) notes.push(`${g} is generated by the build (a custom command, which CMake's File API does not describe): make it (cmake --build) before nixmake build`);
  return { steps: classifyCommands(execs), generated, names, notes };
}
