# monolithic.nix: the way a C package is built by Nix today, for the
# benchmark: one derivation that copies the whole source tree and runs its
# Makefile. Any change to any file rebuilds everything.
#
# Arguments arrive as --argstr/--arg data: `src` (absolute path of the tree),
# `makeArgs` (JSON list), `binary` (the executable, relative to the tree).
{ src, makeArgs, binary, jobs ? "2" }:
let
  skip = [ "build" ".nixmake" ".ninja_log" ".ninja_deps" ];
in
derivation {
  name = "monolithic";
  system = builtins.currentSystem;
  builder = "/bin/bash";
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
