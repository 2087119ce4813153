/**
 * Property: at every step of a random edit sequence, the objects nixmake
 * plans to rebuild are those whose inputs reached a state never built
 * before, by an oracle built on `gcc -MM` alone (test/helpers/planHarness.ts).
 * Without conditional includes the sets are equal; with them the plan may
 * hold more (the analyzer keeps every `#if` branch), never less. The planning
 * stages run in-process on the real memo; nothing is built.
 *
 * NIXMAKE_PLAN_PROPERTY_STEPS counts the steps of both cases together.
 * `npm test` runs 300 steps of a fixed seed; `npm run test:property` runs
 * 10,000. Other seeds or lengths:
 *   NIXMAKE_PLAN_PROPERTY_SEED=7 NIXMAKE_PLAN_PROPERTY_STEPS=2000 npx vitest run test/integration/planProperty.test.ts
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runPlanProperty } from '../helpers/planHarness.js';
import type { PropertyRun } from '../helpers/planHarness.js';
import { makeProject, useTempProjects } from '../helpers/project.js';

const SEED = Number(process.env['NIXMAKE_PLAN_PROPERTY_SEED'] ?? 20261205);
/** In all: half on a project without conditional includes, half on one with them. */
const STEPS = Number(process.env['NIXMAKE_PLAN_PROPERTY_STEPS'] ?? 300);
const UNCONDITIONAL = Math.ceil(STEPS / 2);
const CONDITIONAL = STEPS - UNCONDITIONAL;
/** Generous: a step is two or three gcc runs and one analysis, about 0.1–0.3 s. */
const TIMEOUT = Math.max(180_000, STEPS * 1000);
const project = useTempProjects(afterEach);

function summary(r: PropertyRun): string {
  const edits = Object.entries(r.edits).map(([k, n]) => `${k} ${n}`).join(', ');
  return `${r.steps} steps in ${r.seconds.toFixed(1)} s: ${r.objectsPlanned} objects planned (oracle ${r.oracleObjects}, extra ${r.extra}), ${r.emptySteps} steps planned nothing; edits: ${edits}`;
}

describe('planned rebuilds against gcc -MM', () => {
  it(`seed ${SEED}, ${UNCONDITIONAL} steps, no conditional includes: the plan equals the oracle`, async () => {
    const r = await runPlanProperty({ dir: project(makeProject({})), seed: SEED, steps: UNCONDITIONAL, conditional: false });
    console.log(`plan property (unconditional): ${summary(r)}`);
    expect(r.failure).toBeUndefined();
    expect(r.steps).toBe(UNCONDITIONAL);
  }, TIMEOUT);

  it(`seed ${SEED + 1}, ${CONDITIONAL} steps, conditional includes: the plan contains the oracle`, async () => {
    const r = await runPlanProperty({ dir: project(makeProject({})), seed: SEED + 1, steps: CONDITIONAL, conditional: true });
    console.log(`plan property (conditional): ${summary(r)}`);
    expect(r.failure).toBeUndefined();
    expect(r.steps).toBe(CONDITIONAL);
  }, TIMEOUT);

  it('catches a planner that leaves a header out of the fingerprint', async () => {
    const r = await runPlanProperty({ dir: project(makeProject({})), seed: SEED, steps: 300, conditional: false, sabotage: (h) => h.endsWith('/h1.h') });
    expect(r.failure).toMatch(/not planned, but gcc says their inputs changed: /);
    expect(r.steps).toBeLessThan(100);
  });
});
