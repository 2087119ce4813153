/**
 * builderHelper: makes sure the builder helper (nix-templates/builder/
 * nixmake-builder.c, compiled statically by the project's toolchain) is
 * built, and answers its derivation for the nodes that run it.
 *
 * Its derivation depends only on the toolchain and the helper's source, so
 * it is built once per toolchain and then found valid. It does not build
 * any node of the project.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeInputAddressedDerivation } from '../store/derivation.js';
import { narOfFile, narSha256Hex } from '../store/nar.js';
import type { NixStore } from '../store/NixStore.js';
import { NixCommandError } from '../store/NixStore.js';
import { makeSourcePath } from '../store/storePath.js';
import type { Toolchain } from '../toolchain/Toolchain.js';
import type { DrvRef } from './derivations.js';
import { builderDerivation } from './derivations.js';
import { readLink } from '../core/links.js';

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../nix-templates');
const SOURCE = path.join(TEMPLATES_DIR, 'builder', 'nixmake-builder.c');

/** Writes the helper's derivation, builds it if its output is missing, and roots it at `gcRoot`. */
export async function ensureBuilder(store: NixStore, tc: Toolchain, gcRoot: string, signal?: AbortSignal): Promise<DrvRef> {
  const nar = narOfFile(fs.readFileSync(SOURCE), false);
  const name = 'nixmake-builder.c';
  const src = makeSourcePath(name, narSha256Hex(nar));
  await store.addNar(name, nar, src);
  const spec = builderDerivation(tc, src);
  const d = makeInputAddressedDerivation(spec);
  const drvPath = await store.addText(`${spec.name}.drv`, d.text, [...spec.inputSrcs, ...Object.keys(spec.inputDrvs)]);
  if (drvPath !== d.drvPath) throw new NixCommandError(`internal error: the daemon stored the builder's derivation at ${drvPath}, nixmake computed ${d.drvPath}`);
  const out = d.outputs['out'] as string;
  await store.addTempRoots([out]);
  if (!(await store.validPaths([out])).has(out)) {
    const r = await store.build(drvPath, signal);
    if (!r.ok) {
      throw new NixCommandError(`cannot build nixmake's builder helper with ${tc.cc} (${r.message}):\n${r.log}`);
    }
  }
  if (readLink(gcRoot) !== out) await store.addRoot(out, gcRoot);
  return { drvPath, hashModulo: d.hashModulo, out };
}
