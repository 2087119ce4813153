# floor.nix: the nix-floor comparator (bench/tools/NixFloorTool.ts): one
# derivation per compile of a compile database, whose builder is the
# compiler itself (no shell, no other process) and whose only input is the
# whole project tree, entered once with builtins.path. About the least a
# sandboxed derivation per object can cost on this Nix and this machine.
#
# Arguments arrive as --argstr data: `src` (absolute path of the tree),
# `nodes` (absolute path of a JSON list of { cc, file, args }, written by
# bench/floorNodes.ts; "@SRC@" in args stands for the tree's store path).
# Answers the derivations as a list, in the database's order.
{ src, nodes }:
let
  outputs = [ "build" ".nixmake" ".ninja_log" ".ninja_deps" ".libs" ".deps" ];
  generated = ".*\\.(o|lo|a|la|so|d|tmp)$";
  tree = builtins.path {
    path = /. + src;
    name = "nix-floor-src";
    filter = p: type:
      let b = baseNameOf p; in
      !(builtins.elem b outputs || builtins.match generated b != null || builtins.substring 0 6 b == "result");
  };
  list = builtins.fromJSON (builtins.readFile nodes);
  mk = i: n: derivation {
    name = "nix-floor-${toString i}";
    system = builtins.currentSystem;
    builder = n.cc;
    PATH = "/usr/bin:/bin";
    args = map (a: builtins.replaceStrings [ "@SRC@" ] [ "${tree}" ] a) n.args ++ [ "-o" (builtins.placeholder "out") ];
  };
in
builtins.genList (i: mk i (builtins.elemAt list i)) (builtins.length list)
