/**
 * Property: after any sequence of edits, an incremental build's outputs equal
 * a clean build's bit for bit, and the objects compiled are exactly those
 * whose inputs changed (by an oracle built on `gcc -MM`, not on nixmake).
 *
 * CI runs a fixed seed. To run longer or with other seeds:
 *   NIXMAKE_PROPERTY_SEED=7 NIXMAKE_PROPERTY_STEPS=60 npx vitest run test/integration/property.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanBuildLinks, linkContent, MutableProject, seededRandom } from '../helpers/mutableProject.js';
import { build, makeProject, run, useTempProjects } from '../helpers/project.js';

const SEED = Number(process.env['NIXMAKE_PROPERTY_SEED'] ?? 20261121);
const STEPS = Number(process.env['NIXMAKE_PROPERTY_STEPS'] ?? 14);
const project = useTempProjects(afterEach);

describe('incremental equals clean', () => {
  it(`seed ${SEED}, ${STEPS} random edits`, () => {
    const dir = project(makeProject({}));
    const p = new MutableProject(dir, seededRandom(SEED));
    const bin = path.join(dir, 'result-app/bin/app');
    expect(p.changedObjects()).toBeGreaterThan(0);
    expect(build(dir).counts).toMatchObject({ failed: 0 });
    for (let step = 1; step <= STEPS; step++) {
      const what = `step ${step}: ${p.edit()}`;
      const expected = p.changedObjects();
      const r = build(dir);
      expect(r.code, `${what}\n${r.stderr}`).toBe(0);
      expect(r.counts?.objects_built, what).toBe(expected);
      expect(run(bin, []).stdout, what).toBe(p.expectedOutput());
      const clean = cleanBuildLinks(dir, project);
      for (const [link, content] of Object.entries(clean)) {
        expect(linkContent(path.join(dir, link)), `${what}: ${link}`).toBe(content);
      }
    }
  });
});
