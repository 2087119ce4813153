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
# A mirror can list a version whose files it no longer has (a security update
# replaced by a newer one): then try the other versions apt knows, newest first.
fetched=0
if (cd "$dest" && apt-get source -qq "$pkg" >&2); then
  fetched=1
else
  for v in $(apt-cache showsrc "$name" 2>/dev/null | awk '/^Version:/ {print $2}' | sort -u | sort -r -V); do
    rm -rf "${dest:?}"/*
    echo "fetch-debian-source: trying $name=$v" >&2
    if (cd "$dest" && apt-get source -qq "$name=$v" >&2); then fetched=1; break; fi
  done
fi
[ "$fetched" -eq 1 ] || { echo "fetch-debian-source: could not fetch the source of $pkg" >&2; exit 1; }
dir=$(find "$dest" -mindepth 1 -maxdepth 1 -type d | head -n 1)
echo "$dir" > "$dest/.done"
echo "$dir"
