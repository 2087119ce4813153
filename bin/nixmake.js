#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm run build writes dist/).
// A plain `nixmake build` with nothing to do is answered first from the
// no-op stamp (dist/cli/noopFastPath.js), before the rest is loaded.
// This file is CommonJS (bin/package.json), and the fast path and the CLI
// are loaded as bundled CommonJS files (dist/noopFastPath.cjs, dist/cli.cjs;
// scripts/bundle.mjs) when they are there and not older than the
// modules they were made from: Node's ESM loader reads each module
// asynchronously, which every start-up pays for. The CLI's bundle is
// compiled with V8's code cache (bin/loadBundle.js).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

// The CLI turns every expected fault into a message and an exit code; what
// reaches the last handler here is a bug, except a system error that some
// path did not catch, which still gets one line and no stack.
const fail = (err) => {
  if (err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code) && typeof err.path === 'string') {
    console.error(`error: ${err.message}`);
  } else {
    console.error('nixmake: internal error (please report it):');
    console.error(err && err.stack ? err.stack : err);
  }
  process.exitCode = 1;
};

// A reader that goes away (`nixmake build --json | head -1`) ends the output, quietly, as for any
// command-line tool; it is not an error of nixmake's. Set up for the full CLI only: touching
// process.stdout loads Node's stream modules (3 ms), and the fast path writes with fs.writeSync,
// whose EPIPE its writer handles the same way.
const quietOnEpipe = () => {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
};

const notBuilt = (err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/dist/')) {
    console.error('nixmake: error: nixmake is not built (no dist/); run npm run build in its folder');
    process.exitCode = 1;
  } else fail(err);
};

/**
 * The bundle in dist/ made from module `from` if it is not older than it, else that module;
 * `cached`: through V8's code cache (bin/loadBundle.js), whose `save` is called when the run is over.
 */
const load = (bundle, from, cached = false) => {
  const dist = path.join(__dirname, '..', 'dist');
  const file = path.join(dist, bundle);
  try {
    if (fs.statSync(file).mtimeMs >= fs.statSync(path.join(dist, from)).mtimeMs) {
      if (!cached) return Promise.resolve({ exports: require(file), save: () => undefined });
      return Promise.resolve(require('./loadBundle.js').loadBundle(file));
    }
  } catch (err) {
    if (!err || err.code !== 'ENOENT') return Promise.reject(err);
  }
  return import(`../dist/${from}`).then((exports) => ({ exports, save: () => undefined }));
};

const full = () => {
  quietOnEpipe();
  const argv = process.argv.slice(2);
  return load('cli.cjs', 'cli/main.js', true).then(
    ({ exports, save }) =>
      exports.main(argv).then((code) => {
        process.exitCode = code;
        save(argv[0] === 'build' ? 'build' : 'other');
      }, fail),
    notBuilt,
  );
};

/** The fast path: the bundle if it is current, else the ESM modules. */
const noopFastPath = () => load('noopFastPath.cjs', 'cli/noopFastPath.js').then(({ exports }) => exports);

const argv = process.argv.slice(2);
if (argv[0] === 'build') {
  noopFastPath().then(({ tryNoopBuild }) => {
    let code;
    try {
      code = tryNoopBuild(argv);
    } catch {
      code = undefined; // anything odd: the full path decides, and reports it
    }
    if (code === undefined) return full();
    process.exitCode = code;
  }, notBuilt);
} else {
  full();
}
