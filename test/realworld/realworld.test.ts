/**
 * `npm run realworld`: every project of projects.ts's PROJECTS, or those
 * named in NIXMAKE_REALWORLD (comma-separated; AWAITING ones too). With NIXMAKE_REALWORLD_MEASURE=1 the
 * table of timings is written next to the results (table.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { AWAITING, PROJECTS } from './projects.js';
import { realWorldProject, RESULTS } from './suite.js';
import type { ProjectResult } from './suite.js';
import { renderTable } from './table.js';

const only = process.env['NIXMAKE_REALWORLD']?.split(',').filter(Boolean);
for (const p of [...PROJECTS, ...AWAITING]) if (only === undefined ? PROJECTS.includes(p) : only.includes(p.name)) realWorldProject(p);

afterAll(() => {
  if (!fs.existsSync(RESULTS)) return;
  const latest = new Map<string, ProjectResult>();
  for (const line of fs.readFileSync(RESULTS, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as ProjectResult;
    latest.set(r.name, r);
  }
  const order = PROJECTS.map((p) => p.name);
  const table = renderTable([...latest.values()].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)));
  fs.writeFileSync(path.join(path.dirname(RESULTS), 'table.md'), `${table}\n`);
});
