# link.nix: one derivation that links a target: an executable ($out/bin/NAME),
# a static library ($out/lib/libNAME.a) or a shared library ($out/lib/libNAME.so).
#
# `objects` and `libraries` are derivation outputs (or store paths of
# outputs built earlier), so Nix sees the whole graph. The output is
# content-addressed like the objects': a link of the same bytes is the same
# path however its inputs were referenced, and a library whose bytes did not
# change does not make the executables that link it differ. Library arguments are
# built here from store paths and the validated target name; user flags and
# library names arrive as lists and stay lists.
{ toolchain, node, objects, libraries }:
let
  libArg = lib:
    if lib.type == "static-library" then [ "${lib.out}/lib/lib${lib.name}.a" ]
    else [ "-L${lib.out}/lib" "-l${lib.name}" "-Wl,-rpath,${lib.out}/lib" ];
in
derivation {
  name = node.name;
  system = toolchain.system;
  builder = toolchain.shell;
  args = [ ./builders/link.sh ];
  __structuredAttrs = true;
  __contentAddressed = true;
  outputHashMode = "recursive";
  outputHashAlgo = "sha256";

  toolchainPath = toolchain.path;
  toolchainId = toolchain.id;
  linker = if node.lang == "c++" then toolchain.cxx else toolchain.cc;
  ar = toolchain.ar;
  targetName = node.target;
  targetType = node.type;
  objects = objects;
  objectNames = node.objectNames;
  libraryArgs = builtins.concatLists (map libArg libraries);
  ldflags = node.ldflags;
  soname = node.soname;
  libs = map (l: "-l" + l) node.libs;
}
