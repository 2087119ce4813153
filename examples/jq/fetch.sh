#!/usr/bin/env bash
# fetch.sh DIR: copies jq 1.6 (Debian bookworm's source package; the bare name
# gives a 404 from the security suite, so jq/bookworm is asked for) into DIR,
# installs what its autotools build needs if missing (autoconf, automake,
# libtool, libonig-dev), and configures it. DIR is then ready for
# `nixmake init -- make -j2`. Prints DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: fetch.sh DIR}
need=()
for pair in autoreconf:autoconf aclocal:automake libtoolize:libtool; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
[ -f /usr/include/oniguruma.h ] || need+=(libonig-dev)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${need[@]}" >&2 || { apt-get update -qq >&2 && apt-get install -y -qq "${need[@]}" >&2; }
fi
src=$(bash "$here/../../scripts/fetch-debian-source.sh" jq/bookworm)
mkdir -p "$dest"
cp -r "$src"/. "$dest"/
cd "$dest"
autoreconf -i >&2
./configure --with-oniguruma=yes --disable-docs --disable-maintainer-mode >&2
echo "$dest"
