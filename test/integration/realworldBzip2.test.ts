/**
 * The real-world suite's cheapest project, in `npm test` (and so in CI):
 * bzip2 from Debian's source, init from its own make, built by nixmake
 * with make's outputs removed, and its own `make test` run against
 * nixmake's bzip2. The rest run with `npm run realworld`.
 */
import { bzip2 } from '../realworld/projects.js';
import { realWorldProject } from '../realworld/suite.js';

realWorldProject(bzip2);
