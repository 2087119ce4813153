# object.nix: one derivation that compiles one translation unit into $out/<name> (the .o file).
#
# Inputs are exactly the TU and the project headers of its include closure,
# each added to the store by content (by graph.nix, once per file: `stored`)
# and laid out at its project-relative path by the builder.
# Flags, the language, the toolchain identity and the hash of the system
# headers read are plain attributes: all data, none of it spliced into code.
#
# The output is content-addressed (ca-derivations): an object whose bytes did
# not change keeps its store path, so whatever links it need not be rebuilt.
{ toolchain, node, stored }:
derivation {
  name = node.name;
  system = toolchain.system;
  builder = toolchain.shell;
  args = [ ./builders/object.sh ];
  __structuredAttrs = true;
  __contentAddressed = true;
  outputHashMode = "recursive";
  outputHashAlgo = "sha256";

  toolchainPath = toolchain.path;
  toolchainId = toolchain.id;
  compiler = if node.lang == "c++" then toolchain.cxx else toolchain.cc;
  lang = node.lang;
  tu = node.tu;
  objectName = node.name;
  compileFlags = node.flags;
  systemHeadersHash = node.systemHeadersHash;
  inputs = builtins.mapAttrs (rel: abs: stored.${abs}) node.inputs;
}
