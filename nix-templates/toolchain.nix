# toolchain.nix: the toolchain record from the plan's JSON, as builders see it.
#
# A host toolchain (/usr/bin/gcc) is reached through the daemon's
# sandbox-paths; its identity hash is what ties derivations to it. Tool paths
# under /nix/store become real store dependencies through builtins.storePath,
# so a nixpkgs toolchain is copied to remote builders like any other input.
# This file does not probe anything: the engine does that and passes `id`.
tc:
let
  inStore = p: builtins.substring 0 11 p == "/nix/store/";
  storeRoot = p: builtins.head (builtins.match "(/nix/store/[^/]+).*" p);
  toolPath = p: if inStore p then "${builtins.storePath (storeRoot p)}${builtins.substring (builtins.stringLength (storeRoot p)) (-1) p}" else p;
in {
  inherit (tc) system id;
  cc = toolPath tc.cc;
  cxx = toolPath tc.cxx;
  ar = toolPath tc.ar;
  shell = toolPath tc.shell;
  path = builtins.concatStringsSep ":" (map toolPath tc.path);
}
