# graph.nix: the entry point. Reads the plan JSON written by the engine and
# instantiates one derivation per node that needs building; answers
# { "<node key>" = { drv; out; }; } (evaluate with --eval --strict --json).
#
# A node that is already built and is only referenced (an object of a target
# being relinked) arrives as { drv; out; } and is turned back into a
# derivation output with appendContext, so the link derivation is the same
# whether or not its objects were rebuilt in this run.
{ planFile }:
let
  plan = builtins.fromJSON (builtins.readFile planFile);
  toolchain = import ./toolchain.nix plan.toolchain;
  objects = builtins.mapAttrs (key: node: import ./object.nix { inherit toolchain node; }) plan.objects;
  built = builtins.mapAttrs
    (key: r: builtins.appendContext r.out { ${r.drv} = { outputs = [ "out" ]; }; })
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
builtins.mapAttrs (key: d: { drv = d.drvPath; out = d.outPath; }) (objects // links)
