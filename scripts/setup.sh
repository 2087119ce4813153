#!/usr/bin/env bash
# The first command of the README: installs everything nixmake needs on a
# Debian machine (Nix, the npm dependencies), builds nixmake, then builds the
# bundled example project through it and runs the result.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/host-tools.sh
bash scripts/nix-daemon.sh

echo "nixmake setup: installing npm dependencies" >&2
# `npm ci` rejects the lock file npm 11 writes here (it omits other platforms' optional
# rollup binaries); `npm install` installs exactly the locked versions all the same.
npm install --no-audit --no-fund --loglevel=error
npm run --silent build

echo "nixmake setup: building examples/hello through nixmake" >&2
node bin/nixmake.js build -C examples/hello
./examples/hello/result-hello/bin/hello
