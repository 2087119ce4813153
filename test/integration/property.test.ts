/**
 * Property: after any sequence of edits, an incremental build's outputs equal
 * a clean build's bit for bit, and the objects compiled are exactly those
 * whose inputs changed (by an oracle built on `gcc -MM`, not on nixmake).
 *
 * Every step builds, checks the count of objects compiled and runs the
 * program (its expected output comes from the model, not from nixmake).
 * Then a clean build of a copy is compared with it by the NAR hashes of the
 * result links: after every step, or every NIXMAKE_PROPERTY_CLEAN_EVERY-th
 * step and the last (a step with its clean build takes about a second here).
 *
 * CI runs a fixed seed, 14 steps; `npm run test:property` runs 200. To run
 * longer or with other seeds:
 *   NIXMAKE_PROPERTY_SEED=7 NIXMAKE_PROPERTY_STEPS=60 npx vitest run test/integration/property.test.ts
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanBuildLinksAsync, linkContent, MutableProject, seededRandom } from '../helpers/mutableProject.js';
import { buildAsync, makeProject, run, useTempProjects } from '../helpers/project.js';

const SEED = Number(process.env['NIXMAKE_PROPERTY_SEED'] ?? 20261121);
const STEPS = Number(process.env['NIXMAKE_PROPERTY_STEPS'] ?? 14);
const CLEAN_EVERY = Number(process.env['NIXMAKE_PROPERTY_CLEAN_EVERY'] ?? 1);
const project = useTempProjects(afterEach);

describe('incremental equals clean', () => {
  it(`seed ${SEED}, ${STEPS} random edits, a clean build every ${CLEAN_EVERY === 1 ? 'step' : `${CLEAN_EVERY} steps`}`, async () => {
    const dir = project(makeProject({}));
    const p = new MutableProject(dir, seededRandom(SEED));
    const bin = path.join(dir, 'result-app/bin/app');
    expect(p.changedObjects()).toBeGreaterThan(0);
    expect((await buildAsync(dir)).counts).toMatchObject({ failed: 0 });
    // Builds that started from the last one's baseline (engine/Baseline): the property covers that path too.
    let fromBaseline = 0;
    for (let step = 1; step <= STEPS; step++) {
      const what = `seed ${SEED}, step ${step}: ${p.edit()}`;
      const expected = p.changedObjects();
      const r = await buildAsync(dir);
      expect(r.code, `${what}\n${r.stderr}`).toBe(0);
      if (r.events.some((e) => e['event'] === 'analysis' && typeof e['baseline'] === 'number')) fromBaseline++;
      expect(r.counts?.objects_built, what).toBe(expected);
      expect(run(bin, []).stdout, what).toBe(p.expectedOutput());
      if (step % CLEAN_EVERY !== 0 && step !== STEPS) continue;
      const clean = await cleanBuildLinksAsync(dir, project);
      for (const [link, content] of Object.entries(clean)) {
        expect(linkContent(path.join(dir, link)), `${what}: ${link}`).toBe(content);
      }
    }
    console.log(`property: ${fromBaseline} of ${STEPS} builds started from a baseline`);
    expect(fromBaseline).toBeGreaterThan(STEPS / 2);
  }, Math.max(180_000, STEPS * 30_000));
});
