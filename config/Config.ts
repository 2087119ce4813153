/**
 * Config: the validated contents of `nixmake.json`.
 *
 * Only types live here. `parseConfig` produces them from JSON text and
 * `expandSources` turns source globs into file lists; neither is done here.
 */

export type TargetType = 'executable' | 'static-library' | 'shared-library';

/** Compile and link settings; the top level holds defaults, each target adds to them. */
export interface BuildSettings {
  readonly includeDirs: readonly string[];
  readonly defines: readonly string[];
  readonly cflags: readonly string[];
  readonly cxxflags: readonly string[];
  readonly ldflags: readonly string[];
  readonly libs: readonly string[];
}

/**
 * One `perSource` entry of a target: flags for some of its TUs. Either added
 * to the target's (`includeDirs`, `defines`, `cflags`, `cxxflags`), or, with
 * `flags`, the TU's whole compile flags instead of the target's.
 */
export interface SourceSettings {
  /** Globs (a leading `!` excludes) matched against the target's TU names. */
  readonly sources: readonly string[];
  readonly includeDirs: readonly string[];
  readonly defines: readonly string[];
  readonly cflags: readonly string[];
  readonly cxxflags: readonly string[];
  /** The TU's complete compile flags (replacing the defaults', the target's and earlier entries'). */
  readonly flags: readonly string[] | undefined;
  /**
   * When set, the entry leaves the TUs' own objects alone and makes one more
   * object of each TU it matches, named by it: compiled with the TU's flags
   * plus this entry's additions (or with its `flags`), linked beside the
   * first. The same file twice in one target (an object library's copy).
   */
  readonly variant?: string | undefined;
}

export interface TargetConfig extends BuildSettings {
  readonly name: string;
  readonly type: TargetType;
  /** fast-glob patterns relative to the project root; a leading `!` excludes. */
  readonly sources: readonly string[];
  readonly deps: readonly string[];
  /** shared-library only: the soname (default lib<name>.so); a link by that name is made next to the library. */
  readonly soname: string | undefined;
  /** Per-source flags, applied in order to the TUs each entry matches. */
  readonly perSource: readonly SourceSettings[];
  /**
   * The output file's name as the project names it (`jq`, `libjq.a`,
   * `libjq.so.1.1.0`); default `<name>`, `lib<name>.a`, `lib<name>.so`. A
   * shared library named `libX.so.V` also gets the development link `libX.so`.
   */
  readonly fileName: string | undefined;
  /** executable only: other names of the program (symlinks beside it in bin/). */
  readonly aliases: readonly string[];
  /** Project files the link reads (a version script, a linker script), named in ldflags by their project-relative paths. */
  readonly linkInputs: readonly string[];
}

/**
 * Where the compiler comes from. `import` (the default, `"toolchain": "host"`):
 * the machine's own GCC, binutils and C library, copied into the store as a
 * few store paths (toolchain/importToolchain), so builds name only store
 * paths. Otherwise the tools are used by the paths given: under /nix/store
 * (a nixpkgs gcc wrapper) they become real store inputs; host paths
 * (`"toolchain": "host-sandbox-paths"`) must be visible through the daemon's
 * `sandbox-paths`.
 */
export interface ToolchainConfig {
  /** Import the host toolchain into the store (cc, cxx, ar, path then name the host tools to import). */
  readonly import: boolean;
  readonly cc: string;
  readonly cxx: string;
  readonly ar: string;
  /** Directories put on PATH inside the sandbox (coreutils, binutils, the compiler). */
  readonly path: readonly string[];
  /** The builder's shell: a bash (unused by nixmake's own builders; kept for custom toolchains). */
  readonly shell: string;
}

export interface NixConfig {
  /**
   * `--option NAME VALUE` pairs sent to the daemon for this project's builds.
   * Only the per-build options in `PROJECT_NIX_OPTIONS` (parseConfig) get
   * here: a project file arrives with a clone, and must not change what the
   * daemon trusts or runs as root.
   */
  readonly options: Readonly<Record<string, string>>;
}

/**
 * One `generators` entry: a command run as a derivation of its own, in a
 * folder holding its `inputs` at their project-relative paths, whose
 * `outputs` (project-relative paths it writes) become files of the project
 * for every target: sources a target's `sources` may name, headers the
 * include analysis finds.
 */
export interface GeneratorConfig {
  readonly name: string;
  /** argv: the program (found on PATH: the toolchain's, the host packages', the tools') and its arguments. */
  readonly command: readonly string[];
  /** Globs (a leading `!` excludes) of the project files it reads, relative to the root. */
  readonly inputs: readonly string[];
  /** Project-relative paths (normalised) of the files it writes. */
  readonly outputs: readonly string[];
  /** One of `outputs`, written with the command's standard output; undefined: the command writes every output itself. */
  readonly stdout: string | undefined;
  /** Executable targets whose programs it runs (their `bin/` goes first on PATH). */
  readonly tools: readonly string[];
  /** Extra environment variables of the command. */
  readonly env: Readonly<Record<string, string>>;
}

export interface Config {
  /** Absolute path of the project root (the folder holding nixmake.json). */
  readonly root: string;
  readonly defaults: BuildSettings;
  readonly targets: ReadonlyMap<string, TargetConfig>;
  readonly toolchain: ToolchainConfig;
  readonly nix: NixConfig;
  /** `compileCommands`: a compile database, relative to the root, whose per-TU flags replace the targets' flags. */
  readonly compileCommands: string | undefined;
  /** Per-TU flags read from `compileCommands` (by loadConfig; empty until then). */
  readonly tuFlags: ReadonlyMap<string, readonly string[]>;
  /** target → TU name → the indices of the `perSource` entries that match it (by loadConfig; empty until then). */
  readonly perSourceMatches: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
  /**
   * `externalDirs`: absolute directories outside the project root whose files
   * may enter the store (a source that is a symlink to a file there). Anything
   * else outside the root is refused: the store is world-readable.
   */
  readonly externalDirs: readonly string[];
  /**
   * `hostPackages`: Debian packages (`libonig-dev`: its headers, libraries and
   * runtime library) and absolute folders imported into the store as one path
   * (toolchain/importHostPackages), whose include and lib dirs every compile
   * and link gets. In the order written; folders normalised.
   */
  readonly hostPackages: readonly string[];
  /**
   * `sourceDateEpoch`: SOURCE_DATE_EPOCH for every compile (GCC then takes
   * `__DATE__`/`__TIME__` from it), for reproducible objects. Unset: the
   * compile's real time, as under make (`build --check` finds such TUs).
   */
  readonly sourceDateEpoch?: number | undefined;
  /**
   * `publicHeaders`: project-relative files and folders installed under
   * `include/` by `nixmake export`'s `package` (a file by its name, a folder's
   * files by their paths inside it). Builds do not use it.
   */
  readonly publicHeaders: readonly string[];
  /** `generators`: name → generator, in the order written. */
  readonly generators: ReadonlyMap<string, GeneratorConfig>;
}

export const CONFIG_FILE = 'nixmake.json';
