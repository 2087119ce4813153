/**
 * NixFloorTool: what Nix itself costs for a project's compiles, as the
 * floor under any per-object Nix build. Every compile of the project's
 * compile database becomes one derivation whose builder is the compiler
 * (no shell, no other process), whose only input is the whole project tree
 * (one `builtins.path`, build outputs filtered out), and all of them are
 * realised in ONE `nix-store --realise -jJOBS` batch (bench/nix/floor.nix).
 * Per-file inputs, links, include analysis and bookkeeping, which nixmake
 * needs, only add to it.
 *
 * Each build runs its own nix-daemon (PrivateNixDaemon, started and stopped
 * outside the timing) and salts every compile with a new define, so every
 * build is a clean one in the store too; only the clean scenario applies.
 * The time is nix-instantiate (evaluation, the tree's import, writing the
 * derivations) plus the realise; `parts` gives each. Compiles are the
 * derivations Nix reports it built; there are no links and no executable,
 * so the build checks its own outputs instead (each one an ELF object).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCompileDatabase } from '../compileDatabase.js';
import type { CompileDatabase } from '../compileDatabase.js';
import { floorNodes } from '../floorNodes.js';
import { PrivateNixDaemon } from './PrivateNixDaemon.js';
import type { Measure, Tool } from './Tool.js';
import { tail, timed } from './Tool.js';

const NIX_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bench/nix/floor.nix');

/** How many derivations `nix-store --realise` says it will build (0 when it builds none). */
export function derivationsToBuild(stderr: string): number {
  const many = /these (\d+) derivations will be built/.exec(stderr);
  if (many) return Number(many[1]);
  return /this derivation will be built/.test(stderr) ? 1 : 0;
}

export class NixFloorTool implements Tool {
  readonly name = 'nix-floor';
  readonly scenarios = ['clean'] as const;
  private builds = 0;
  private readonly compilers = new Map<string, string>();
  private readonly onPath = new Map<string, string>();

  constructor(
    readonly dir: string,
    private readonly jobs: number,
    private readonly database: CompileDatabase,
    /** Recorded compiler → the real one, e.g. the bench's cc-count.sh → gcc (the builder must be the compiler itself). */
    compilers: Readonly<Record<string, string>> = {},
  ) {
    for (const [from, to] of Object.entries(compilers)) this.compilers.set(from, to);
  }

  build(): Measure {
    const salt = `${Date.now().toString(36)}_${process.pid}_${++this.builds}`;
    const nodes = floorNodes(readCompileDatabase(this.database, this.dir), {
      root: this.dir,
      salt,
      exists: (p) => fs.existsSync(p),
      resolveCompiler: (cc) => this.resolve(cc),
    });
    const daemon = PrivateNixDaemon.start();
    try {
      const nodesFile = path.join(daemon.dir, 'nodes.json');
      fs.writeFileSync(nodesFile, JSON.stringify(nodes));
      // Roots (in the daemon's folder, gone with it) keep a concurrent garbage collection off the derivations and outputs.
      const inst = timed('nix-instantiate', [NIX_FILE, '--argstr', 'src', this.dir, '--argstr', 'nodes', nodesFile, '--add-root', path.join(daemon.dir, 'drv'), '--indirect'], { env: daemon.env });
      if (inst.code !== 0) return { seconds: inst.seconds, compiles: 0, links: 0, ok: false, detail: `nix-instantiate failed:\n${tail(inst.stderr)}` };
      const drvs = inst.stdout.split('\n').filter((l) => l !== '');
      const real = timed('nix-store', ['--realise', `-j${this.jobs}`, '--add-root', path.join(daemon.dir, 'out'), '--indirect', ...drvs], { env: daemon.env });
      const seconds = inst.seconds + real.seconds;
      const parts = { instantiate: inst.seconds, realise: real.seconds };
      const compiles = derivationsToBuild(real.stderr);
      if (real.code !== 0) return { seconds, compiles, links: 0, ok: false, parts, detail: `nix-store --realise failed:\n${tail(real.stderr)}` };
      const outs = real.stdout.split('\n').filter((l) => l !== '');
      const bad = outs.length !== nodes.length ? `${outs.length} outputs for ${nodes.length} derivations` : outs.find((o) => !isElf(o));
      if (bad !== undefined) return { seconds, compiles, links: 0, ok: false, parts, detail: `not an object: ${bad}` };
      return { seconds, compiles, links: 0, ok: true, parts };
    } finally {
      daemon.stop();
    }
  }

  /** Nothing to forget: every build is salted, so Nix has built none of its derivations. */
  reset(): void {}

  binary(): undefined {
    return undefined;
  }

  private resolve(cc: string): string {
    const mapped = this.compilers.get(cc) ?? cc;
    if (mapped.includes('/')) return path.resolve(this.dir, mapped);
    let found = this.onPath.get(mapped);
    if (found === undefined) {
      found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', mapped], { encoding: 'utf8' }).stdout.trim();
      if (!found.startsWith('/')) throw new Error(`nix-floor: compiler "${mapped}" not found on PATH`);
      this.onPath.set(mapped, found);
    }
    return found;
  }
}

function isElf(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    fs.closeSync(fd);
    return b.toString('latin1') === '\x7fELF';
  } catch {
    return false;
  }
}
