/**
 * Analysis and builds overlap: an object whose closure is known starts
 * while the other TUs are still walked (the walk slowed down by a test
 * hook, so that this is certain), its events come after the plan, and the
 * outcome is what a build without overlap gives.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, CLI, run, spawnAsync, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);

/** Six TUs of new content each (so the daemon really builds them), linked into `app`. */
function tree(broken = false): Record<string, string> {
  const salt = randomBytes(6).toString('hex');
  const t: Record<string, string> = {
    'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
    'src/main.c': `#include <stdio.h>\nint f1(void); int f2(void); int f3(void); int f4(void); int f5(void);\nint main(void) { printf("%d\\n", f1() + f2() + f3() + f4() + f5()); return 0; } /* ${salt} */\n`,
  };
  for (let i = 1; i <= 5; i++) t[`src/f${i}.c`] = `/* ${salt} */\nint f${i}(void) { return ${i}; }\n`;
  if (broken) t['src/f5.c'] = `/* ${salt} */\nint f5(void) { return undeclared_name; }\n`;
  return t;
}

const slowWalk = { ...process.env, NIXMAKE_TEST_PAUSE_IN_WALK_MS: '400' };

describe('analysis and builds overlap', () => {
  it('objects start while the walk goes on; their events come after the plan, and the result is right', async () => {
    const dir = project(tree());
    const traceFile = path.join(dir, 'trace.json');
    const r = await spawnAsync(process.execPath, [CLI, 'build', '--json', '-j2', '--trace', traceFile, '-C', dir], { env: slowWalk });
    expect(r.code).toBe(0);
    const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const at = (name: string): number => events.findIndex((e) => e['event'] === name);
    const started = events.filter((e) => e['event'] === 'node-started');
    expect(started).toHaveLength(7);
    // Said in order: analysis, plan, then the nodes (numbered 1..7 as said).
    expect(at('analysis')).toBeLessThan(at('plan'));
    expect(events.findIndex((e) => e['event'] === 'node-started')).toBeGreaterThan(at('plan'));
    expect(started.map((e) => e['index'])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Started during the walk (6 TUs × 0.4 s): said late, by more than a walk step.
    const late = started.filter((e) => Number(e['said_late_seconds'] ?? 0) > 0.4);
    expect(late.length).toBeGreaterThanOrEqual(1);
    expect(late.every((e) => e['kind'] === 'object')).toBe(true);
    expect(events.find((e) => e['event'] === 'summary')).toMatchObject({ objects_built: 6, links_built: 1, failed: 0, submitted: 7 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('15\n');
    // The timeline puts an early object inside the analysis.
    const trace = JSON.parse(fs.readFileSync(traceFile, 'utf8')) as { traceEvents: { name: string; cat: string; ts: number; dur?: number }[] };
    const analysis = trace.traceEvents.find((e) => e.cat === 'phase' && e.name === 'analysis');
    const firstObject = Math.min(...trace.traceEvents.filter((e) => e.cat === 'object').map((e) => e.ts));
    expect(analysis).toBeDefined();
    expect(firstObject).toBeLessThan((analysis?.ts ?? 0) + (analysis?.dur ?? 0));
    // A build without overlap finds all of it up to date.
    expect(build(dir).counts).toMatchObject({ submitted: 0, up_to_date: 7 });
  });

  it('an edited TU is walked before the other TUs\' stored closures are checked, and its object starts while they are', async () => {
    const salt = randomBytes(6).toString('hex');
    const n = 40;
    const t: Record<string, string> = {
      'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
      'src/main.c': `int sum(void);\nint main(void) { return sum() == ${(n * (n + 1)) / 2} ? 0 : 1; } /* ${salt} */\n`,
      'src/sum.c': `${Array.from({ length: n }, (_, i) => `int f${i + 1}(void);`).join('\n')}\nint sum(void) { return ${Array.from({ length: n }, (_, i) => `f${i + 1}()`).join(' + ')}; }\n`,
    };
    for (let i = 1; i <= n; i++) t[`src/f${i}.c`] = `/* ${salt} */\nint f${i}(void) { return ${i}; }\n`;
    const dir = project(t);
    // Files older than the memo's racy window, so that it records them and can tell the edited one.
    const old = new Date(Date.now() - 10_000);
    for (const f of Object.keys(t)) fs.utimesSync(path.join(dir, f), old, old);
    expect(build(dir).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'src/f7.c'), `/* ${salt} */\nint f7(void) { volatile int x = 7; return x; }\n`);
    // Each turn of the analysis takes 0.4 s: one after the edited TU, one per 16 stored closures checked after it.
    const r = await spawnAsync(process.execPath, [CLI, 'build', '--json', '-j2', '-C', dir], { env: slowWalk });
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const f7 = events.find((e) => e['event'] === 'node-started' && e['label'] === 'src/f7.c');
    // Started during the checks that followed it (two turns of them), not after them.
    expect(Number(f7?.['said_late_seconds'] ?? 0)).toBeGreaterThan(0.7);
    expect(events.find((e) => e['event'] === 'summary')).toMatchObject({ objects_built: 1, links_built: 1, failed: 0 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).code).toBe(0);
  });

  it('a compile error in an object started early fails the build after the plan is said, and links nothing', async () => {
    const dir = project(tree(true));
    const r = await spawnAsync(process.execPath, [CLI, 'build', '--json', '-j2', '-C', dir], { env: slowWalk });
    expect(r.code).toBe(1);
    const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = events.filter((e) => e['event'] === 'node-failed');
    expect(failed.map((e) => e['label'])).toEqual(['src/f5.c']);
    expect(String(failed[0]?.['log'])).toMatch(/src\/f5\.c:2:\d+: error: .undeclared_name. undeclared/);
    expect(events.findIndex((e) => e['event'] === 'node-failed')).toBeGreaterThan(events.findIndex((e) => e['event'] === 'plan'));
    expect(events.some((e) => e['event'] === 'node-built' && e['kind'] === 'link')).toBe(false);
    expect(fs.existsSync(path.join(dir, 'result-app'))).toBe(false);
  });
});
