/**
 * The projects of the real-world suite (`npm run realworld`), each as its
 * own build and tests define it. bzip2 is also run by `npm test`
 * (test/integration/realworldBzip2.test.ts).
 */
import type { RealProject, TestCount } from './RealProject.js';

/** Counts `cmp` checks of a make recipe: each line `cmp A B` that make echoed, failed ones named by cmp. */
function cmpChecks(output: string, code: number): TestCount {
  const total = output.split('\n').filter((l) => /^cmp /.test(l)).length;
  const failed = output.split('\n').filter((l) => / differ: /.test(l)).length;
  return { passed: code === 0 ? total - failed : 0, total };
}

export const bzip2: RealProject = {
  name: 'bzip2',
  source: 'bzip2',
  language: 'C',
  buildSystem: 'make',
  build: ['make', '-j2', 'libbz2.a', 'bzip2', 'bzip2recover'],
  clean: 'make clean',
  test: 'make test',
  testIsMake: true,
  count: cmpChecks,
  edit: 'compress.c',
  expect: { minTus: 9 },
};

/** automake's test harness summary (`# PASS:  12`, `# TOTAL: 12`), summed over its test folders. */
function automakeSummary(output: string, code: number): TestCount {
  const sum = (label: string): number => [...output.matchAll(new RegExp(`^# ${label}: +(\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
  const total = sum('TOTAL') - sum('SKIP');
  return { passed: code === 0 ? sum('PASS') + sum('XFAIL') : sum('PASS'), total };
}

/** automake projects: check programs built by the recorded build, tests run by `make check`. */
const automakeCheck = { clean: 'make clean', test: 'make check', testIsMake: true, count: automakeSummary } as const;

export const xz: RealProject = {
  name: 'xz-utils',
  source: 'xz-utils',
  language: 'C',
  buildSystem: 'autotools/libtool',
  configure: './configure --disable-nls --disable-doc',
  build: ['make', '-j2', 'check', 'TESTS='],
  ...automakeCheck,
  edit: 'src/liblzma/common/common.c',
  expect: { minTus: 100 },
};

/** ctest's last line: `100% tests passed, 0 tests failed out of 9`. */
function ctestSummary(output: string): TestCount {
  const m = /(\d+)% tests passed, (\d+) tests? failed out of (\d+)/.exec(output);
  return m ? { passed: Number(m[3]) - Number(m[2]), total: Number(m[3]) } : { passed: 0, total: 0 };
}

/** CMake projects: configured in build/, built with `cmake --build`, tested by ctest (which builds nothing). */
function cmakeProject(options: string): Pick<RealProject, 'configure' | 'build' | 'clean' | 'test' | 'testIsMake' | 'count'> {
  return {
    configure: `cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${options} >/dev/null`,
    build: ['cmake', '--build', 'build', '-j2'],
    clean: 'cmake --build build --target clean',
    test: 'cd build && ctest --output-on-failure',
    testIsMake: false,
    count: ctestSummary,
  };
}

export const tinyxml2: RealProject = {
  name: 'tinyxml2',
  source: 'tinyxml2',
  language: 'C++',
  buildSystem: 'CMake',
  ...cmakeProject('-Dtinyxml2_BUILD_TESTING=ON -DBUILD_SHARED_LIBS=ON'),
  edit: 'tinyxml2.cpp',
  expect: { minTus: 2 },
};

export const doubleConversion: RealProject = {
  name: 'double-conversion',
  source: 'double-conversion',
  language: 'C++',
  buildSystem: 'CMake',
  ...cmakeProject('-DBUILD_TESTING=ON'),
  edit: 'double-conversion/strtod.cc',
  expect: { minTus: 15 },
};

/** gawk's `make check`: each test echoes its name on a line of its own; then `ALL TESTS PASSED` or `N TESTS FAILED`. */
function gawkTests(output: string, code: number): TestCount {
  const total = output.split('\n').filter((l) => /^[A-Za-z][\w+-]*$/.test(l)).length;
  const failed = /^(\d+) TESTS? FAILED/m.exec(output);
  return { passed: code === 0 && /^ALL TESTS PASSED/m.test(output) ? total : total - Number(failed?.[1] ?? total), total };
}

export const gawk: RealProject = {
  name: 'gawk',
  source: 'gawk',
  language: 'C',
  buildSystem: 'autotools/libtool',
  // Its tests run in en_US.UTF-8, fr_FR.UTF-8, ru_RU.UTF-8 and ja_JP.UTF-8 (without them, 3 fail with gawk's own build too).
  needs: ['locales-all'],
  configure: './configure --disable-nls >/dev/null',
  // Shipped in the tarball, made by bison in the build.
  regenerate: ['awkgram.c', 'command.c'],
  // Debian's source leaves out the manual's sources, so doc/ cannot be made: the program, its support library and extensions.
  build: ['sh', '-c', 'make -j2 -C support && make -j2 gawk && make -j2 -C extension'],
  clean: 'make clean',
  test: 'make -C test check',
  testIsMake: true,
  count: gawkTests,
  edit: 'builtin.c',
  expect: { minTus: 50, generators: ['parser-awkgram', 'parser-command'] },
};

/** m4's `make check`: gnulib's tests (automake's harness) and m4's own checks (`Checking 001.preprocess`, then the failed and skipped ones named). */
function m4Tests(output: string, code: number): TestCount {
  const harness = automakeSummary(output, code);
  const listed = (label: string): number => (new RegExp(`^${label} checks were:\\n (.*)$`, 'm').exec(output)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).length;
  const checks = output.split('\n').filter((l) => l.startsWith('Checking ')).length - listed('Skipped');
  // `./198.sysval:err` → `198.sysval`, once however many of its outputs differed.
  const failed = [...new Set((/^Failed checks were:\n (.*)$/m.exec(output)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map((f) => f.replace(/^\.\//, '').replace(/:\w+$/, '')))];
  return { passed: harness.passed + checks - failed.length, total: harness.total + checks, failed };
}

export const m4: RealProject = {
  name: 'm4',
  source: 'm4',
  language: 'C',
  buildSystem: 'autotools (gnulib)',
  configure: './configure --disable-nls >/dev/null',
  // The manual is left out (Debian's patches make make want to rebuild it with makeinfo): the library, the program, and its tests' programs.
  build: ['sh', '-c', 'make -j2 -C lib && make -j2 -C src && make -j2 -C tests check TESTS='],
  clean: 'make clean',
  test: 'make -C tests check && make -C checks check',
  testIsMake: true,
  count: m4Tests,
  knownFailures: { tests: ['198.sysval'], why: "the shell says 'Killed' on stderr, which the check does not expect; Debian's m4 binary fails it the same way here, and Debian's packaging deletes it before running the checks" },
  edit: 'src/builtin.c',
  expect: { minTus: 300 },
};

/** units' `make check`: one conversion through the whole program, `Units seems to work` when right. */
function unitsCheck(output: string, code: number): TestCount {
  return { passed: code === 0 && /^Units seems to work$/m.test(output) ? 1 : 0, total: 1 };
}

export const units: RealProject = {
  name: 'units',
  source: 'units',
  language: 'C',
  buildSystem: 'autoconf',
  configure: './configure >/dev/null',
  // Shipped in the tarball, made by bison in the build.
  regenerate: ['parse.tab.c'],
  build: ['make', '-j2'],
  clean: 'make clean',
  test: 'make check',
  testIsMake: true,
  count: unitsCheck,
  edit: 'units.c',
  expect: { minTus: 3, generators: ['parser-parse'] },
};

export const expat: RealProject = {
  name: 'expat',
  source: 'expat/bookworm',
  language: 'C, C++',
  buildSystem: 'autotools/libtool',
  needs: ['autoconf', 'automake', 'libtool'],
  // The library lives in expat/ of the source package, which ships no configure (Debian's build runs autoreconf too).
  configure: 'cd expat && autoreconf -fi >/dev/null 2>&1 && ./configure --without-docbook --without-examples >/dev/null',
  build: ['make', '-C', 'expat', '-j2', 'check', 'TESTS='],
  clean: 'make -C expat clean',
  test: 'make -C expat check',
  testIsMake: true,
  count: automakeSummary,
  edit: 'expat/lib/xmlparse.c',
  expect: { minTus: 10 },
};

/**
 * git's own test summary (t/aggregate-results.sh: lines `fixed N`,
 * `success N`, `failed N`, `broken N`, `total N`, after `failed test(s):
 * t1234 …` when some failed): passed are the successes, of the successes
 * and failures. Known breakages (`test_expect_failure`,
 * which git reports as broken or fixed) and tests skipped for a missing
 * prerequisite count neither way.
 */
function gitAggregate(output: string): TestCount {
  // The last of each: the summary comes after every script's output.
  const value = (label: string): number => Number([...output.matchAll(new RegExp(`^${label} +(\\d+)$`, 'gm'))].pop()?.[1] ?? 0);
  const failed = /^failed test\(s\): *(.*)$/m.exec(output)?.[1]?.trim().split(/\s+/).filter(Boolean);
  return { passed: value('success'), total: value('success') + value('failed'), ...(failed === undefined ? {} : { failed }) };
}

/** What git is built without (no libcurl, expat, gettext, Tcl/Tk, Perl or Python on this machine's build). */
const GIT_MAKE_VARS = ['NO_CURL=1', 'NO_EXPAT=1', 'NO_GETTEXT=1', 'NO_TCLTK=1', 'NO_PERL=1', 'NO_PYTHON=1'];

/**
 * git: `make all` compiles per-file `-D` flags (recorded as perSource),
 * and its programs link libgit.a, xdiff/lib.a and reftable/libreftable.a,
 * which reference each other (one `--start-group`). Its tests need
 * t/helper/test-tool too, which `all` builds.
 */
export const git: RealProject = {
  name: 'git',
  source: 'git',
  language: 'C',
  buildSystem: 'make (per-file -D flags)',
  build: ['make', '-j2', ...GIT_MAKE_VARS, 'all'],
  clean: `make ${GIT_MAKE_VARS.join(' ')} clean`,
  // git's own test run (`make -C t`: its test lints, then each script, then the summary) on the
  // scripts t0000–t4999 (basics, plumbing, refs and config, the index and checkout, ls-files,
  // merge, notes and rebase, diff and apply; 484 scripts), two at a time. Scripts needing
  // what this build leaves out (Perl, Python, curl, gettext) skip those tests themselves.
  test: 'make -C t -j2 T="$(cd t && echo t[0-4][0-9][0-9][0-9]-*.sh)"',
  testIsMake: true,
  count: gitAggregate,
  edit: 'diff.c',
  expect: { minTus: 400 },
};

export const PROJECTS: readonly RealProject[] = [bzip2, xz, tinyxml2, doubleConversion, gawk, m4, units, expat, git];

/** Projects that do not pass yet (above, why): run only when NIXMAKE_REALWORLD names them. */
export const AWAITING: readonly RealProject[] = [];
