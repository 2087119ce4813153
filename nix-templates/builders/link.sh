# link.sh: the builder of link.nix. Copies the objects under their own names
# (archive members and messages stay readable), then archives or links them
# into $out/lib or $out/bin. Everything it uses comes from .attrs.sh.
source "$NIX_BUILD_TOP/.attrs.sh"
export PATH="$toolchainPath"
set -eu
out="${outputs[out]}"

mkdir -p objs
objs=()
for i in "${!objects[@]}"; do
  mkdir -p "objs/$i"
  cp -- "${objects[$i]}" "objs/$i/${objectNames[$i]}"
  objs+=("objs/$i/${objectNames[$i]}")
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
