/**
 * ProjectSpec and GeneratedProject: the input and the output of the
 * synthetic project generator, and the options of its build files.
 *
 * Only types and the spec check live here; generating is done by
 * `projectTree` (pure) and `generateProject` (writes to disk).
 */

export type Shape = 'flat' | 'deep';

export interface ProjectSpec {
  shape: Shape;
  /** Number of library TUs (.c files), not counting main.c. */
  n: number;
  /** Number of project headers, not counting the shadowed and the unused header. */
  headers: number;
  /** Project #includes per TU and per header. */
  fanout: number;
  /** flat: longest header include chain; deep: number of layers (static libraries). */
  depth: number;
  /** Functions (each with a small loop) per TU. */
  weight: number;
  seed: number;
}

export type TargetType = 'static-library' | 'executable';

export interface TargetSpec {
  name: string;
  type: TargetType;
  /** Project-relative .c paths, in index order. */
  sources: string[];
  /** The same sources as nixmake.json and the Makefile name them (a glob per library). */
  globs: string[];
  /** Libraries this target links or builds on, dependents before dependencies. */
  deps: string[];
}

export interface Edits {
  /** A library .c to edit in the "edit one .c" scenario. */
  cFile: string;
  /** A header whose reverse include closure is close to 5% of the library TUs. */
  popularHeader: string;
  /** How many TUs include popularHeader, directly or not. */
  popularHeaderTus: number;
  /** A library target whose flags the "change a flag" scenario changes. */
  flagTarget: string;
  /** A header found through the second of two -I dirs. */
  shadowed: string;
  /** Where a new file would shadow it: the first -I dir, which starts without it. */
  shadowPath: string;
  /** How many TUs include the shadowed header, directly or not. */
  shadowTus: number;
  /** A header that no file includes. */
  unusedHeader: string;
}

export interface GeneratedProject {
  dir: string;
  spec: ProjectSpec;
  /** Project-relative .c paths, library TUs first, then src/main.c. */
  tus: string[];
  /** Project-relative .h paths. */
  headers: string[];
  targets: TargetSpec[];
  /** Name of the executable target; make and ninja put it at build/<binary>. */
  binary: string;
  /** Exact stdout of the binary, ending in "\n". */
  expectedOutput: string;
  edits: Edits;
}

export interface BuildFileOptions {
  /** Compiler command written into the Makefile and build.ninja (may be a wrapper script). */
  cc: string;
  /** Extra cflags per target name, for the "change a flag" scenario. */
  extraFlags?: Record<string, string[]>;
}

/** Problems with a spec, as messages; empty when it can be generated. */
export function checkSpec(spec: ProjectSpec): string[] {
  const problems: string[] = [];
  if (spec.shape !== 'flat' && spec.shape !== 'deep') problems.push(`shape must be "flat" or "deep", got ${JSON.stringify(spec.shape)}`);
  const whole = (name: keyof ProjectSpec, min: number): void => {
    const v = spec[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) problems.push(`${name} must be an integer >= ${min}, got ${String(v)}`);
  };
  whole('n', 1);
  whole('headers', 1);
  whole('fanout', 0);
  whole('depth', 1);
  whole('weight', 0);
  if (!Number.isInteger(spec.seed)) problems.push(`seed must be an integer, got ${String(spec.seed)}`);
  if (spec.shape === 'deep' && problems.length === 0) {
    if (spec.n < spec.depth) problems.push(`deep: n (${spec.n}) must be at least depth (${spec.depth}), one TU per layer`);
    if (spec.headers < spec.depth) problems.push(`deep: headers (${spec.headers}) must be at least depth (${spec.depth}), one header per layer`);
  }
  return problems;
}
