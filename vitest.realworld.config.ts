import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run realworld`: third-party projects built by nixmake and checked with their own tests.
export default defineConfig({
  test: { ...base.test, include: ['test/realworld/**/*.test.ts'], exclude: [] },
});
