// loadBundle: loads one of nixmake's bundled CommonJS files (dist/cli.cjs)
// with V8's code cache, so that a start-up does not compile again what the
// last one compiled (Node 20 has no module compile cache of its own).
//
// The cache is `<bundle>.cache` beside the bundle. Its head names the
// bundle it was made from (mtime, size, inode), V8's version and the
// machine: V8 itself checks only the source's length, so a cache made from
// another build of the bundle is never handed to it. A cache is written,
// atomically, after a run that found none it could use, and again after
// the first build that follows a lighter command (the cache then holds the
// functions a build compiles). A folder that cannot be written (an install
// in the store) just means no cache; a cache V8 rejects is replaced.
//
// It does not decide which file to load (bin/nixmake.js does) and does not
// change what the code does: the module gets the same require, module,
// __filename and __dirname that require() gives it.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** Head: "nixmake-v8-cache 1", the bundle's identity, the kind of run that made it. */
const identity = (file) => {
  const st = fs.statSync(file);
  return `nixmake-v8-cache 1\0${st.mtimeMs}\0${st.size}\0${st.ino}\0${process.versions.v8}\0${process.arch}`;
};

const readCache = (cacheFile, id) => {
  let buf;
  try {
    buf = fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  if (buf.length < 4) return undefined;
  const n = buf.readUInt32LE(0);
  const head = buf.toString('utf8', 4, 4 + n).split('\n');
  if (head[0] !== id) return undefined;
  return { data: buf.subarray(4 + n), madeBy: head[1] };
};

/**
 * Runs the bundle `file` as a CommonJS module and answers its exports, and
 * `save(kind)`: to be called when the run is over (`kind`: 'build' for a
 * build, anything else for a lighter command).
 */
exports.loadBundle = (file) => {
  const id = identity(file);
  const cacheFile = `${file}.cache`;
  const cached = readCache(cacheFile, id);
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData: cached?.data });
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  const req = (request) => m.require(request);
  req.resolve = (request, options) => Module._resolveFilename(request, m, false, options);
  req.cache = Module._cache;
  req.main = require.main;
  Module._cache[file] = m;
  script.runInThisContext().call(m.exports, m.exports, req, m, file, path.dirname(file));
  m.loaded = true;
  const save = (kind) => {
    const usable = cached !== undefined && !script.cachedDataRejected;
    if (usable && (cached.madeBy === 'build' || kind !== 'build')) return;
    const head = Buffer.from(`${id}\n${kind}`);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(head.length, 0);
    const tmp = `${cacheFile}.${process.pid}`;
    try {
      fs.writeFileSync(tmp, Buffer.concat([len, head, script.createCachedData()]));
      fs.renameSync(tmp, cacheFile);
    } catch {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // a folder we may not write: no cache
      }
    }
  };
  return { exports: m.exports, save };
};
