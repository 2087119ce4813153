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

export const PROJECTS: readonly RealProject[] = [bzip2];
