/**
 * scanRates: nixmake's include scanning in files per second, on a copy of a
 * project (no Nix involved: `build --dry-run`). Cold: a fresh memo, every
 * file parsed (on all cores). Warm: the scans come from the memo and every
 * TU is walked again (NIXMAKE_NO_CLOSURE_CACHE=1; a plain no-op reuses whole
 * closures and scans nothing). Each measured `reps` times on a new copy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stats } from './stats.js';
import type { Stats } from './stats.js';
import { NIXMAKE_CLI } from './tools/NixmakeTool.js';
import { timed } from './tools/Tool.js';

export interface ScanRates {
  readonly cold: Stats;
  readonly warm: Stats;
  /** Files parsed cold, and files whose scans were read warm (per run). */
  readonly coldFiles: number;
  readonly warmFiles: number;
}

function analysis(dir: string, env: NodeJS.ProcessEnv): { files: number; scanned: number; seconds: number } {
  const r = timed(process.execPath, [NIXMAKE_CLI, 'build', '--dry-run', '--json', '-C', dir], { env });
  const line = r.stdout.split('\n').find((l) => l.includes('"event":"analysis"'));
  if (r.code !== 0 || !line) throw new Error(`nixmake --dry-run failed in ${dir}:\n${r.stderr}`);
  return JSON.parse(line) as { files: number; scanned: number; seconds: number };
}

export function scanRates(project: string, scratch: string, reps: number): ScanRates {
  const cold: number[] = [];
  const warm: number[] = [];
  let coldFiles = 0;
  let warmFiles = 0;
  for (let i = 0; i < reps; i++) {
    const dir = path.join(scratch, `scan-${i}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.cpSync(project, dir, { recursive: true, filter: (src) => !/[/\\](\.nixmake|build|result-[^/\\]*)$/.test(src) });
    const c = analysis(dir, {});
    const w = analysis(dir, { NIXMAKE_NO_CLOSURE_CACHE: '1' });
    cold.push(c.scanned / c.seconds);
    warm.push(w.files / w.seconds);
    coldFiles = c.scanned;
    warmFiles = w.files;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { cold: stats(cold), warm: stats(warm), coldFiles, warmFiles };
}
