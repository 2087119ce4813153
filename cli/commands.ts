/**
 * commands: every command and option of the command line, as data — the
 * one list that parseArgs accepts and that help prints, so an option cannot
 * exist without its description. Pure; it parses and prints nothing.
 */

export interface OptionSpec {
  /** The option's spellings, the canonical one first (`--keep-failed`, `-K`). */
  readonly flags: readonly string[];
  /** The value's name when it takes one (`N`, `DIR`). */
  readonly value?: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: string;
  /** What follows the options, as the usage line shows it. */
  readonly operands: string;
  readonly summary: string;
  /** Paragraphs for `nixmake help COMMAND`. */
  readonly description: string;
  readonly options: readonly OptionSpec[];
}

const DIR: OptionSpec = { flags: ['-C'], value: 'DIR', help: 'the project root (the folder holding nixmake.json); default: .' };
/** Two values: parseArgs reads it itself. */
const OPTION: OptionSpec = {
  flags: ['--option'],
  value: 'NAME VALUE',
  help: "set the Nix daemon's option NAME (nix.conf's names: substituters, trusted-public-keys, builders, max-jobs, …) for this build; repeatable; wins over nixmake.json's nix.options",
};
const JOBS: OptionSpec = {
  flags: ['-j'],
  value: 'N',
  help: "run N daemon builds at once; default: the number of cores, plus the remote builders' job slots when builders are set (with --option max-jobs 0: their slots alone)",
};
const HELP: OptionSpec = { flags: ['--help', '-h'], help: 'describe this command and its options' };

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'build',
    operands: '[TARGET...]',
    summary: 'build the targets (default: all) as per-object Nix derivations',
    description:
      'Builds the named targets and the libraries they link against (all targets if none are named): one Nix derivation per object and per link, ' +
      'built by the Nix daemon in its sandbox; only what changed is built again. Each target gets a result-<target> link.',
    options: [
      DIR,
      JOBS,
      { flags: ['-k'], help: 'keep going past failures: build everything that does not depend on a failed node' },
      { flags: ['--json'], help: 'one JSON object per line instead of text; the last line is the summary' },
      { flags: ['--explain'], help: 'say why each node is built' },
      { flags: ['--dry-run', '-n'], help: 'print the plan (what would be built, and why) without building or contacting Nix' },
      { flags: ['--print-build-logs', '-L'], help: "print every build log line as it comes, prefixed by its node's name (src/main.c> …), as nix build -L does" },
      { flags: ['--quiet', '-q'], help: 'no progress and no compiler warnings; errors and the summary still print' },
      { flags: ['--keep-failed', '-K'], help: "keep a failed build's tree (the daemon's build folder) and print where it is" },
      { flags: ['--cores'], value: 'N', help: 'cores each compile or link may use (NIX_BUILD_CORES; 0 = all); default: nix.conf' },
      { flags: ['--max-silent-time'], value: 'SECONDS', help: 'fail a build that prints nothing for this long (0 = no limit); default: nix.conf' },
      { flags: ['--timeout'], value: 'SECONDS', help: 'fail a build that runs longer than this (0 = no limit); default: nix.conf' },
      { flags: ['--trace'], value: 'FILE', help: 'write a Chrome trace of the build to FILE (open it in Perfetto or chrome://tracing)' },
      OPTION,
      {
        flags: ['--check'],
        help: 'build nothing new: rebuild every object and link of the last build and compare the results bit for bit (exit 1 naming each one that differs)',
      },
      HELP,
    ],
  },
  {
    name: 'watch',
    operands: '[TARGET...]',
    summary: 'build, then rebuild whenever a source, header or nixmake.json changes',
    description:
      'Builds as build does, then watches the project and builds again after every burst of changes (20 ms without one, at most 50 ms after the first) ' +
      'to nixmake.json, its compile database, a source or a header, until Ctrl-C (exit 130). A failed build keeps it watching. ' +
      'Between builds it holds neither the project lock nor a daemon connection.',
    options: [
      DIR,
      JOBS,
      { flags: ['-k'], help: 'keep going past failures: build everything that does not depend on a failed node' },
      { flags: ['--json'], help: 'one JSON object per line instead of text; every build ends with its summary line' },
      { flags: ['--explain'], help: 'say why each node is built' },
      { flags: ['--print-build-logs', '-L'], help: "print every build log line as it comes, prefixed by its node's name" },
      { flags: ['--quiet', '-q'], help: 'no progress and no compiler warnings; errors and the summaries still print' },
      { flags: ['--keep-failed', '-K'], help: "keep a failed build's tree and print where it is" },
      { flags: ['--cores'], value: 'N', help: 'cores each compile or link may use (NIX_BUILD_CORES; 0 = all); default: nix.conf' },
      { flags: ['--max-silent-time'], value: 'SECONDS', help: 'fail a build that prints nothing for this long (0 = no limit); default: nix.conf' },
      { flags: ['--timeout'], value: 'SECONDS', help: 'fail a build that runs longer than this (0 = no limit); default: nix.conf' },
      OPTION,
      HELP,
    ],
  },
  {
    name: 'push',
    operands: 'URL',
    summary: "copy the last build's objects and links, with their closures, to a Nix binary cache",
    description:
      "Copies every object and link output of the project's last build, with every store path they reference, to the binary cache URL " +
      '(file:///folder; for s3:// or https://, push to a folder and upload it), as NARs with a signed .narinfo each, so that another store ' +
      'fetches them instead of compiling (nixmake build --option substituters URL --option trusted-public-keys KEY). Paths already in the cache are skipped.',
    options: [DIR, { flags: ['--sign-key'], value: 'FILE', help: 'sign each path with this secret key (made by nix-store --generate-binary-cache-key); default: unsigned' }, HELP],
  },
  {
    name: 'log',
    operands: 'FILE|TARGET|GENERATOR',
    summary: "print the last build log of a TU's object, a target's link or a generator's run",
    description:
      "Prints the log of the last build of FILE's object (in every target that compiles it), of TARGET's link or of GENERATOR's run, with project-relative paths, " +
      'as nixmake kept it from the daemon (under .nixmake/logs, the last 256 KiB of each). FILE is relative to the current folder or to the project root.',
    options: [DIR, HELP],
  },
  {
    name: 'deps',
    operands: '[FILE...]',
    summary: "print each translation unit's header closure",
    description: "Prints each translation unit's project headers, system headers and notes (computed includes, missing headers inside conditionals), as the analyzer sees them.",
    options: [DIR, { flags: ['--json'], help: 'one JSON object per TU' }, HELP],
  },
  {
    name: 'compdb',
    operands: '[TARGET...]',
    summary: 'print compile_commands.json for clangd and other tools',
    description:
      "Prints a compilation database (compile_commands.json, in the arguments form) for the named targets (default: all): each TU with its real flags, " +
      "project files by their project paths, the toolchain by its store paths (--sysroot included), each object under .nixmake/compdb/. " +
      'Each command runs as it stands from its directory. Imports the toolchain into the store first if it is not yet.',
    options: [DIR, { flags: ['-o'], value: 'FILE', help: 'write the database to FILE instead of standard output' }, HELP],
  },
  {
    name: 'install',
    operands: '',
    summary: 'build, then install bin/, lib/, include/ and pkg-config files under a prefix',
    description:
      'Builds every target (as build does), then lays out under PREFIX what make install would: bin/ (programs and their aliases), ' +
      'lib/ (archives; shared libraries with their soname and development links), include/ (the publicHeaders of nixmake.json) and ' +
      'lib/pkgconfig/<library>.pc. Installed programs and libraries still name store paths (their dynamic linker and library folders), ' +
      "which the project's GC roots keep.",
    options: [
      DIR,
      { flags: ['--prefix'], value: 'DIR', help: 'where to install; default: /usr/local' },
      JOBS,
      HELP,
    ],
  },
  {
    name: 'export',
    operands: '',
    summary: 'write a default.nix that stock nix-build builds object by object',
    description:
      'Writes OUT (default nixmake-export, relative to DIR): a default.nix and nixmake-lock.json that stock nix-build builds with the very ' +
      'derivations nixmake builds, one per generator, object and link (attributes per target, all, package), with copies of inputs git does not track. ' +
      "A project with generators has them built first (and the programs they run), since a generated header's includes are read from it.",
    options: [
      DIR,
      { flags: ['-o'], value: 'OUT', help: 'the export folder (default nixmake-export, relative to DIR)' },
      { flags: ['--check'], help: 'say whether OUT is current (exit 0) or stale (exit 1); write nothing' },
      {
        flags: ['--patch'],
        value: 'FILE',
        help: 'export the project as this unified diff (relative to DIR) would patch it, without patching it: each file it touches is patched on its own and read from the export, so only the objects reading one are rebuilt; repeatable, applied in order',
      },
      HELP,
    ],
  },
  {
    name: 'graph',
    operands: '[TARGET...]',
    summary: 'print the target and object graph as Graphviz dot',
    description: 'Prints the named targets (default: all), the libraries they link and their objects as a Graphviz digraph: render it with dot -Tsvg.',
    options: [DIR, HELP],
  },
  {
    name: 'clean',
    operands: '',
    summary: 'remove result links, GC roots, logs and the memo (never sources)',
    description: 'Removes the result-* links that point into the Nix store and the .nixmake folder (memo, GC roots, logs). Store paths are left for nix-collect-garbage.',
    options: [DIR, HELP],
  },
  {
    name: 'init',
    operands: '-- BUILD COMMAND... | --from compile_commands.json | --from-cmake BUILD_DIR',
    summary: "write nixmake.json from the project's own build (run under bear) or a compile database",
    description:
      "Runs the project's own build once under bear intercept and turns its compile, ar and link steps into targets, or reads a compile database " +
      '(--from) and guesses targets from it, or reads CMake\'s own model of a configured build through its File API (--from-cmake). ' +
      'Never overwrites nixmake.json without --force.',
    options: [
      DIR,
      { flags: ['--force'], help: 'overwrite an existing nixmake.json' },
      { flags: ['--from'], value: 'FILE', help: 'read a compile database (compile_commands.json) instead of recording a build' },
      { flags: ['--from-cmake'], value: 'BUILD_DIR', help: "read CMake's model of the configured build in BUILD_DIR (its File API) instead of recording a build" },
      HELP,
    ],
  },
  { name: 'help', operands: '[COMMAND]', summary: 'describe nixmake, or one command and its options', description: 'Describes nixmake, or one command and every option it takes.', options: [] },
  { name: 'version', operands: '', summary: 'print the version', description: "Prints nixmake's version.", options: [] },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
