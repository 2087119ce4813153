#!/bin/sh
# cc-count.sh: the compiler command the benchmark writes into Makefiles and
# build.ninja files. It logs one line per invocation ("compile" for -c, else
# "link") to $NIXMAKE_BENCH_LOG when that is set, then runs gcc with the
# same arguments. It changes nothing about the build itself.
if [ -n "${NIXMAKE_BENCH_LOG:-}" ]; then
  kind=link
  for a in "$@"; do [ "$a" = "-c" ] && kind=compile; done
  echo "$kind" >> "$NIXMAKE_BENCH_LOG"
fi
exec gcc "$@"
