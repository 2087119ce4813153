# link.sh: the builder of link.nix. Archives or links the objects (each is
# $object/<name> in the store, so archive members keep readable names) into
# $out/lib or $out/bin. Everything it uses comes from .attrs.sh.
source "$NIX_BUILD_TOP/.attrs.sh"
export PATH="$toolchainPath"
set -eu
out="${outputs[out]}"

# Each object is $object/$name in the store: used in place, no copies.
objs=()
for i in "${!objects[@]}"; do
  objs+=("${objects[$i]}/${objectNames[$i]}")
done

case "$targetType" in
  executable)
    mkdir -p "$out/bin"
    "$linker" "${ldflags[@]}" -o "$out/bin/$targetName" "${objs[@]}" "${libraryArgs[@]}" "${libs[@]}"
    ;;
  static-library)
    mkdir -p "$out/lib"
    "$ar" qcsD "$out/lib/lib$targetName.a" "${objs[@]}"
    ;;
  shared-library)
    mkdir -p "$out/lib"
    "$linker" -shared "-Wl,-soname,$soname" "${ldflags[@]}" -o "$out/lib/lib$targetName.so" \
      "${objs[@]}" "${libraryArgs[@]}" "${libs[@]}"
    # Programs find the library by its soname at run time (DT_NEEDED).
    if [ "$soname" != "lib$targetName.so" ]; then ln -s "lib$targetName.so" "$out/lib/$soname"; fi
    ;;
  *)
    echo "link.sh: unknown target type $targetType" >&2
    exit 1
    ;;
esac
