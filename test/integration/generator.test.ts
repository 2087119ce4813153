/**
 * Generated projects build with make and with ninja, print exactly the
 * output the generator computed, and ninja's rebuild after touching the
 * popular header (or changing a target's flags) compiles exactly the TUs
 * the generator reported. Needs gcc, make and ninja; no Nix.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateProject, writeBuildFiles } from '../../bench/generateProject.js';
import type { GeneratedProject, Shape } from '../../bench/generateProject.js';

const CC = 'gcc';
const has = (tool: string): boolean => spawnSync(tool, ['--version'], { encoding: 'utf8' }).status === 0;
const HAS_MAKE = has('make');
const HAS_NINJA = has('ninja');
const HAS_CC = has(CC);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function generate(shape: Shape): GeneratedProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-gen-'));
  dirs.push(dir);
  return generateProject({ shape, n: 40, headers: 24, fanout: 3, depth: shape === 'deep' ? 4 : 3, weight: 2, seed: 11 }, dir, { cc: CC });
}

function sh(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${String(r.status)}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Object files ninja compiled in one run, from its `[k/n] CC build/...o` lines. */
const compiled = (ninjaOut: string): string[] => [...ninjaOut.matchAll(/^\[\d+\/\d+\] CC (\S+)$/gm)].map((m) => m[1] as string).sort();

for (const shape of ['flat', 'deep'] as const) {
  describe(`generated ${shape} project`, () => {
    it.skipIf(!HAS_MAKE || !HAS_CC)(`builds with make -j2 and prints the expected output${HAS_MAKE && HAS_CC ? '' : ' (SKIPPED: make or gcc not found)'}`, () => {
      const p = generate(shape);
      sh('make', ['-j2', '-s'], p.dir);
      expect(sh(path.join(p.dir, 'build', p.binary), [], p.dir)).toBe(p.expectedOutput);
    });

    it.skipIf(!HAS_NINJA || !HAS_CC)(`builds with ninja -j2, and rebuilds exactly the reported TUs${HAS_NINJA && HAS_CC ? '' : ' (SKIPPED: ninja or gcc not found)'}`, () => {
      const p = generate(shape);
      const first = sh('ninja', ['-j2'], p.dir);
      expect(compiled(first)).toHaveLength(p.tus.length);
      const app = path.join(p.dir, 'build', p.binary);
      expect(sh(app, [], p.dir)).toBe(p.expectedOutput);
      expect(sh('ninja', ['-j2'], p.dir)).toContain('no work to do');

      fs.appendFileSync(path.join(p.dir, p.edits.popularHeader), '/* touched by the test */\n');
      const touched = compiled(sh('ninja', ['-j2'], p.dir));
      expect(touched).toHaveLength(p.edits.popularHeaderTus);
      expect(sh(app, [], p.dir)).toBe(p.expectedOutput);

      // A flag change rebuilds the target's objects, since ninja hashes commands.
      const target = p.targets.find((t) => t.name === p.edits.flagTarget);
      writeBuildFiles(p, { cc: CC, extraFlags: { [p.edits.flagTarget]: ['-DNIXMAKE_BENCH_FLAG=1'] } });
      const flagged = compiled(sh('ninja', ['-j2'], p.dir));
      expect(flagged).toEqual(target?.sources.map((s) => `build/${s.replace(/\.c$/, '.o')}`).sort());
      expect(sh(app, [], p.dir)).toBe(p.expectedOutput);

      // Shadowing with the same declarations leaves the output alone.
      const shadow = fs.readFileSync(path.join(p.dir, p.edits.shadowed), 'utf8');
      fs.writeFileSync(path.join(p.dir, p.edits.shadowPath), `/* shadowing copy */\n${shadow}`);
      fs.rmSync(path.join(p.dir, 'build'), { recursive: true });
      fs.rmSync(path.join(p.dir, '.ninja_log'));
      fs.rmSync(path.join(p.dir, '.ninja_deps'));
      sh('ninja', ['-j2'], p.dir);
      expect(sh(app, [], p.dir)).toBe(p.expectedOutput);
      const depsOut = sh('ninja', ['-t', 'deps'], p.dir);
      expect(depsOut.split('\n').filter((l) => l.trim() === p.edits.shadowPath)).toHaveLength(p.edits.shadowTus);
    });
  });
}
