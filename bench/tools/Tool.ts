/**
 * Tool: one build tool under benchmark (nixmake, make, ninja, a monolithic
 * Nix derivation, the nix-floor comparator), working in its own copy of the
 * project.
 *
 * `build` runs one build and measures it: wall time, compiler invocations
 * (compiles and links) and whether it succeeded. `reset` forgets every
 * previous build (the "clean" scenario). Tools know nothing of scenarios.
 */
import { spawnSync } from 'node:child_process';
import type { Phases } from '../phases.js';

export interface Measure {
  readonly seconds: number;
  readonly compiles: number;
  readonly links: number;
  readonly ok: boolean;
  /** The tail of the output when the build failed. */
  readonly detail?: string;
  /** nixmake only: its include analysis (files scanned, seconds). */
  readonly analysis?: { readonly files: number; readonly scanned: number; readonly seconds: number };
  /** Where the seconds went, when a tool knows (nix-floor: instantiate, realise). */
  readonly parts?: Readonly<Record<string, number>>;
  /** nixmake only: its summary's `phases` (seconds summed over built nodes, and the analysis). */
  readonly phases?: Phases;
}

export interface Tool {
  readonly name: string;
  readonly dir: string;
  /** The scenarios this tool takes part in (default: all); in the others it is reported as not applicable. */
  readonly scenarios?: readonly string[];
  build(): Measure;
  reset(): void;
  /** The path of the built executable, after a successful build; undefined when a tool makes none and checks its own outputs (nix-floor). */
  binary(): string | undefined;
}

export interface Timed {
  readonly seconds: number;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function timed(cmd: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Timed {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, code: r.status ?? 1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

export const tail = (s: string, lines = 15): string => s.trimEnd().split('\n').slice(-lines).join('\n');
