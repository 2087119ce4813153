/**
 * `npm run realworld`: every project of projects.ts, or those named in
 * NIXMAKE_REALWORLD (comma-separated).
 */
import { PROJECTS } from './projects.js';
import { realWorldProject } from './suite.js';

const only = process.env['NIXMAKE_REALWORLD']?.split(',').filter(Boolean);
for (const p of PROJECTS) if (only === undefined || only.includes(p.name)) realWorldProject(p);
