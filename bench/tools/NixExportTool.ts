/**
 * NixExportTool: the project as a packager gets it from `nixmake export`
 * (engine/exportProject): stock `nix-instantiate` of the exported
 * default.nix's target attribute, then `nix-store --realise`, with no
 * nixmake at build time. The export is written once (and again after a
 * reset); a patched `.c` is read by the expression as it is, as the issue
 * wants it. Evaluation and realisation are reported apart (`parts`);
 * compiles and links are the derivations the realisation had to build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NIXMAKE_CLI } from './NixmakeTool.js';
import type { Measure, Tool } from './Tool.js';
import { tail, timed } from './Tool.js';

const NIX_ENV = { NIX_REMOTE: 'daemon' };
const EXPORT_DIR = 'nixmake-export';

export class NixExportTool implements Tool {
  readonly name = 'nix-export';
  private exported = false;

  constructor(
    readonly dir: string,
    /** The target whose attribute is built, and whose bin/<target> the check runs. */
    private readonly target: string,
  ) {}

  private get root(): string {
    return path.join(this.dir, 'result-export');
  }

  build(): Measure {
    const parts: Record<string, number> = {};
    if (!this.exported) {
      const ex = timed(process.execPath, [NIXMAKE_CLI, 'export', '-C', this.dir]);
      if (ex.code !== 0) return { seconds: ex.seconds, compiles: 0, links: 0, ok: false, detail: tail(ex.stdout + ex.stderr) };
      parts['export'] = ex.seconds;
      this.exported = true;
    }
    const inst = timed('nix-instantiate', [path.join(this.dir, EXPORT_DIR), '-A', this.target], { env: NIX_ENV });
    parts['eval'] = inst.seconds;
    if (inst.code !== 0) return { seconds: inst.seconds, compiles: 0, links: 0, ok: false, detail: tail(inst.stderr), parts };
    const drv = inst.stdout.trim().split('\n').pop() ?? '';
    // What must be built (not timed): "these N derivations will be built:" then one path per line.
    const dry = timed('nix-store', ['--realise', '--dry-run', drv], { env: NIX_ENV });
    const toBuild = dry.stderr.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/nix/store/') && l.endsWith('.drv'));
    const compiles = toBuild.filter((d) => /\.o\.drv$/.test(d)).length;
    const links = toBuild.filter((d) => !/\.o\.drv$/.test(d) && !/-nixmake-builder\.drv$/.test(d)).length;
    const real = timed('nix-store', ['--realise', drv, '--add-root', this.root, '--quiet'], { env: NIX_ENV });
    parts['realise'] = real.seconds;
    const seconds = (parts['export'] ?? 0) + inst.seconds + real.seconds;
    if (real.code !== 0) return { seconds, compiles: 0, links: 0, ok: false, detail: tail(real.stderr), parts };
    return { seconds, compiles, links, ok: true, parts };
  }

  reset(): void {
    fs.rmSync(this.root, { force: true });
    fs.rmSync(path.join(this.dir, EXPORT_DIR), { recursive: true, force: true });
    this.exported = false;
  }

  binary(): string {
    return path.join(this.root, 'bin', this.target);
  }
}
