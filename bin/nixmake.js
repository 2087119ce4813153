#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm run build writes dist/).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error('nixmake: internal error (please report it):');
    console.error(err && err.stack ? err.stack : err);
    process.exitCode = 1;
  },
);
