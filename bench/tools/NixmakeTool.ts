/**
 * NixmakeTool: `nixmake build --json -jN` in the tool's copy of the project.
 * Compiles and links are the summary's objects_built and links_built; the
 * `analysis` event gives the scan figures (files, parsed, seconds); the
 * summary's `phases` where its time went. With NIXMAKE_BENCH_TRACES=DIR,
 * each build also writes a Chrome trace there (`--trace`), named after the
 * tool's folder and the build's number.
 *
 * The same class, with a name, extra arguments, an environment and
 * scenarios of its own, is `nixmake-remote` (every node on a remote
 * builder through a daemon of its own, see run.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePhases } from '../phases.js';
import type { Measure, Tool } from './Tool.js';
import { tail, timed } from './Tool.js';

export const NIXMAKE_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/nixmake.js');

export interface NixmakeVariant {
  readonly name: string;
  /** Arguments after `build --json -j N` (Nix options, say). */
  readonly args: readonly string[];
  /** Environment for nixmake (which daemon). */
  readonly env: Readonly<Record<string, string>>;
  readonly scenarios?: readonly string[];
  /** A build counts as failed unless a remote builder built every node it built (the summary's built_remotely). */
  readonly allRemote?: boolean;
}

export class NixmakeTool implements Tool {
  readonly name: string;
  readonly scenarios?: readonly string[];
  private builds = 0;

  constructor(
    readonly dir: string,
    private readonly jobs: number,
    private readonly executable = 'app',
    private readonly variant: NixmakeVariant = { name: 'nixmake', args: [], env: {} },
  ) {
    this.name = variant.name;
    if (variant.scenarios) this.scenarios = variant.scenarios;
  }

  build(): Measure {
    const traces = process.env['NIXMAKE_BENCH_TRACES'];
    const trace = traces ? ['--trace', path.join(traces, `${path.basename(this.dir)}-${++this.builds}.trace.json`)] : [];
    const r = timed(process.execPath, [NIXMAKE_CLI, 'build', '--json', '-j', String(this.jobs), ...this.variant.args, ...trace, '-C', this.dir], { env: this.variant.env });
    const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = events.find((e) => e['event'] === 'summary');
    const analysis = events.find((e) => e['event'] === 'analysis');
    const phases = parsePhases(summary?.['phases']);
    const compiles = Number(summary?.['objects_built'] ?? 0);
    const links = Number(summary?.['links_built'] ?? 0);
    const remotely = Number(summary?.['built_remotely'] ?? 0);
    const notRemote = this.variant.allRemote === true && remotely !== compiles + links;
    const ok = r.code === 0 && !notRemote;
    return {
      seconds: r.seconds,
      compiles,
      links,
      ok,
      ...(ok ? {} : { detail: notRemote ? `only ${remotely} of ${compiles + links} nodes were built remotely` : tail(r.stdout + r.stderr) }),
      ...(phases ? { phases } : {}),
      ...(analysis ? { analysis: { files: Number(analysis['files']), scanned: Number(analysis['scanned']), seconds: Number(analysis['seconds']) } } : {}),
    };
  }

  /** Forgets the memo and the links; the store keeps objects, so callers also change a flag to force real compiles. */
  reset(): void {
    fs.rmSync(path.join(this.dir, '.nixmake'), { recursive: true, force: true });
    for (const n of fs.readdirSync(this.dir)) if (n.startsWith('result-')) fs.rmSync(path.join(this.dir, n), { force: true });
  }

  binary(): string {
    return path.join(this.dir, `result-${this.executable}/bin/${this.executable}`);
  }
}
