/**
 * Fault injection: nixmake is killed with SIGKILL at random moments of
 * builds (analysis, evaluation, daemon builds, memo writes, link updates),
 * and interrupted with SIGINT while the daemon builds. After each, the next
 * build must succeed and its outputs must equal a clean build's.
 *
 * CI runs a fixed seed. To run longer or with other seeds:
 *   NIXMAKE_FAULT_SEED=9 NIXMAKE_FAULT_KILLS=100 npx vitest run test/integration/fault.test.ts
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanBuildLinksAsync, linkContent, MutableProject, seededRandom } from '../helpers/mutableProject.js';
import type { EditKind } from '../helpers/mutableProject.js';
import { build, CLI, makeProject, run, useTempProjects } from '../helpers/project.js';

const SEED = Number(process.env['NIXMAKE_FAULT_SEED'] ?? 1121);
const KILLS = Number(process.env['NIXMAKE_FAULT_KILLS'] ?? 20);
const project = useTempProjects(afterEach);

interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** Starts a build and sends `signal` after `delayMs`, or once a node has started when `delayMs` is 'node-started'. */
function interruptBuild(dir: string, signal: NodeJS.Signals, delayMs: number | 'node-started'): Promise<Interrupted> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'build', '--json', '-C', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let sent = false;
    const send = (): void => {
      if (!sent) child.kill(signal);
      sent = true;
    };
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (delayMs === 'node-started' && stdout.includes('"event":"node-started"')) send();
    });
    if (delayMs !== 'node-started') setTimeout(send, delayMs);
    child.on('close', (code, sig) => resolve({ code, signal: sig, stdout }));
  });
}

async function expectEqualsClean(dir: string, p: MutableProject, what: string): Promise<void> {
  const r = build(dir);
  expect(r.code, `${what}\n${r.stderr}`).toBe(0);
  expect(run(path.join(dir, 'result-app/bin/app'), []).stdout, what).toBe(p.expectedOutput());
  for (const [link, content] of Object.entries(await cleanBuildLinksAsync(dir, project))) expect(linkContent(path.join(dir, link)), `${what}: ${link}`).toBe(content);
}

describe('crash safety', () => {
  it(`SIGKILL at ${KILLS} random moments (seed ${SEED}) never leaves a wrong result`, async () => {
    const rand = seededRandom(SEED);
    const dir = project(makeProject({}));
    const p = new MutableProject(dir, rand, 8, 4);
    const t0 = performance.now();
    expect(build(dir).counts).toMatchObject({ failed: 0 });
    const span = Math.max(300, performance.now() - t0);
    const work: EditKind[] = ['change-c', 'change-h', 'add-c', 'flags', 'comment', 'delete-c'];
    for (let k = 1; k <= KILLS; k++) {
      const edits = [p.edit(work[Math.floor(rand() * work.length)]), p.edit(work[Math.floor(rand() * work.length)])];
      const delay = Math.floor(rand() * span);
      const r = await interruptBuild(dir, 'SIGKILL', delay);
      const what = `kill ${k} after ${delay} ms (${r.signal ?? `exit ${r.code}`}), edits: ${edits.join('; ')}`;
      await expectEqualsClean(dir, p, what);
    }
  });

  it('Ctrl-C cancels the daemon builds in flight, exits 130, and the next build is right', async () => {
    const dir = project(makeProject({}));
    const p = new MutableProject(dir, seededRandom(SEED + 1), 8, 4);
    expect(build(dir).counts).toMatchObject({ failed: 0 });
    for (const kind of ['flags', 'change-h'] as const) {
      p.edit(kind);
      const r = await interruptBuild(dir, 'SIGINT', 'node-started');
      expect(r.code).toBe(130);
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      // What Ctrl-C cancelled is skipped, not failed.
      expect(events.filter((e) => e['event'] === 'node-failed')).toEqual([]);
      expect(events.at(-1)).toMatchObject({ event: 'summary', failed: 0 });
      await expectEqualsClean(dir, p, `SIGINT after ${kind}`);
    }
  });
});
