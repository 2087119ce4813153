# monolithic.sh: builder of monolithic.nix. Copies the tree, runs make with
# the given arguments (commands echoed, so the log shows every compile) and
# installs the executable as $out/bin/<name>.
source "$NIX_BUILD_TOP/.attrs.sh"
export PATH=/usr/bin:/bin
set -eu
out="${outputs[out]}"
cp -r "$src" tree
chmod -R u+w tree
cd tree
make -j"$jobs" "${makeArgs[@]}"
mkdir -p "$out/bin"
cp "$binary" "$out/bin/"
