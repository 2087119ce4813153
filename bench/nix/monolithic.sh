# monolithic.sh: builder of monolithic.nix. Copies the tree, runs make with
# the given arguments (commands echoed, so the log shows every compile) and
# installs the executable as $out/bin/<name>.
source "$NIX_BUILD_TOP/.attrs.sh"
export PATH="$toolPath"
set -eu
out="${outputs[out]}"
# Timestamps kept (every file in the store has the same): make must not think an autotools
# tree's generated files (Makefile.in, configure) older than their sources.
cp -r --preserve=timestamps "$src" tree
chmod -R u+w tree
cd tree
# No /bin/sh in a stock sandbox: make runs its recipes with this very bash.
make -j"$jobs" SHELL="$shellPath" "${makeArgs[@]}"
mkdir -p "$out/bin"
cp "$binary" "$out/bin/"
