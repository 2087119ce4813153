/**
 * evalPlan: the plan's nodes → the JSON document graph.nix evaluates.
 *
 * Pure apart from `realpath`, which the caller passes so that a symlinked
 * source enters the store as the file it points to. Every string here is
 * data for Nix; none is spliced into Nix or shell code.
 */
import path from 'node:path';
import { sha256, canonicalJson } from '../cache/hashes.js';
import type { EvalPlan } from '../store/NixStore.js';
import type { Toolchain } from '../toolchain/Toolchain.js';
import type { BuildGraph } from './BuildGraph.js';
import { storeName } from './BuildGraph.js';
import type { Plan } from './plan.js';

export function evalPlan(
  plan: Plan,
  graph: BuildGraph,
  toolchain: Toolchain,
  root: string,
  realpath: (p: string) => string,
): EvalPlan {
  const planned = new Set(plan.build.map((p) => p.node.key));
  const builtOuts = new Map<string, string>(plan.upToDate.map((u) => [u.node.key, u.record.out]));
  const objects: Record<string, unknown> = {};
  const links: Record<string, unknown> = {};
  const built: Record<string, string> = {};
  /** Every input file of the planned objects, once (graph.nix adds each to the store once). */
  const files: Record<string, true> = {};
  const reference = (key: string): void => {
    if (planned.has(key)) return;
    const out = builtOuts.get(key);
    if (!out) throw new Error(`internal: ${key} is neither planned nor built`);
    built[key] = out;
  };
  for (const { node, fp } of plan.build) {
    if (node.kind === 'object') {
      const inputs: Record<string, string> = {};
      for (const rel of [node.tu, ...node.closure.headers]) {
        const abs = realpath(path.join(root, rel));
        inputs[rel] = abs;
        files[abs] = true;
      }
      const system = fp.inputs.kind === 'object' ? fp.inputs.system : {};
      objects[node.key] = {
        name: node.name,
        tu: node.tu,
        lang: node.lang,
        flags: node.flags,
        inputs,
        systemHeadersHash: sha256(canonicalJson(system)),
      };
    } else {
      node.objects.forEach(reference);
      node.libraries.forEach(reference);
      links[node.key] = {
        name: storeName(node.target),
        target: node.target,
        type: node.type,
        lang: node.lang,
        objects: node.objects,
        objectNames: node.objects.map((k) => graph.objects.get(k)?.name ?? 'object.o'),
        libraries: node.libraries.map((k) => {
          const lib = graph.links.get(k);
          return { key: k, type: lib?.type, name: lib?.target };
        }),
        ldflags: node.ldflags,
        soname: node.soname ?? `lib${node.target}.so`,
        libs: node.libs,
      };
    }
  }
  const tc = { system: toolchain.system, id: toolchain.id, cc: toolchain.cc, cxx: toolchain.cxx, ar: toolchain.ar, shell: toolchain.shell, path: toolchain.path };
  return { toolchain: tc, objects, links, built, files, order: [...Object.keys(objects), ...Object.keys(links)] };
}
