/**
 * generate-cli: `node dist/bench/generate-cli.js --shape flat --size 200
 * --seed 1 --out DIR [--headers H] [--fanout F] [--depth D] [--weight W]
 * [--cc CC]` writes a synthetic project into DIR and prints its metadata
 * (a GeneratedProject, without file contents) as JSON on stdout.
 *
 * Options left out come from defaultSpec. It does not build the project.
 */
import { parseArgs } from 'node:util';
import { defaultSpec } from './defaultSpec.js';
import { generateProject } from './generateProject.js';
import type { ProjectSpec, Shape } from './ProjectSpec.js';

const USAGE = 'usage: generate-cli --shape flat|deep --size N --seed S --out DIR [--headers H] [--fanout F] [--depth D] [--weight W] [--cc CC]';

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new Error(`--${name} must be an integer, got "${text}"`);
  return Number(text);
}

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      shape: { type: 'string' },
      size: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      headers: { type: 'string' },
      fanout: { type: 'string' },
      depth: { type: 'string' },
      weight: { type: 'string' },
      cc: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const shape = values.shape;
  const size = integer('size', values.size);
  if ((shape !== 'flat' && shape !== 'deep') || size === undefined || values.out === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const base = defaultSpec(shape as Shape, size, integer('seed', values.seed) ?? 1);
  const spec: ProjectSpec = {
    ...base,
    headers: integer('headers', values.headers) ?? base.headers,
    fanout: integer('fanout', values.fanout) ?? base.fanout,
    depth: integer('depth', values.depth) ?? base.depth,
    weight: integer('weight', values.weight) ?? base.weight,
  };
  const project = generateProject(spec, values.out, { cc: values.cc ?? 'gcc' });
  process.stdout.write(`${JSON.stringify(project, null, 2)}\n`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`generate-cli: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
