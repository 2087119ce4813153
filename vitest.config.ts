import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-world suite runs with `npm run realworld` (vitest.realworld.config.ts).
    exclude: ['test/realworld/**', '**/node_modules/**'],
    // Native modules (tree-sitter, better-sqlite3) are safest in child processes.
    pool: 'forks',
    // Integration tests share one Nix daemon and one test runs the garbage
    // collector, which must not race another test's unrooted derivations.
    fileParallelism: false,
    // A second nix-daemon with a stock nix.conf serves the whole suite (test/stockDaemon.ts).
    globalSetup: ['test/stockDaemon.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
