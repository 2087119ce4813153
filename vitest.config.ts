import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native modules (tree-sitter, better-sqlite3) are safest in child processes.
    pool: 'forks',
    // Integration tests share one Nix daemon and one test runs the garbage
    // collector, which must not race another test's unrooted derivations.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
