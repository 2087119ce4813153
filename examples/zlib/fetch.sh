#!/usr/bin/env bash
# fetch.sh DIR: copies zlib 1.2.13 (Debian's source package, fetched with
# apt-get source and cached in /var/cache/nixmake-sources) into DIR and runs
# its ./configure, so DIR is ready for `nixmake init -- make -j2`. Prints DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: fetch.sh DIR}
src=$(bash "$here/../../scripts/fetch-debian-source.sh" zlib)
mkdir -p "$dest"
cp -r "$src"/. "$dest"/
(cd "$dest" && ./configure >&2)
echo "$dest"
