// Bundles the compiled CLI into two CommonJS files after tsc has written
// dist/: dist/noopFastPath.cjs (the no-op fast path and what it imports) and
// dist/cli.cjs (dist/cli/main.js and everything it imports, but the native
// packages: better-sqlite3 and tree-sitter are required from node_modules).
// bin/nixmake.js loads them with require(): one synchronous file read
// instead of Node's ESM loader fetching each module through asynchronous
// reads (measured on the no-op path at N=1000: 4–9 ms against 18–37 ms,
// machine under load). It does not change what the code does: every
// module's `import.meta.url` is its own file's URL in dist/, so the files it
// finds beside itself (templates, the scan worker, package.json) are the
// same; bin/nixmake.js falls back to the ESM modules when a bundle is
// missing or older than them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

/** Each module's `import.meta.url`, as the URL of the file it came from (relative to the bundle in dist/). */
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\/dist\/.*\.js$/ }, (args) => {
      const rel = path.relative(dist, args.path);
      return { contents: fs.readFileSync(args.path, 'utf8').replaceAll('import.meta.url', `__nixmakeModuleUrl(${JSON.stringify(rel)})`), loader: 'js' };
    });
  },
};

// At the top of the bundle, where `require` is still CommonJS's own (a module may name a const `require`).
const banner = { js: "const __nixmakeModuleUrl = (rel) => require('node:url').pathToFileURL(require('node:path').join(__dirname, rel)).href;" };
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', plugins: [ownUrl], banner };
await build({ ...common, entryPoints: [path.join(dist, 'cli/noopFastPath.js')], outfile: path.join(dist, 'noopFastPath.cjs') });
await build({ ...common, entryPoints: [path.join(dist, 'cli/main.js')], outfile: path.join(dist, 'cli.cjs'), external: ['better-sqlite3', 'tree-sitter', 'tree-sitter-c', 'tree-sitter-cpp'] });
