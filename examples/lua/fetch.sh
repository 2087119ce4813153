#!/usr/bin/env bash
# fetch.sh DIR: unpacks upstream Lua 5.4 (Debian's lua5.4 .orig tarball,
# fetched with apt-get source and cached in /var/cache/nixmake-sources) into
# DIR and adds this folder's nixmake.json. Debian's own patch is not applied:
# it switches the build to libtool. Prints DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: fetch.sh DIR}
unpacked=$(bash "$here/../../scripts/fetch-debian-source.sh" lua5.4)
tarball=$(ls "$(dirname "$unpacked")"/lua5.4_*.orig.tar.gz | head -n 1)
mkdir -p "$dest"
tar -xzf "$tarball" -C "$dest" --strip-components=1
cp "$here/nixmake.json" "$dest/nixmake.json"
echo "$dest"
