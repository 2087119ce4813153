# graph.nix: the entry point. Reads the plan JSON written by the engine and
# instantiates one derivation per node that needs building, and answers them
# as a list in the order of plan.order (nix-instantiate --add-root then makes
# one GC root per derivation, in that order).
# Output paths are not known before the build: objects are content-addressed,
# and links that take them as inputs are resolved by Nix when they are built.
#
# A node that is already built and is only referenced (an object of a target
# being relinked) arrives as its output path and is referenced as that store
# path (appendContext, path = true): a link of unchanged objects is then the
# same derivation, however those objects were built.
{ planFile }:
let
  plan = builtins.fromJSON (builtins.readFile planFile);
  toolchain = import ./toolchain.nix plan.toolchain;
  # Every input file enters the store once, by content (name "nixmake-input",
  # so one content is one store path), however many objects read it.
  stored = builtins.mapAttrs (abs: _: builtins.path { path = /. + abs; name = "nixmake-input"; }) plan.files;
  objects = builtins.mapAttrs (key: node: import ./object.nix { inherit toolchain node stored; }) plan.objects;
  built = builtins.mapAttrs
    (key: out: builtins.appendContext out { ${out} = { path = true; }; })
    plan.built;
  resolve = key:
    if builtins.hasAttr key objects then "${objects.${key}}"
    else if builtins.hasAttr key links then "${links.${key}}"
    else built.${key};
  links = builtins.mapAttrs (key: node: import ./link.nix {
    inherit toolchain node;
    objects = map resolve node.objects;
    libraries = map (lib: { inherit (lib) type name; out = resolve lib.key; }) node.libraries;
  }) plan.links;
in
let all = objects // links; in map (key: all.${key}) plan.order
