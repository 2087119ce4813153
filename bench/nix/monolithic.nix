# monolithic.nix: the way a C package is built by Nix today, for the
# benchmark: one derivation that copies the whole source tree and runs its
# Makefile. Any change to any file rebuilds everything.
#
# Arguments arrive as --argstr/--arg data: `src` (absolute path of the tree),
# `makeArgs` (JSON list), `binary` (the executable, relative to the tree),
# `tools` (JSON from bench/storeTools.ts: the store paths of the toolchain,
# bash, make, coreutils, sed and grep, their PATH and bash itself; a stock
# sandbox has no /bin/bash or /usr/bin).
{ src, makeArgs, binary, jobs ? "2", tools }:
let
  skip = [ "build" ".nixmake" ".ninja_log" ".ninja_deps" "nixmake-export" ];
  t = builtins.fromJSON tools;
in
derivation {
  name = "monolithic";
  system = builtins.currentSystem;
  builder = t.bash;
  shellPath = t.bash;
  # builtins.storePath gives each tool's path its context: they become inputs.
  toolPaths = map builtins.storePath t.storePaths;
  toolPath = builtins.concatStringsSep ":" t.path;
  args = [ ./monolithic.sh ];
  __structuredAttrs = true;
  src = builtins.path {
    path = /. + src;
    name = "source";
    filter = p: type: !(builtins.elem (baseNameOf p) skip) && builtins.substring 0 7 (baseNameOf p) != "result-";
  };
  makeArgs = builtins.fromJSON makeArgs;
  inherit binary jobs;
}
