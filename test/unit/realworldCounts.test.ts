/**
 * The real-world suite's reading of git's test summary
 * (t/aggregate-results.sh's lines): successes of successes and failures,
 * the failed scripts named, known breakages and skips not counted. Pure:
 * no project is built here.
 */
import { describe, expect, it } from 'vitest';
import { git } from '../realworld/projects.js';

describe("git's test count", () => {
  it('counts successes of successes and failures, not broken or skipped tests', () => {
    const output = ['ok 1 - basics', 'fixed   0', 'success 326', 'failed  0', 'broken  3', 'total   334', ''].join('\n');
    expect(git.count(output, 0, '/')).toEqual({ passed: 326, total: 326 });
  });

  it('reads the summary after the scripts, whose output may hold a line like it, and names the failed scripts', () => {
    const output = ['success 1', '', 'failed test(s): t0001 t3200', '', 'fixed   1', 'success 14889', 'failed  2', 'broken  12', 'total   15000', ''].join('\n');
    expect(git.count(output, 2, '/')).toEqual({ passed: 14889, total: 14891, failed: ['t0001', 't3200'] });
  });

  it('counts nothing when there is no summary (the run stopped early)', () => {
    expect(git.count('make: *** [Makefile:53: test] Error 2\n', 2, '/')).toEqual({ passed: 0, total: 0 });
  });
});
