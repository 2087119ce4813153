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

/** The templates beside the compiled code (dist/engine/ → nix-templates/), or beside the sources when they run as they are (tests). */
export const TEMPLATES_DIR = ((here: string): string => {
  const built = path.resolve(here, '../../nix-templates');
  return fs.existsSync(built) ? built : path.resolve(here, '../nix-templates');
})(path.dirname(fileURLToPath(import.meta.url)));
const SOURCE = path.join(TEMPLATES_DIR, 'builder', 'nixmake-builder.c');

/** Where the helper's output and derivation are rooted. */
export interface BuilderRoots {
  readonly out: string;
  readonly drv: string;
}

/**
 * Writes the helper's derivation, builds it if its output is missing, and
 * roots both. With `rootsTrusted` (the GC roots folder is as the last
 * silent build left it: engine/Baseline.ts), roots that already name them
 * are taken as they are, and the daemon is not asked anything.
 */
export async function ensureBuilder(store: NixStore, tc: Toolchain, roots: BuilderRoots, rootsTrusted: boolean, signal?: AbortSignal): Promise<DrvRef> {
  const nar = narOfFile(fs.readFileSync(SOURCE), false);
  const name = 'nixmake-builder.c';
  const src = makeSourcePath(name, narSha256Hex(nar));
  const spec = builderDerivation(tc, src);
  const d = makeInputAddressedDerivation(spec);
  const out = d.outputs['out'] as string;
  if (rootsTrusted && readLink(roots.out) === out && readLink(roots.drv) === d.drvPath) return { drvPath: d.drvPath, hashModulo: d.hashModulo, out };
  await store.addNar(name, nar, src);
  const drvPath = await store.addText(`${spec.name}.drv`, d.text, [...spec.inputSrcs, ...Object.keys(spec.inputDrvs)]);
  if (drvPath !== d.drvPath) throw new NixCommandError(`internal error: the daemon stored the builder's derivation at ${drvPath}, nixmake computed ${d.drvPath}`);
  await store.addTempRoots([out]);
  if (!(await store.validPaths([out])).has(out)) {
    const r = await store.build(drvPath, signal);
    if (!r.ok) {
      throw new NixCommandError(`cannot build nixmake's builder helper with ${tc.cc} (${r.message}):\n${r.log}`);
    }
  }
  await store.addRoot(out, roots.out);
  await store.addRoot(drvPath, roots.drv);
  return { drvPath, hashModulo: d.hashModulo, out };
}
