/**
 * RealProject: how the real-world suite fetches, configures, builds and
 * tests one third-party project. Everything here is the project's own:
 * its Debian source package, its configure or cmake line, its build
 * command (which `nixmake init` records) and its test command. Nothing of
 * the project is edited; nixmake must cope with it as it is.
 */
export interface TestCount {
  readonly passed: number;
  readonly total: number;
  /** The failed tests by name, when the output names them. */
  readonly failed?: readonly string[];
}

export interface RealProject {
  /** Short name: the test's title and the table's row. */
  readonly name: string;
  /** Debian source package (`apt-get source` name, `/suite` allowed). */
  readonly source: string;
  readonly language: 'C' | 'C++' | 'C, C++';
  readonly buildSystem: string;
  /** Debian packages the configure step or the tests need (installed if missing). */
  readonly needs?: readonly string[];
  /** Shell command run once in the fresh tree (`./configure`, `cmake -S . -B build`). */
  readonly configure?: string;
  /**
   * Files the release tarball ships although the build makes them (a
   * bison parser): deleted before the recorded build, so the build runs
   * their generator and init records it.
   */
  readonly regenerate?: readonly string[];
  /** The project's build command, recorded by `nixmake init -- …` and timed against nixmake. */
  readonly build: readonly string[];
  /** Removes the build's outputs, for the clean-build timing of the project's own build. */
  readonly clean: string;
  /** The project's tests, run against nixmake's binaries (shell command, in the root). */
  readonly test: string;
  /** The test runner is make: nixmake's files are passed as `-o FILE` so make never remakes them. */
  readonly testIsMake: boolean;
  /** Reads the test run's output (and exit code): tests passed, of how many. */
  readonly count: (output: string, code: number, root: string) => TestCount;
  /**
   * Tests that fail on this machine with the project's own build too, and
   * why: they must be exactly the ones that fail (the run then exits
   * non-zero), and count as not passed.
   */
  readonly knownFailures?: { readonly tests: readonly string[]; readonly why: string };
  /** A `.c` (or `.cc`) file for the one-file edit timing. */
  readonly edit: string;
  /** The suite's checks on what init found. */
  readonly expect: { readonly minTus: number; readonly generators?: readonly string[] };
}
