/**
 * derivations: the generator. Turns one node of the build graph, with the
 * store paths of its inputs, into the derivation that builds it: the
 * builder helper's own derivation, one per generator, one per object, one
 * per link.
 *
 * Pure: it computes specs and never talks to the store. Every path a
 * derivation names is either a derivation's output or a file added the way
 * `builtins.path` adds it (name "nixmake-input"), so the Nix language could
 * write the very same derivation without import-from-derivation. The
 * derivations are input-addressed (no experimental feature); early cutoff is
 * the engine's business (see execute).
 *
 * Builders run one helper (nixmake-builder) that lays out the inputs with
 * symlinks (on the sandbox's tmpfs when it has one) and runs the compiler,
 * linker or ar: no shell, no process per file. Objects are single files; links are folders (bin/, lib/).
 */
import type { TargetType } from '../config/Config.js';
import { hashPlaceholder } from '../store/storePath.js';
import type { Toolchain } from '../toolchain/Toolchain.js';
import type { GenerateNode, LinkNode, ObjectNode } from './BuildGraph.js';
import { storeName } from './BuildGraph.js';

/** A derivation that exists (or will): what dependents need to name it. */
export interface DrvRef {
  readonly drvPath: string;
  /** hashDerivationModulo of the derivation, hex: what a dependent's own hash takes in. */
  readonly hashModulo: string;
  /** Its `out` path. */
  readonly out: string;
}

/** What makeInputAddressedDerivation takes. */
export interface DerivationSpec {
  readonly name: string;
  readonly system: string;
  readonly builder: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly inputSrcs: readonly string[];
  readonly inputDrvs: Readonly<Record<string, { readonly outputs: readonly string[]; readonly hashModulo: string }>>;
}

/** Bump when the derivations written here change shape: every node then rebuilds (template-changed). */
export const DERIVATION_LAYOUT = 6;

/** The fixed folder objects compile in: Nix's sandbox build directory, plus src. */
export const BUILD_DIR = '/build/src';
/** Where the helper puts that folder when the sandbox has a tmpfs (see nixmake-builder's --workdir). */
export const TMPFS_DIR = '/dev/shm/nixmake';
/** The fixed folder links run in. */
const LINK_DIR = '/build/link';

const OUT = hashPlaceholder('out');

/**
 * Every derivation says `preferLocalBuild`: without it the daemon starts its
 * build hook (`nix __build-remote`) once per build request to ask whether a
 * remote machine should take it, which measured 21 ms of a trivial build's
 * 31 ms here (10 ms with it). Nix's language sets the same attribute
 * (`preferLocalBuild = true` → "1"), so an exported expression gives the
 * same derivations. Remote builders still work: a connection that sends
 * max-jobs 0 makes Nix 2.8 ask its hook whatever the attribute says, and
 * nixmake gives such connections to the job slots meant for the builders
 * (cli/remoteBuilders.ts, ARCHITECTURE.md).
 */
function toolchainEnv(tc: Toolchain): Record<string, string> {
  return { PATH: tc.path.join(':'), toolchainId: tc.id, preferLocalBuild: '1' };
}

function toolchainSrcs(tc: Toolchain): string[] {
  return [...tc.storePaths];
}

function drvInputs(refs: readonly DrvRef[]): Record<string, { outputs: string[]; hashModulo: string }> {
  const out: Record<string, { outputs: string[]; hashModulo: string }> = {};
  for (const r of refs) out[r.drvPath] = { outputs: ['out'], hashModulo: r.hashModulo };
  return out;
}

/** The helper itself, compiled statically by the toolchain from its source file in the store. */
export function builderDerivation(tc: Toolchain, sourcePath: string): DerivationSpec {
  return {
    name: 'nixmake-builder',
    system: tc.system,
    builder: tc.cc,
    args: [...tc.cflags, '-static', '-O2', '-o', OUT, sourcePath],
    env: toolchainEnv(tc),
    inputSrcs: [...toolchainSrcs(tc), sourcePath],
    inputDrvs: {},
  };
}

/** The fixed folder generators run in (as objects compile: their outputs name no sandbox path either way). */
const GENERATE_DIR = BUILD_DIR;

/**
 * One generator: its input files (project-relative → store path) and the
 * outputs of other generators it reads (project-relative → that
 * generator's derivation) laid out in /build/src, the parent folders of its
 * outputs made, then its command run there with PATH = its tools' `bin/`
 * (executable targets' links), then the toolchain's and host packages'
 * folders; the host packages' `toolEnv` and the generator's own `env` are
 * its environment. Its outputs are copied to `$out/<path>` (nixmake-builder
 * --collect), so a dependent names `<out>/src/parse.c`.
 */
export function generatorDerivation(
  node: GenerateNode,
  inputs: ReadonlyMap<string, string>,
  generated: ReadonlyMap<string, DrvRef>,
  tools: readonly DrvRef[],
  builder: DrvRef,
  tc: Toolchain,
): DerivationSpec {
  const ops: string[] = ['--workdir', GENERATE_DIR];
  const layout = new Map<string, string>([...inputs, ...[...generated].map(([rel, ref]) => [rel, `${ref.out}/${rel}`] as const)]);
  for (const rel of [...layout.keys()].sort()) ops.push('--ln', layout.get(rel) as string, rel);
  for (const dir of [...new Set(node.outputs.map((o) => o.slice(0, Math.max(0, o.lastIndexOf('/')))))].filter((d) => d !== '').sort()) ops.push('--mkdir', dir);
  if (node.stdout !== undefined) ops.push('--stdout', node.stdout);
  for (const o of node.outputs) ops.push('--collect', o, `${OUT}/${o}`);
  const env = toolchainEnv(tc);
  return {
    name: storeName(`${node.generator}-generated`),
    system: tc.system,
    builder: builder.out,
    args: [...ops, '--', ...node.command],
    env: { ...env, PATH: [...tools.map((t) => `${t.out}/bin`), ...tc.path].join(':'), ...(tc.toolEnv ?? {}), ...node.env },
    inputSrcs: [...toolchainSrcs(tc), ...new Set([...inputs.keys()].sort().map((r) => inputs.get(r) as string))],
    inputDrvs: drvInputs([builder, ...tools, ...new Map([...generated.values()].map((r) => [r.drvPath, r])).values()]),
  };
}

/**
 * One object: `inputs` maps the TU and each project header of its closure
 * (project-relative) to its store path; `generated` those of them that
 * generators write to the generator's derivation (laid out from its
 * output). The compile runs in /build/src with
 * relative paths, so messages name `src/foo.c` and the object embeds
 * neither a store path nor the sandbox's.
 */
export function objectDerivation(
  node: ObjectNode,
  inputs: ReadonlyMap<string, string>,
  builder: DrvRef,
  tc: Toolchain,
  systemHeadersHash: string,
  generated: ReadonlyMap<string, DrvRef> = new Map(),
): DerivationSpec {
  const layout: string[] = ['--workdir', BUILD_DIR];
  const all = new Map<string, string>([...inputs, ...[...generated].map(([rel, ref]) => [rel, `${ref.out}/${rel}`] as const)]);
  const rels = [...all.keys()].sort();
  for (const rel of rels) layout.push('--ln', all.get(rel) as string, rel);
  const source = node.tu.startsWith('-') ? `./${node.tu}` : node.tu;
  const compiler = node.lang === 'c++' ? tc.cxx : tc.cc;
  const args = [
    ...layout,
    '--',
    compiler,
    '-c',
    '-fdiagnostics-color=never',
    ...tc.cflags,
    ...node.flags,
    `-ffile-prefix-map=${BUILD_DIR}=.`,
    `-fdebug-prefix-map=${BUILD_DIR}=.`,
    `-ffile-prefix-map=${TMPFS_DIR}=.`,
    // Debug info names the system headers it read: inside the toolchain's store paths. Without the
    // hash, so that an object refers to no store path (Nix would make it a runtime reference).
    ...tc.storePaths.map((p) => `-ffile-prefix-map=${p}=/toolchain/${p.slice(p.lastIndexOf('/') + 34)}`),
    `-frandom-seed=${node.tu}`,
    '-o',
    OUT,
    source,
  ];
  return {
    name: node.name,
    system: tc.system,
    builder: builder.out,
    args,
    // SOURCE_DATE_EPOCH only when the config sets it: other objects keep their derivations.
    env: { ...toolchainEnv(tc), systemHeadersHash, ...(node.sourceDateEpoch === undefined ? {} : { SOURCE_DATE_EPOCH: String(node.sourceDateEpoch) }) },
    inputSrcs: [...toolchainSrcs(tc), ...new Set(rels.flatMap((r) => inputs.get(r) ?? []))],
    inputDrvs: drvInputs([builder, ...new Map([...generated.values()].map((r) => [r.drvPath, r])).values()]),
  };
}

export interface LinkedLibrary {
  readonly ref: DrvRef;
  readonly type: TargetType;
  readonly target: string;
  /** The library's `fileName`, if the config gives one. */
  readonly fileName?: string | undefined;
}

/**
 * The files a link writes in its output folder: the program or library
 * (`file`), and for a shared library its soname and its development link
 * (`libX.so` for `libX.so.1.2.3`), each a link to `file` where it differs.
 */
export function outputFiles(type: TargetType, target: string, fileName: string | undefined, soname: string | undefined): { file: string; soname?: string; dev?: string } {
  switch (type) {
    case 'executable':
      return { file: fileName ?? target };
    case 'static-library':
      return { file: fileName ?? `lib${target}.a` };
    case 'shared-library': {
      const file = fileName ?? `lib${target}.so`;
      return { file, soname: soname ?? file, dev: file.replace(/\.so\..*$/, '.so') };
    }
  }
}

/** Arguments that link one library: an archive by path, a shared library by -L/-l with an rpath. */
function libraryArgs(lib: LinkedLibrary): string[] {
  const files = outputFiles(lib.type, lib.target, lib.fileName, undefined);
  if (lib.type === 'static-library') return [`${lib.ref.out}/lib/${files.file}`];
  const dev = files.dev as string;
  const name = lib.fileName === undefined ? lib.target : /^lib(.+)\.so$/.exec(dev)?.[1] ?? `:${dev}`;
  return [`-L${lib.ref.out}/lib`, `-l${name}`, `-Wl,-rpath,${lib.ref.out}/lib`];
}

/**
 * Every library's arguments, in order. With two archives or more, the span
 * from the first archive to the last is one `--start-group … --end-group`,
 * so archives that reference each other in a cycle link (ld rescans the
 * group until nothing new is pulled in, as CMake's repeated archives do for
 * LINK_INTERFACE_MULTIPLICITY); a link with fewer has the same arguments as
 * without groups.
 */
function groupArchives(libraries: readonly LinkedLibrary[]): string[] {
  const first = libraries.findIndex((l) => l.type === 'static-library');
  const last = libraries.map((l) => l.type).lastIndexOf('static-library');
  if (first === last) return libraries.flatMap(libraryArgs);
  return [
    ...libraries.slice(0, first).flatMap(libraryArgs),
    '-Wl,--start-group',
    ...libraries.slice(first, last + 1).flatMap(libraryArgs),
    '-Wl,--end-group',
    ...libraries.slice(last + 1).flatMap(libraryArgs),
  ];
}

/**
 * One link: objects (in link order) and libraries (dependents first) are
 * derivation outputs. Objects are laid out as objs/<k>/<name> so archive
 * members and linker messages have readable names; the project files the
 * link reads (`inputs`: project-relative path → store path, a version
 * script) at their project-relative paths, where its ldflags name them.
 *
 * `by`: how the derivation names its objects and libraries. By their
 * derivations (`inputDrvs`), as a Nix expression does, so the export makes
 * the same derivation; or, for a link that is not pinned (pinnedLinks.ts),
 * by their outputs (`inputSrcs`), which must then exist when it is written.
 * Same builder, arguments and environment either way, so the same bytes.
 * Nix 2.8 registers an input-addressed derivation by hashing every
 * derivation below it, and builds it after one goal per input derivation:
 * a link over 1,000 objects named by derivation spent 300 ms registering
 * and 925 ms building, by output 54 and 160 ms.
 */
export function linkDerivation(
  node: LinkNode,
  objects: readonly DrvRef[],
  libraries: readonly LinkedLibrary[],
  builder: DrvRef,
  tc: Toolchain,
  inputs: ReadonlyMap<string, string> = new Map(),
  by: 'derivations' | 'outputs' = 'derivations',
): DerivationSpec {
  const linked = [...objects, ...libraries.map((x) => x.ref)];
  const linker = node.lang === 'c++' ? tc.cxx : tc.cc;
  const files = outputFiles(node.type, node.target, node.fileName, node.soname);
  const rels = [...inputs.keys()].sort();
  const ops: string[] = ['--workdir', LINK_DIR, ...rels.flatMap((rel) => ['--ln', inputs.get(rel) as string, rel]), '--objects', 'objs', String(objects.length), ...objects.map((o) => o.out)];
  let program: string[];
  const libs = groupArchives(libraries);
  const l = node.libs.map((x) => `-l${x}`);
  switch (node.type) {
    case 'executable':
      ops.push('--mkdir', `${OUT}/bin`);
      // Other names of a multi-call program: links beside it.
      for (const alias of node.aliases) if (alias !== files.file) ops.push('--ln', files.file, `${OUT}/bin/${alias}`);
      // The toolchain's rpath last: the project's own shared libraries come first at run time.
      program = [linker, ...tc.cflags, ...node.ldflags, '-o', `${OUT}/bin/${files.file}`, '@nixmake-objects@', ...libs, ...l, ...tc.ldflags];
      break;
    case 'static-library':
      ops.push('--mkdir', `${OUT}/lib`);
      program = [tc.ar, 'qcsD', `${OUT}/lib/${files.file}`, '@nixmake-objects@'];
      break;
    case 'shared-library': {
      ops.push('--mkdir', `${OUT}/lib`);
      const soname = files.soname as string;
      // Programs find the library by its soname at run time (DT_NEEDED); linkers by its development name.
      if (soname !== files.file) ops.push('--ln', files.file, `${OUT}/lib/${soname}`);
      if (files.dev !== undefined && files.dev !== files.file && files.dev !== soname) ops.push('--ln', files.file, `${OUT}/lib/${files.dev}`);
      program = [linker, '-shared', `-Wl,-soname,${soname}`, ...tc.cflags, ...node.ldflags, '-o', `${OUT}/lib/${files.file}`, '@nixmake-objects@', ...libs, ...l, ...tc.ldflags];
      break;
    }
  }
  return {
    name: storeName(node.target),
    system: tc.system,
    builder: builder.out,
    args: [...ops, '--', ...program],
    env: toolchainEnv(tc),
    inputSrcs: [...toolchainSrcs(tc), ...new Set(rels.map((r) => inputs.get(r) as string)), ...(by === 'outputs' ? new Set(linked.map((r) => r.out)) : [])],
    inputDrvs: drvInputs(by === 'outputs' ? [builder] : [builder, ...linked]),
  };
}
