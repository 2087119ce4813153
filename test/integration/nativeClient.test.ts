/**
 * The native daemon client, end to end: a build runs no Nix command, the
 * bytes hashed are the bytes stored (an edit during a build never gives a
 * stale result), objects are input-addressed and `nix-store --check` works
 * on them, and the daemon's `cores` reaches the builder.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, CLI, run, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);
const unique = `/* ${process.pid}-${Date.now()} */\n`;

const tree = (): Record<string, string> => ({
  'nixmake.json': JSON.stringify({ includeDirs: ['include'], targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
  'include/v.h': `${unique}#define WORD "base"\n`,
  'src/main.c': `${unique}#include <stdio.h>\nconst char *extra(void);\nint main(void) { puts(extra()); return 0; }\n`,
  'src/extra.c': `${unique}#include "v.h"\nconst char *extra(void) { return WORD; }\n`,
});

const version = (word: string): string => `${unique}#include "v.h"\nconst char *extra(void) { return "${word}"; }\n`;

describe('a build through the native client', () => {
  it('runs no nix-store, nix-instantiate or nix process (strace)', () => {
    const dir = project(tree());
    expect(build(dir).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'src/extra.c'), version('edited'));
    fs.writeFileSync(path.join(dir, 'include/v.h'), `${unique}#define WORD "other"\n`);
    const trace = path.join(dir, 'execve.trace');
    const r = run('strace', ['-f', '-qq', '-e', 'trace=execve', '-o', trace, process.execPath, CLI, 'build', '--json', '-C', dir]);
    expect(r.code, r.stderr).toBe(0);
    const execs = fs
      .readFileSync(trace, 'utf8')
      .split('\n')
      .filter((l) => l.includes('execve(') && !l.includes('ENOENT'))
      .map((l) => /execve\("([^"]+)"/.exec(l)?.[1] ?? '');
    // The compiler probe is cached; only node itself starts. Nothing named nix*.
    expect(execs.filter((e) => /\/nix[^/]*$/.test(e))).toEqual([]);
    expect(execs.length).toBeGreaterThan(0);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('edited\n');
  });

  it('an edit between analysis and storing fails the node, and never leaves a stale result', async () => {
    const dir = project(tree());
    const bin = path.join(dir, 'result-app/bin/app');
    expect(build(dir).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'src/extra.c'), version('A'));
    // Overwrite the file with version B right after the analysis event (the build waits there for 1.5 s).
    const child = spawn(process.execPath, [CLI, 'build', '--json', '-C', dir], { env: { ...process.env, NIXMAKE_TEST_PAUSE_AFTER_ANALYSIS_MS: '1500' } });
    let stdout = '';
    let edited = false;
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (!edited && stdout.includes('"event":"analysis"')) {
        edited = true;
        fs.writeFileSync(path.join(dir, 'src/extra.c'), version('B'));
      }
    });
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 128)));
    expect(edited).toBe(true);
    expect(code).toBe(1);
    const failed = stdout.split('\n').filter((l) => l.includes('"event":"node-failed"')).map((l) => JSON.parse(l) as { label: string; message: string });
    expect(failed).toEqual([{ ...failed[0], label: 'src/extra.c', message: 'src/extra.c changed while nixmake was building; run the build again' }]);
    // The old binary is untouched; nothing was recorded for A or B.
    expect(run(bin, []).stdout).toBe('base\n');
    // Back to A: A is built from A's bytes, and B from B's.
    fs.writeFileSync(path.join(dir, 'src/extra.c'), version('A'));
    expect(build(dir).counts).toMatchObject({ objects_built: 1, failed: 0 });
    expect(run(bin, []).stdout).toBe('A\n');
    fs.writeFileSync(path.join(dir, 'src/extra.c'), version('B'));
    expect(build(dir).counts).toMatchObject({ objects_built: 1, failed: 0 });
    expect(run(bin, []).stdout).toBe('B\n');
    fs.writeFileSync(path.join(dir, 'src/extra.c'), version('A'));
    expect(build(dir).counts).toMatchObject({ objects_built: 0, links_built: 0, failed: 0 });
    expect(run(bin, []).stdout).toBe('A\n');
  });

  it('objects are input-addressed: nix-store --check rebuilds and compares them', () => {
    const dir = project(tree());
    const r = build(dir);
    expect(r.code).toBe(0);
    const drvs = r.events.filter((e) => e['event'] === 'node-built').map((e) => String(e['drv']));
    expect(drvs).toHaveLength(3);
    for (const drv of drvs) {
      const text = fs.readFileSync(drv, 'utf8');
      // No content-addressed output (no hash algorithm), so no experimental feature.
      expect(text).toMatch(/^Derive\(\[\("out","\/nix\/store\/[0-9a-z]{32}-[^"]+","",""\)\]/);
      const check = run('nix-store', ['--realise', '--check', drv]);
      expect(check.code, `${drv}: ${check.stderr}`).toBe(0);
    }
  });

  it('a link error names objects by their sources and libraries by their targets, not by store paths', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ targets: { util: { type: 'static-library', sources: ['lib/*.c'] }, app: { type: 'executable', sources: ['src/*.c'], deps: ['util'] } } }),
      'lib/util.c': `${unique}int util(void) { return missing_in_lib(); }\n`,
      'src/main.c': `${unique}int util(void);\nint main(void) { return util(); }\n`,
    });
    const r = build(dir);
    expect(r.code).toBe(1);
    const failed = r.events.find((e) => e['event'] === 'node-failed') as { label: string; log: string } | undefined;
    expect(failed?.label).toBe('app');
    expect(failed?.log).toMatch(/\[lib util\]\/libutil\.a\(util\.c\.o\)[\s\S]*undefined reference to `missing_in_lib'/);
    expect(failed?.log).not.toContain('/nix/store');
  });
});
