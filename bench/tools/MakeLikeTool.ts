/**
 * MakeLikeTool: `make -jN` or `ninja -jN` in the tool's copy of the
 * project. The build files name `tools/cc-count.sh` as the compiler, which
 * logs each invocation, so compiles and links are counted, not guessed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Measure, Tool } from './Tool.js';
import { tail, timed } from './Tool.js';

export class MakeLikeTool implements Tool {
  private readonly log: string;

  constructor(
    readonly name: 'make' | 'ninja',
    readonly dir: string,
    jobs: number,
    /** The build command line; defaults to the tool itself with -jN. */
    private readonly command: readonly string[] = [name, `-j${jobs}`],
    /** Where the executable ends up, relative to dir. */
    private readonly output: string = 'build/app',
    /** What `reset` removes, relative to dir, or a command that cleans (Lua's `make clean`). */
    private readonly state: readonly string[] | { readonly command: readonly string[] } = ['build', '.ninja_log', '.ninja_deps'],
  ) {
    this.log = path.join(os.tmpdir(), `nixmake-bench-${process.pid}-${name}.log`);
  }

  build(): Measure {
    fs.rmSync(this.log, { force: true });
    const [cmd, ...args] = this.command;
    const r = timed(cmd as string, args, { cwd: this.dir, env: { NIXMAKE_BENCH_LOG: this.log } });
    const lines = fs.existsSync(this.log) ? fs.readFileSync(this.log, 'utf8').split('\n') : [];
    return {
      seconds: r.seconds,
      compiles: lines.filter((l) => l === 'compile').length,
      links: lines.filter((l) => l === 'link').length,
      ok: r.code === 0,
      ...(r.code === 0 ? {} : { detail: tail(r.stdout + r.stderr) }),
    };
  }

  reset(): void {
    if ('command' in this.state) {
      const [cmd, ...args] = this.state.command;
      timed(cmd as string, args, { cwd: this.dir });
      return;
    }
    for (const s of this.state) fs.rmSync(path.join(this.dir, s), { recursive: true, force: true });
  }

  binary(): string {
    return path.join(this.dir, this.output);
  }
}
