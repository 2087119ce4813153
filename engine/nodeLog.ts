/**
 * nodeLog: `nixmake log FILE|TARGET|GENERATOR` — which nodes FILE, TARGET
 * or GENERATOR names in this project (FILE's object in every target that
 * has one, TARGET's link, GENERATOR's run) and the last build log kept for each (see buildLogs). Reads the
 * config and `.nixmake/logs`; builds nothing and never contacts Nix.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../core/Diagnostic.js';
import { generatorKey, linkKey, objectKey } from '../core/nodeKeys.js';
import { variantsOf } from '../config/compileFlags.js';
import { loadConfig } from '../config/loadConfig.js';
import { BuildLogs } from './buildLogs.js';
import { ProjectFiles } from './ProjectFiles.js';

export interface NodeLog {
  readonly node: string;
  readonly kind: 'object' | 'link' | 'generate';
  /** The TU for an object, the target name for a link, the generator's name for a generator. */
  readonly label: string;
  readonly target: string;
  readonly log: string;
}

/** Project-relative spellings of FILE: from the current folder when it names a file there, and as given. */
function projectPaths(root: string, what: string, cwd: string): string[] {
  const out: string[] = [];
  const abs = path.resolve(cwd, what);
  const rel = path.relative(root, abs);
  if (fs.existsSync(abs) && rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) out.push(rel.split(path.sep).join('/'));
  const given = path.posix.normalize(what.split(path.sep).join('/')).replace(/^\.\//, '');
  if (!given.startsWith('../') && !path.posix.isAbsolute(given) && !out.includes(given)) out.push(given);
  return out;
}

export function nodeLog(root: string, what: string, cwd: string = process.cwd()): { logs: NodeLog[]; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const config = loadConfig(root, (d) => errors.push(d));
  if (!config) return { logs: [], errors };
  const logs = new BuildLogs(new ProjectFiles(root).logsDir);
  const found: NodeLog[] = [];
  for (const tu of projectPaths(root, what, cwd)) {
    for (const [target, t] of config.targets) {
      for (const variant of [undefined, ...variantsOf(config, t, tu)]) {
        const node = objectKey(target, tu, variant);
        const log = logs.read(node);
        if (log !== undefined) found.push({ node, kind: 'object', label: variant === undefined ? tu : `${tu} (${variant})`, target, log });
      }
    }
    if (found.length > 0) break;
  }
  if (found.length === 0 && config.targets.has(what)) {
    const log = logs.read(linkKey(what));
    if (log !== undefined) found.push({ node: linkKey(what), kind: 'link', label: what, target: what, log });
    else errors.push({ severity: 'error', message: `no build log for target ${what} yet: nixmake keeps the log of each build it runs; build it first (nixmake build ${what})` });
  } else if (found.length === 0 && config.generators.has(what)) {
    const log = logs.read(generatorKey(what));
    if (log !== undefined) found.push({ node: generatorKey(what), kind: 'generate', label: what, target: what, log });
    else errors.push({ severity: 'error', message: `no build log for generator ${what} yet: nixmake keeps the log of each build it runs; build first (nixmake build)` });
  } else if (found.length === 0) {
    errors.push({
      severity: 'error',
      message:
        `no build log for ${what}: nixmake has not built an object of it in this project. Name a source file (relative to the current folder or the project root) ` +
        `that a target compiles, or a target (${[...config.targets.keys()].join(', ')}), and build it first`,
    });
  }
  return { logs: found, errors };
}
