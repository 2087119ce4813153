#!/usr/bin/env bash
# Installs the host tools nixmake's tests and benchmark use, if missing:
# the compiler (gcc, g++, make), ninja (the benchmark compares with it),
# bear (`nixmake init` records builds with it) and dpkg-dev (apt-get source
# for the third-party code the tests fetch) and strace (a test checks that a
# build runs no Nix command), and patchelf (the toolchain import points
# the host tools at the store's dynamic linker), and the libraries and
# tools the host-package import test brings into the store (libonig-dev,
# which jq needs, zlib1g-dev, libreadline-dev (whose libtinfo is another
# package's), m4, bison and python3 for the generator and
# interpreter tests), and cmake (`nixmake init --from-cmake`
# reads CMake's File API), and openssh's server and client (the remote
# builder test and benchmark run an sshd of their own on a localhost port;
# Debian's policy-rc.d, where present, keeps the package's own sshd from
# starting). Safe to run again.
set -euo pipefail
need=()
for pair in gcc:gcc g++:g++ make:make ninja:ninja-build bear:bear dpkg-source:dpkg-dev strace:strace patchelf:patchelf m4:m4 bison:bison /usr/bin/python3:python3 busybox:busybox-static cmake:cmake /usr/sbin/sshd:openssh-server ssh:openssh-client; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
for pkg in libonig-dev zlib1g-dev libreadline-dev; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^ii' || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then echo "nixmake setup: missing ${need[*]}; run as root to install them" >&2; exit 1; fi
echo "nixmake setup: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
