#!/usr/bin/env bash
# Fetches a Debian source package into a cache outside the repository and
# prints the unpacked folder. Usage: fetch-debian-source.sh PACKAGE[/SUITE]
# Cache: $NIXMAKE_SOURCE_CACHE, default /var/cache/nixmake-sources.
# Adds deb-src lines (a copy of the deb ones) the first time, as root.
set -euo pipefail
pkg="$1"
cache="${NIXMAKE_SOURCE_CACHE:-/var/cache/nixmake-sources}"
name="${pkg%%/*}"
dest="$cache/$name"
if [ -f "$dest/.done" ]; then cat "$dest/.done"; exit 0; fi

src_list=/etc/apt/sources.list.d/nixmake-deb-src.sources
if [ ! -f "$src_list" ]; then
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && [ "$f" != "$src_list" ] && sed 's/^Types: deb$/Types: deb-src/' "$f"
    echo
  done > "$src_list"
  apt-get update -qq >&2
fi
command -v dpkg-source >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >&2

rm -rf "$dest"
mkdir -p "$dest"
(cd "$dest" && apt-get source -qq "$pkg" >&2)
dir=$(find "$dest" -mindepth 1 -maxdepth 1 -type d | head -n 1)
echo "$dir" > "$dest/.done"
echo "$dir"
