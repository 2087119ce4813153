/**
 * projectTree: a ProjectSpec → every file of the synthetic project, as a
 * map from project-relative path to content, plus the project's metadata
 * (targets, expected output, the files each benchmark scenario edits).
 * Pure and deterministic: the same spec gives byte-identical files.
 *
 * Besides the `spec.headers` project headers it adds the shadowed header
 * include/base/shadow.h (included as <shadow.h> by about 1% of the TUs),
 * an empty include/over/ (holding .keep) where a copy would shadow it, and
 * include/unused.h, which nothing includes. It does not touch the disk.
 */
import { buildFiles } from './buildFiles.js';
import { headerConstant, headerText, mainOutput, mainText, tuText, tuValue } from './cCode.js';
import type { HeaderCode, HeaderValue, LoopCode, TuCode } from './cCode.js';
import { includeGraph } from './includeGraph.js';
import type { IncludeGraph } from './includeGraph.js';
import { checkSpec } from './ProjectSpec.js';
import type { BuildFileOptions, Edits, GeneratedProject, ProjectSpec, TargetSpec } from './ProjectSpec.js';
import { Random } from './random.js';
import { reverseClosureCounts } from './reverseClosure.js';

export interface ProjectTree {
  readonly project: GeneratedProject;
  /** Project-relative path → content, sources and build files alike. */
  readonly files: Map<string, string>;
}

export const SHADOWED = 'include/base/shadow.h';
export const SHADOW_PATH = 'include/over/shadow.h';
export const UNUSED_HEADER = 'include/unused.h';
export const MAIN = 'src/main.c';
/** Share of the library TUs the popular header should reach. */
const POPULAR_SHARE = 0.05;
/** Share of the library TUs that include the shadowed header (at least one). */
const SHADOW_SHARE = 0.01;

// Independent streams, so a change in how one part draws leaves the others alone.
const GRAPH_STREAM = 0x2545f491;
const CODE_STREAM = 0x68e31da4;
const EDIT_STREAM = 0x1b873593;

export function projectTree(spec: ProjectSpec, dir: string, opts: BuildFileOptions): ProjectTree {
  const problems = checkSpec(spec);
  if (problems.length > 0) throw new Error(`invalid project spec: ${problems.join('; ')}`);
  const graph = includeGraph(spec, new Random(spec.seed ^ GRAPH_STREAM));
  const code = new Random(spec.seed ^ CODE_STREAM);
  const edit = new Random(spec.seed ^ EDIT_STREAM);
  const files = new Map<string, string>();

  const values: HeaderValue[] = [];
  graph.headers.forEach((h) => {
    const c = headerCode(code, `h${h.index}`, h.includeName, h.includes.map((i) => `#include "${graph.headers[i]?.includeName}"`));
    const folds = h.includes.map((i) => `h${i}`);
    files.set(h.path, headerText({ ...c, folds }));
    values.push({ k: headerConstant(c.base, h.includes.map((i) => (values[i] as HeaderValue).k)), mul: c.mul, add: c.add });
  });
  const shadow = headerCode(code, 'shadow', 'shadow.h', []);
  const shadowValue: HeaderValue = { k: shadow.base, mul: shadow.mul, add: shadow.add };
  files.set(SHADOWED, headerText(shadow));
  files.set('include/over/.keep', '');
  files.set(UNUSED_HEADER, headerText(headerCode(code, 'unused', 'unused.h', [])));

  const shadowTus = new Set<number>();
  edit.sampleInto(shadowTus, 0, spec.n, Math.max(1, Math.round(spec.n * SHADOW_SHARE)));
  const tuValues = graph.tus.map((t) => {
    const shadowed = shadowTus.has(t.index);
    const includeLines = t.includes.map((i) => `#include "${graph.headers[i]?.includeName}"`);
    if (shadowed) includeLines.push('#include <shadow.h>');
    const mixes = t.includes.map((i) => `h${i}`);
    if (shadowed) mixes.push('shadow');
    const tu: TuCode = { index: t.index, includeLines, mixes, start: code.uint32(), loops: loops(code, spec.weight) };
    files.set(t.path, tuText(tu));
    const mixValues = t.includes.map((i) => values[i] as HeaderValue);
    if (shadowed) mixValues.push(shadowValue);
    return tuValue(tu, mixValues);
  });
  files.set(MAIN, mainText(spec.n));

  const targets = targetsOf(spec, graph);
  const popular = popularHeader(graph, spec.n);
  const flagTarget = spec.shape === 'deep' ? `layer${Math.floor(spec.depth / 2)}` : 'lib';
  const edits: Edits = {
    cFile: graph.tus[edit.below(spec.n)]?.path as string,
    popularHeader: graph.headers[popular.index]?.path as string,
    popularHeaderTus: popular.tus,
    flagTarget,
    shadowed: SHADOWED,
    shadowPath: SHADOW_PATH,
    shadowTus: shadowTus.size,
    unusedHeader: UNUSED_HEADER,
  };
  const project: GeneratedProject = {
    dir,
    spec: { ...spec },
    tus: [...graph.tus.map((t) => t.path), MAIN],
    headers: [...graph.headers.map((h) => h.path), SHADOWED, UNUSED_HEADER],
    targets,
    binary: 'app',
    expectedOutput: mainOutput(tuValues),
    edits,
  };
  for (const [p, text] of buildFiles(project, opts)) files.set(p, text);
  return { project, files };
}

function headerCode(rng: Random, prefix: string, name: string, includeLines: string[]): HeaderCode {
  return { prefix, name, includeLines, folds: [], base: rng.uint32() >>> 1, mul: rng.uint32() | 1, add: rng.uint32() };
}

function loops(rng: Random, weight: number): LoopCode[] {
  return Array.from({ length: weight }, () => ({ xor: rng.uint32(), mul: rng.uint32() | 1, trips: 3 + rng.below(6) }));
}

function targetsOf(spec: ProjectSpec, graph: IncludeGraph): TargetSpec[] {
  const libs: TargetSpec[] = [];
  for (let l = 0; l < graph.layers; l++) {
    const name = spec.shape === 'deep' ? `layer${l}` : 'lib';
    const sources = graph.tus.filter((t) => t.layer === l).map((t) => t.path);
    libs.push({ name, type: 'static-library', sources, globs: [`src/${name}/*.c`], deps: l > 0 ? [`layer${l - 1}`] : [] });
  }
  // The app lists every library, dependents first, so a single-pass linker resolves them all.
  const app: TargetSpec = { name: 'app', type: 'executable', sources: [MAIN], globs: [MAIN], deps: libs.map((t) => t.name).reverse() };
  return [...libs, app];
}

/** The header whose reverse include closure is closest to POPULAR_SHARE of the TUs (ties: lowest index). */
function popularHeader(graph: IncludeGraph, n: number): { index: number; tus: number } {
  const counts = reverseClosureCounts(graph);
  const goal = Math.max(1, n * POPULAR_SHARE);
  let best = { index: 0, tus: counts[0] as number };
  counts.forEach((c, j) => {
    if (c >= 1 && Math.abs(c - goal) < Math.abs(best.tus - goal)) best = { index: j, tus: c };
  });
  return best;
}
