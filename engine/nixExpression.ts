/**
 * nixExpression: the text of an export's default.nix.
 *
 * The expression is the same for every project: it reads the lock
 * (exportLock.ts) with `builtins.fromJSON`, adds each input file with
 * `builtins.path { name = "nixmake-input"; }` (the store path nixmake's
 * SourceUploader gives it), resolves the lock's symbolic derivations
 * (symbolicDerivation.ts) and calls `derivation` on them: no
 * import-from-derivation, no experimental feature, nothing but Nix's
 * builtins. Store paths enter the derivations through string context, so
 * `inputSrcs` and `inputDrvs` come out as nixmake writes them.
 *
 * The toolchain's store paths get their context from `builtins.storePath`
 * (allowed by nix-build and nix-instantiate, refused in pure evaluation) or
 * from the `toolchain` argument. Pure: this module only holds text.
 */
import { BUILDER_SOURCE, COPIED_DIR, EXPORT_LOCK_VERSION, LOCK_FILE } from './exportLock.js';

/** Attribute names the expression itself uses; a target by one of these names is only under `targets`. */
export const RESERVED_ATTRS: ReadonlySet<string> = new Set(['all', 'package', 'objects', 'targets', 'generators', 'builder']);

export function defaultNix(): string {
  return `# Written by \`nixmake export\`; export again rather than edit it.
#
# One derivation per generator, one per object and one per target: with the
# locked toolchain, the very derivations \`nixmake build\` makes, but for the
# links of static libraries and programs, which nixmake writes over its objects'
# outputs (same bytes; see its ARCHITECTURE.md). Stock Nix 2.8 or later, no
# import-from-derivation, no experimental features, no nixmake.
#
#   nix-build -A <target>     one target (also under targets.<target>)
#   nix-build -A all          every target
#   nix-build -A package      bin/, lib/ and include/ in one output
#   objects.<key>             one object, e.g. objects."obj:app:src/main.c"
#   generators.<name>         one generator's outputs, e.g. generators.parser
#
# Sources are read from the project (or from ${COPIED_DIR}/ for files git
# does not track and files nixmake export --patch patched), one store path per file: edit one .c and only its object
# and the links above it are rebuilt. A changed #include needs a new export
# (\`nixmake export --check\` tells). Objects read generated files from their
# generator's output, with the includes those files had at export time.
#
# toolchain: null uses the locked toolchain's store paths, which must be in
# the store (builtins.storePath: refused in pure evaluation, so a flake
# passes one). Otherwise an attribute set
#   { system; id; cc; cxx; ar; path; cflags; ldflags; storePaths; toolEnv; }
# (strings; path, cflags, ldflags and storePaths lists; toolEnv, for
# generators, an attribute set of strings) describing another.
{ toolchain ? null }:

let
  lock = builtins.fromJSON (builtins.readFile ./${LOCK_FILE});
  checked =
    if lock."nixmake-export" == ${EXPORT_LOCK_VERSION} then lock
    else throw "${LOCK_FILE} has format \${toString lock."nixmake-export"}; this default.nix reads format ${EXPORT_LOCK_VERSION}: run nixmake export again";
  root = ./. + "/\${checked.root}";
  copied = ./${COPIED_DIR};

  tc =
    if toolchain != null then toolchain
    else lock.toolchain // { storePaths = map builtins.storePath lock.toolchain.storePaths; };

  # The toolchain's store paths as string context, in an empty string.
  tcContext = builtins.concatStringsSep "" (map (p: builtins.substring 0 0 "\${p}") tc.storePaths);
  tcStrings = {
    system = tc.system;
    id = tcContext + tc.id;
    cc = tcContext + tc.cc;
    cxx = tcContext + tc.cxx;
    ar = tcContext + tc.ar;
    path = tcContext + builtins.concatStringsSep ":" tc.path;
  };
  toolEnv = name:
    if (tc.toolEnv or { }) ? \${name} then tcContext + tc.toolEnv.\${name}
    else throw "the toolchain has no toolEnv.\${name}, which a generator's command needs";
  lists = {
    cflags = tc.cflags;
    ldflags = tc.ldflags;
    # Debug info names system headers without the store path's hash.
    prefixMaps = map (p:
      let s = "\${p}"; b = baseNameOf s;
      in "-ffile-prefix-map=\${s}=/toolchain/\${builtins.substring 33 (builtins.stringLength b) b}") tc.storePaths;
  };

  inputs = builtins.mapAttrs (rel: from:
    builtins.path {
      path = (if from == "copied" then copied else root) + "/\${rel}";
      name = "nixmake-input";
    }) checked.files;

  builderSource = builtins.path { path = ./${BUILDER_SOURCE}; name = "${BUILDER_SOURCE}"; };

  resolve = r:
    if r.ref == "input" then inputs.\${r.of}
    else if r.ref == "generator" then "\${generators.\${r.of}}"
    else if r.ref == "object" then "\${objects.\${r.of}}"
    else if r.ref == "link" then "\${targets.\${r.of}}"
    else if r.ref == "builder" then "\${builder}"
    else if r.ref == "builderSource" then builderSource
    else if r.ref == "tc" then tcStrings.\${r.of}
    else if r.ref == "toolEnv" then toolEnv r.of
    else throw "${LOCK_FILE}: unknown reference \${r.ref}: run nixmake export again";

  str = a:
    if builtins.isString a then a
    else if a ? ref then resolve a
    else if a ? parts then builtins.concatStringsSep "" (map str a.parts)
    else throw "${LOCK_FILE}: a list where a string belongs";

  arg = a: if builtins.isAttrs a && a ? list then lists.\${a.list} else [ (str a) ];

  mk = d: derivation ({
    name = d.name;
    system = str d.system;
    builder = str d.builder;
    args = builtins.concatMap arg d.args;
  } // builtins.mapAttrs (_: str) d.env);

  builder = mk checked.builder.derivation;
  generators = builtins.mapAttrs (_: g: mk g.derivation) checked.generators;
  objects = builtins.mapAttrs (_: o: mk o.derivation) checked.objects;
  targets = builtins.mapAttrs (_: t: mk t.derivation) checked.targets;

  out = builtins.placeholder "out";
  package = derivation {
    name = checked.package.name;
    system = tc.system;
    builder = "\${builder}";
    # Symbolic links to the targets' files and to the public headers; the helper needs a program
    # to run, and the compiler printing its version is one that needs nothing.
    args = [ "--mkdir" out ]
      ++ builtins.concatLists (builtins.attrValues (builtins.mapAttrs (name: t:
           builtins.concatMap (f: [ "--ln" "\${targets.\${name}}/\${f}" "\${out}/\${f}" ]) t.outputs) checked.targets))
      ++ builtins.concatLists (builtins.attrValues (builtins.mapAttrs (file: dest:
           [ "--ln" inputs.\${file} "\${out}/include/\${dest}" ]) checked.package.headers))
      ++ [ "--" tcStrings.cc "-dumpversion" ];
    PATH = tcStrings.path;
    preferLocalBuild = true;
  };
in
targets // {
  inherit targets generators objects package builder;
  all = builtins.attrValues targets;
}
`;
}
