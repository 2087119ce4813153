/**
 * MonolithicNixTool: the whole project as one Nix derivation that runs its
 * Makefile (bench/nix/monolithic.nix), evaluated and built through the
 * daemon like `nix-build` would. Compiles and links are counted from the
 * build log, where make echoes every command.
 *
 * Its tools are store paths (bench/storeTools.ts: the imported host
 * toolchain, and bash, make, coreutils, sed, grep from the host's packages),
 * so it builds on a stock daemon; every `CC=…` make argument gets the flags
 * that compile and link against the store's C library.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measure, Tool } from './Tool.js';
import { tail, timed } from './Tool.js';

const NIX_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bench/nix/monolithic.nix');
const NIX_ENV = { NIX_REMOTE: 'daemon' };
const STORE_TOOLS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../storeTools.js');

/** The tools' JSON (see storeTools), resolved once per benchmark process and set of packages. */
const toolsJson = new Map<string, string>();
function storeTools(stateDir: string, packages: readonly string[]): { json: string; flags: string[] } {
  const key = packages.join(' ');
  let json = toolsJson.get(key);
  if (json === undefined) {
    const r = timed(process.execPath, [STORE_TOOLS, stateDir, ...packages]);
    if (r.code !== 0) throw new Error(`cannot put the monolithic build's tools into the store: ${tail(r.stderr)}`);
    json = r.stdout.trim();
    toolsJson.set(key, json);
  }
  return { json, flags: (JSON.parse(json) as { flags: string[] }).flags };
}

export class MonolithicNixTool implements Tool {
  readonly name = 'nix-monolithic';

  constructor(
    readonly dir: string,
    private readonly jobs: number,
    /** make's arguments inside the sandbox, e.g. ['CC=gcc'] or ['linux', 'CC=gcc -std=gnu99']. */
    private readonly makeArgs: readonly string[],
    /** The executable, relative to the tree, e.g. 'build/app'. */
    private readonly executable: string,
    /** Recognises a compile (or link) command echoed by make. */
    private readonly compiler = /^gcc\b/,
    /** Host packages the build needs beyond the toolchain and the shell tools (jq: libonig-dev). */
    private readonly packages: readonly string[] = [],
  ) {}

  private get root(): string {
    return path.join(this.dir, 'result-monolithic');
  }

  build(): Measure {
    const tools = storeTools(path.join(path.dirname(this.dir), '.store-tools'), this.packages);
    const makeArgs = this.makeArgs.map((a) => (a.startsWith('CC=') ? [a, ...tools.flags].join(' ') : a));
    const inst = timed(
      'nix-instantiate',
      [NIX_FILE, '--argstr', 'src', this.dir, '--argstr', 'makeArgs', JSON.stringify(makeArgs), '--argstr', 'binary', this.executable, '--argstr', 'jobs', String(this.jobs), '--argstr', 'tools', tools.json],
      { env: NIX_ENV },
    );
    if (inst.code !== 0) return { seconds: inst.seconds, compiles: 0, links: 0, ok: false, detail: tail(inst.stderr) };
    const drv = inst.stdout.trim();
    // Whether Nix will build (not timed): the output of this derivation may exist from an earlier run.
    const out = timed('nix-store', ['--query', '--outputs', drv], { env: NIX_ENV }).stdout.trim();
    const built = !(out !== '' && fs.existsSync(out));
    const real = timed('nix-store', ['--realise', drv, '--add-root', this.root, '--quiet'], { env: NIX_ENV });
    const seconds = inst.seconds + real.seconds;
    if (real.code !== 0) return { seconds, compiles: 0, links: 0, ok: false, detail: tail(real.stderr) };
    const log = built ? timed('nix-store', ['--read-log', drv], { env: NIX_ENV }).stdout : '';
    const commands = log.split('\n').filter((l) => this.compiler.test(l));
    const compiles = commands.filter((l) => /\s-c(\s|$)/.test(l)).length;
    return { seconds, compiles, links: commands.length - compiles, ok: true };
  }

  reset(): void {
    fs.rmSync(this.root, { force: true });
  }

  binary(): string {
    return path.join(this.root, 'bin', path.basename(this.executable));
  }
}
