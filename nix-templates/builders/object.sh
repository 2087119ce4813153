# object.sh: the builder of object.nix. Lays out the inputs at their
# project-relative paths under a fixed directory, compiles the TU there with
# relative paths (so messages name src/foo.c, not a store path), and writes
# the object to $out/<name>. Everything it uses comes from .attrs.sh, which Nix
# writes with proper shell quoting.
source "$NIX_BUILD_TOP/.attrs.sh"
export PATH="$toolchainPath"
set -eu
out="${outputs[out]}"

mkdir -p src
cd src
for rel in "${!inputs[@]}"; do
  case "$rel" in */*) mkdir -p -- "${rel%/*}" ;; esac
  cp -- "${inputs[$rel]}" "$rel"
  chmod u+w -- "$rel"
done

source_arg="$tu"
case "$source_arg" in -*) source_arg="./$source_arg" ;; esac
# The object must not depend on where it was built (/build/src, always) or
# on a random seed, so that equal inputs give equal bytes (early cutoff).
"$compiler" -c -fdiagnostics-color=never "${compileFlags[@]}" \
  "-ffile-prefix-map=$PWD=." "-fdebug-prefix-map=$PWD=." "-frandom-seed=$tu" \
  -o "$NIX_BUILD_TOP/object.o" "$source_arg"
# $out is a folder holding the object under its own name, so a link uses it
# in place (no copy per object) and archive members keep readable names.
mkdir "$out"
cp "$NIX_BUILD_TOP/object.o" "$out/$objectName"
