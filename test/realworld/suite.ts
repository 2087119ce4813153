/**
 * One project of the real-world suite as vitest tests: init from its own
 * build, nixmake build with the build's outputs removed, its own tests
 * against nixmake's files; with NIXMAKE_REALWORLD_MEASURE=1, timings of
 * clean and one-file-edit builds against its own build, appended as a JSON
 * line to NIXMAKE_REALWORLD_RESULTS (default
 * /tmp/nixmake-realworld/results.jsonl).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOutputs, measure, nixmakeRun, placeOutputs, prepareTree, readConfig, recordedSteps, removeBuildOutputs, runProjectTests, tempDir } from './harness.js';
import type { Measured } from './harness.js';
import type { RealProject } from './RealProject.js';

export const RESULTS = process.env['NIXMAKE_REALWORLD_RESULTS'] ?? '/tmp/nixmake-realworld/results.jsonl';

export interface ProjectResult {
  readonly name: string;
  readonly language: string;
  readonly buildSystem: string;
  readonly tus: number;
  readonly targets: number;
  readonly generators: readonly string[];
  readonly passed: number;
  readonly total: number;
  readonly measured?: Measured;
}

export function realWorldProject(p: RealProject): void {
  describe(`${p.name} (${p.language}, ${p.buildSystem})`, () => {
    let root = '';
    let tus = 0;
    let tested: { passed: number; total: number } | undefined;
    /** TU → an object nixmake built from it. */
    const objects = new Map<string, string>();
    beforeAll(async () => {
      root = tempDir(p.name);
      await prepareTree(p, root);
    }, 1_200_000);
    afterAll(() => {
      if (process.env['NIXMAKE_REALWORLD_KEEP'] !== '1') fs.rmSync(root, { recursive: true, force: true });
    });

    it('nixmake init records its build, nixmake builds it with that build\'s outputs removed', async () => {
      const i = await nixmakeRun(['init', '-C', root, '--', ...p.build]);
      expect(i.code, i.output.slice(-4000)).toBe(0);
      const config = readConfig(root);
      expect(Object.keys(config.generators ?? {}).sort()).toEqual([...(p.expect.generators ?? [])].sort());
      removeBuildOutputs(recordedSteps(root));
      // The generated files too: nixmake's generators make them, in the store.
      for (const g of Object.values(config.generators ?? {})) for (const o of g.outputs) fs.rmSync(path.join(root, o), { force: true });
      const b = await nixmakeRun(['build', '-C', root, '--json', '-k']);
      const events = b.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const failed = events.filter((e) => e['event'] === 'node-failed').map((e) => `${String(e['node'])}: ${String(e['log'] ?? '').slice(-1500)}`);
      expect(failed, failed.join('\n')).toEqual([]);
      expect(b.code, b.output.slice(-4000)).toBe(0);
      tus = events.filter((e) => e['event'] === 'node-planned' && e['kind'] === 'object').length;
      for (const e of events) {
        const tu = String(e['node']).split(':').slice(2).join(':');
        if (e['event'] === 'node-built' && e['kind'] === 'object' && !objects.has(tu)) objects.set(tu, String(e['out']));
      }
      expect(tus).toBeGreaterThanOrEqual(p.expect.minTus);
      for (const g of Object.values(config.generators ?? {})) for (const o of g.outputs) expect(fs.existsSync(path.join(root, o)), o).toBe(false);
    }, 3_600_000);

    it('its own tests pass with nixmake\'s programs and libraries, and none of them was rebuilt', async () => {
      const steps = recordedSteps(root);
      const removed = buildOutputs(steps);
      const placed = placeOutputs(root, steps, objects);
      expect(placed.size).toBeGreaterThan(0);
      const t = await runProjectTests(p, root, placed, removed);
      expect(t.changed, 'rebuilt by the project\'s tests').toEqual([]);
      expect(t.remade, 'recompiled by the project\'s tests').toEqual([]);
      const known = p.knownFailures?.tests ?? [];
      if (known.length === 0) expect(t.code, t.output.slice(-4000)).toBe(0);
      else expect(t.failed, t.output.slice(-4000)).toEqual(known);
      expect(t.total).toBeGreaterThan(0);
      expect(t.passed, t.output.slice(-4000)).toBe(t.total - known.length);
      tested = { passed: t.passed, total: t.total };
    }, 3_600_000);

    it.runIf(process.env['NIXMAKE_REALWORLD_MEASURE'] === '1')('times clean and one-file-edit builds against its own build', async () => {
      const mk = tempDir(`${p.name}-make`);
      try {
        await prepareTree(p, mk);
        const measured = await measure(p, root, mk, Number(process.env['NIXMAKE_REALWORLD_CLEAN_REPS'] ?? 1), Number(process.env['NIXMAKE_REALWORLD_EDIT_REPS'] ?? 3));
        const config = readConfig(root);
        const result: ProjectResult = {
          name: p.name,
          language: p.language,
          buildSystem: p.buildSystem,
          tus,
          targets: Object.keys(config.targets).length,
          generators: Object.keys(config.generators ?? {}),
          passed: tested?.passed ?? 0,
          total: tested?.total ?? 0,
          measured,
        };
        fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
        fs.appendFileSync(RESULTS, `${JSON.stringify(result)}\n`);
      } finally {
        fs.rmSync(mk, { recursive: true, force: true });
      }
    }, 7_200_000);
  });
}
