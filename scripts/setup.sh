#!/usr/bin/env bash
# The first command of the README: installs everything nixmake needs on a
# Debian machine (Nix, the npm dependencies), builds nixmake, then builds the
# bundled example project through it and runs the result.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/host-tools.sh
bash scripts/nix-daemon.sh

# Exactly the locked versions, without touching the tracked package-lock.json
# (`npm ci` never writes it); skipped when node_modules already matches it.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "nixmake setup: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build

echo "nixmake setup: building examples/hello through nixmake" >&2
node bin/nixmake.js build -C examples/hello
./examples/hello/result-hello/bin/hello
