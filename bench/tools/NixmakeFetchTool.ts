/**
 * NixmakeFetchTool (`nixmake-fetch`): a store that lacks the project's
 * outputs builds it from a shared binary cache, as issue 18's goal puts it
 * (0 compiles, at most half of make's clean time). Each build does, untimed:
 * `nixmake build` (compiling what the scenario changed), `nixmake push
 * file://<cache> --sign-key <key>`, then removes the outputs' GC roots and
 * deletes the outputs from the store; then, timed: `nixmake build --option
 * substituters file://<cache> --option trusted-public-keys <key>`. The
 * store keeps the toolchain and the input files, which a fresh machine
 * would import (see bench/README.md for what fetching the toolchain costs).
 *
 * A run is wrong unless every node was fetched (`substituted`) and none
 * compiled. `parts`: `push` (seconds, untimed) and `per_path` (the daemon's
 * `building` phase per fetched node, seconds).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parsePhases } from '../phases.js';
import { NIXMAKE_CLI } from './NixmakeTool.js';
import type { Measure, Tool } from './Tool.js';
import { tail, timed } from './Tool.js';

export class NixmakeFetchTool implements Tool {
  readonly name = 'nixmake-fetch';
  readonly scenarios = ['clean', 'edit-c'];
  private readonly cache: string;
  private readonly secretKey: string;
  private readonly publicKey: string;

  constructor(
    readonly dir: string,
    private readonly jobs: number,
    private readonly executable: string,
  ) {
    const keys = `${dir}-keys`;
    this.cache = `${dir}-cache`;
    fs.mkdirSync(keys, { recursive: true });
    this.secretKey = path.join(keys, 'bench.sec');
    const pub = path.join(keys, 'bench.pub');
    const k = timed('nix-store', ['--generate-binary-cache-key', 'nixmake-bench-1', this.secretKey, pub]);
    if (k.code !== 0) throw new Error(`nixmake-fetch: could not make a key: ${k.stderr}`);
    this.publicKey = fs.readFileSync(pub, 'utf8').trim();
  }

  private nixmake(args: string[]): ReturnType<typeof timed> {
    return timed(process.execPath, [NIXMAKE_CLI, ...args, '-C', this.dir]);
  }

  /** Removes the outputs' roots and result links, and deletes the outputs from the store. */
  private deleteOutputs(): string | undefined {
    const roots = path.join(this.dir, '.nixmake/gcroots');
    const outs = fs
      .readdirSync(roots)
      .filter((n) => /^(obj|link)-[0-9a-f]{24}$/.test(n))
      .map((n) => fs.readlinkSync(path.join(roots, n)));
    fs.rmSync(roots, { recursive: true, force: true });
    for (const n of fs.readdirSync(this.dir)) if (n.startsWith('result-')) fs.rmSync(path.join(this.dir, n), { force: true });
    const del = timed('nix-store', ['--delete', ...outs], { env: { NIX_REMOTE: 'daemon' } });
    return del.code === 0 ? undefined : tail(del.stderr);
  }

  build(): Measure {
    const failed = (detail: string): Measure => ({ seconds: 0, compiles: 0, links: 0, ok: false, detail });
    const first = this.nixmake(['build', '--json', '-j', String(this.jobs)]);
    if (first.code !== 0) return failed(tail(first.stdout + first.stderr));
    const push = this.nixmake(['push', `file://${this.cache}`, '--sign-key', this.secretKey]);
    if (push.code !== 0) return failed(tail(push.stdout + push.stderr));
    const deleted = this.deleteOutputs();
    if (deleted !== undefined) return failed(`could not delete the outputs: ${deleted}`);
    const r = this.nixmake([
      'build', '--json', '-j', String(this.jobs),
      '--option', 'substituters', `file://${this.cache}`, '--option', 'trusted-public-keys', this.publicKey,
    ]);
    const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = events.find((e) => e['event'] === 'summary');
    const phases = parsePhases(summary?.['phases']);
    const compiles = Number(summary?.['objects_built'] ?? 0);
    const links = Number(summary?.['links_built'] ?? 0);
    const fetched = Number(summary?.['substituted'] ?? 0);
    const ok = r.code === 0 && compiles + links === 0 && fetched > 0;
    return {
      seconds: r.seconds,
      compiles,
      links,
      ok,
      ...(ok ? {} : { detail: r.code === 0 ? `${compiles} compiles and ${links} links, ${fetched} fetched` : tail(r.stdout + r.stderr) }),
      parts: { push: push.seconds, per_path: fetched > 0 ? (phases?.building ?? Number.NaN) / fetched : Number.NaN },
    };
  }

  reset(): void {
    fs.rmSync(path.join(this.dir, '.nixmake'), { recursive: true, force: true });
    for (const n of fs.readdirSync(this.dir)) if (n.startsWith('result-')) fs.rmSync(path.join(this.dir, n), { force: true });
  }

  binary(): string {
    return path.join(this.dir, `result-${this.executable}/bin/${this.executable}`);
  }
}
