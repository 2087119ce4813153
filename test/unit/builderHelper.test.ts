/**
 * ensureBuilder against an in-memory store that records what it is asked:
 * with trusted roots that already name the helper, the daemon is not asked
 * anything; otherwise the source and derivation are written, the output
 * built when missing, and both roots made.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilder } from '../../engine/builderHelper.js';
import { makeInputAddressedDerivation } from '../../store/derivation.js';
import { builderDerivation } from '../../engine/derivations.js';
import type { BuildOutcome, NarToAdd, NixStore } from '../../store/NixStore.js';
import type { Toolchain } from '../../toolchain/Toolchain.js';

const GCC = '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-gcc';
const tc = { system: 'x86_64-linux', id: 'tc', path: [`${GCC}/bin`], storePaths: [GCC], cflags: [], ldflags: [], cc: `${GCC}/bin/gcc` } as unknown as Toolchain;

/** A derivation's store path from its text, as the daemon would give it (the helper's is the only one written here). */
function derivationPathOf(text: string): string {
  const src = /"(\/nix\/store\/[0-9a-z]{32}-nixmake-builder\.c)"/.exec(text)?.[1];
  if (src === undefined) throw new Error(`not the helper's derivation: ${text}`);
  return makeInputAddressedDerivation(builderDerivation(tc, src)).drvPath;
}

class RecordingStore {
  readonly calls: string[] = [];
  readonly valid = new Set<string>();
  async addNar(name: string): Promise<void> {
    this.calls.push(`addNar ${name}`);
  }
  async addNars(items: readonly NarToAdd[]): Promise<void> {
    this.calls.push(`addNars ${items.length}`);
  }
  async addText(name: string, text: string): Promise<string> {
    this.calls.push(`addText ${name}`);
    return derivationPathOf(text);
  }
  async validPaths(paths: readonly string[]): Promise<Set<string>> {
    this.calls.push('validPaths');
    return new Set(paths.filter((p) => this.valid.has(p)));
  }
  async addTempRoots(): Promise<void> {
    this.calls.push('addTempRoots');
  }
  async build(): Promise<BuildOutcome> {
    this.calls.push('build');
    return { ok: true, status: 'Built', message: '', log: '', startTime: 0, stopTime: 0 };
  }
  async addRoot(target: string, gcRoot: string): Promise<void> {
    this.calls.push(`addRoot ${path.basename(gcRoot)}`);
    fs.rmSync(gcRoot, { force: true });
    fs.symlinkSync(target, gcRoot);
  }
  async pathInfo(): Promise<undefined> {
    return undefined;
  }
  close(): void {}
}

let dir: string;
let roots: { out: string; drv: string };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-builderhelper-'));
  roots = { out: path.join(dir, 'builder'), drv: path.join(dir, 'builder-drv') };
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function firstRun(store: RecordingStore): Promise<{ drvPath: string; out: string }> {
  const ref = await ensureBuilder(store as unknown as NixStore, tc, roots, false);
  return { drvPath: ref.drvPath, out: ref.out };
}

describe('ensureBuilder', () => {
  it('untrusted: writes the source and derivation, builds a missing output, roots output and derivation', async () => {
    const store = new RecordingStore();
    const { drvPath, out } = await firstRun(store);
    expect(store.calls).toEqual(['addNar nixmake-builder.c', 'addText nixmake-builder.drv', 'addTempRoots', 'validPaths', 'build', 'addRoot builder', 'addRoot builder-drv']);
    expect(fs.readlinkSync(roots.out)).toBe(out);
    expect(fs.readlinkSync(roots.drv)).toBe(drvPath);
  });

  it('trusted roots that name the helper: the daemon is asked nothing', async () => {
    const store = new RecordingStore();
    const first = await firstRun(store);
    store.calls.length = 0;
    const ref = await ensureBuilder(store as unknown as NixStore, tc, roots, true);
    expect(store.calls).toEqual([]);
    expect(ref).toMatchObject(first);
  });

  it('trusted roots that name something else, or untrusted ones: asked again, and a valid output is not rebuilt', async () => {
    const store = new RecordingStore();
    const first = await firstRun(store);
    store.valid.add(first.out);
    fs.rmSync(roots.drv);
    fs.symlinkSync('/nix/store/00000000000000000000000000000000-other.drv', roots.drv);
    store.calls.length = 0;
    await ensureBuilder(store as unknown as NixStore, tc, roots, true);
    expect(store.calls).toContain('addText nixmake-builder.drv');
    expect(store.calls).not.toContain('build');
    expect(fs.readlinkSync(roots.drv)).toBe(first.drvPath);
    store.calls.length = 0;
    await ensureBuilder(store as unknown as NixStore, tc, roots, false);
    expect(store.calls).toEqual(['addNar nixmake-builder.c', 'addText nixmake-builder.drv', 'addTempRoots', 'validPaths', 'addRoot builder', 'addRoot builder-drv']);
  });
});
