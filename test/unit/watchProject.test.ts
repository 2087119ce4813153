/**
 * watchProject's loop with a fake watcher and fake builds: when builds
 * start, what they are told changed, and how the watch ends.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../engine/events.js';
import { configFiles, watchProject } from '../../engine/watchProject.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Rig {
  events: BuildEvent[];
  builds: number;
  /** Reports changed paths as the watcher would. */
  change: (...rels: string[]) => void;
  closed: boolean;
  controller: AbortController;
  done: Promise<number>;
  /** Resolves when `n` builds have finished. */
  built: (n: number) => Promise<void>;
}

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

function start(opts: { buildMs?: number; codes?: number[]; throwOnWatch?: boolean } = {}): Rig {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-watch-unit-'));
  roots.push(root);
  fs.writeFileSync(path.join(root, 'nixmake.json'), JSON.stringify({ compileCommands: 'out/cc.json', targets: {} }));
  const controller = new AbortController();
  let onPaths: ((rels: readonly string[]) => void) | undefined;
  const waiters: { n: number; resolve: () => void }[] = [];
  const rig: Rig = {
    events: [],
    builds: 0,
    change: (...rels) => onPaths?.(rels),
    closed: false,
    controller,
    done: Promise.resolve(0),
    built: (n) => new Promise((resolve) => (rig.builds >= n ? resolve() : waiters.push({ n, resolve }))),
  };
  rig.done = watchProject(
    { root, signal: controller.signal, quietMs: 20, maxMs: 50 },
    {
      emit: (e) => rig.events.push(e),
      build: async (signal) => {
        const code = opts.codes?.[rig.builds] ?? 0;
        const t = opts.buildMs ?? 5;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, t);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        rig.builds++;
        for (const w of waiters.filter((x) => x.n <= rig.builds)) w.resolve();
        rig.events.push({ event: 'summary', objects_built: 0, links_built: 0, cut_off: 0, substituted: 0, up_to_date: 0, failed: code, submitted: 0, seconds: 0, phases: { analysis: 0, inputs: 0, derivations: 0, queued: 0, building: 0, running: 0 } });
        return signal.aborted ? 130 : code;
      },
      watch: (cb) => {
        if (opts.throwOnWatch) throw new Error('ENOENT: no such folder');
        onPaths = cb;
        return { folders: 3, close: () => (rig.closed = true) };
      },
    },
  );
  return rig;
}

const rebuilds = (r: Rig): (readonly string[])[] => r.events.flatMap((e) => (e.event === 'watch-rebuild' ? [e.files] : []));

describe('watchProject', () => {
  it('builds once, says it is watching, then builds once per burst with the burst’s files', async () => {
    const r = start();
    await r.built(1);
    await sleep(5);
    expect(r.events.map((e) => e.event)).toEqual(['summary', 'watch-ready']);
    r.change('src/b.c');
    r.change('src/a.c', 'README.md', 'src/.a.c.swp');
    await sleep(5);
    r.change('include/x.h');
    await r.built(2);
    await sleep(100);
    expect(r.builds).toBe(2);
    expect(rebuilds(r)).toEqual([['include/x.h', 'src/a.c', 'src/b.c']]);
    r.controller.abort();
    expect(await r.done).toBe(130);
    expect(r.closed).toBe(true);
  });

  it('ignores changes that start no build', async () => {
    const r = start();
    await r.built(1);
    r.change('README.md', '.nixmake/memo.sqlite', 'result-app');
    await sleep(120);
    expect(r.builds).toBe(1);
    r.controller.abort();
    expect(await r.done).toBe(130);
  });

  it('a burst that keeps going starts its build within maxMs of its first change', async () => {
    const r = start();
    await r.built(1);
    const t0 = performance.now();
    const timer = setInterval(() => r.change(`src/t${Math.floor(performance.now())}.c`), 5);
    await r.built(2);
    const waited = performance.now() - t0;
    clearInterval(timer);
    expect(waited).toBeGreaterThanOrEqual(45);
    expect(waited).toBeLessThan(150);
    r.controller.abort();
    await r.done;
  });

  it('changes during a build start exactly one more build after it', async () => {
    const r = start({ buildMs: 150 });
    await r.built(1);
    r.change('src/a.c');
    await sleep(60); // the second build is running
    r.change('src/b.c');
    await sleep(10);
    r.change('src/c.c');
    await r.built(3);
    await sleep(200);
    expect(r.builds).toBe(3);
    expect(rebuilds(r)).toEqual([['src/a.c'], ['src/b.c', 'src/c.c']]);
    r.controller.abort();
    await r.done;
  });

  it('a failed build keeps watching', async () => {
    const r = start({ codes: [1, 1, 0] });
    await r.built(1);
    r.change('src/a.c');
    await r.built(2);
    r.change('src/a.c');
    await r.built(3);
    expect(r.builds).toBe(3);
    r.controller.abort();
    expect(await r.done).toBe(130);
  });

  it('the signal cancels a build in flight and ends the watch with 130', async () => {
    const r = start({ buildMs: 10_000 });
    await sleep(20);
    const t0 = performance.now();
    r.controller.abort();
    expect(await r.done).toBe(130);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(r.events.some((e) => e.event === 'watch-ready')).toBe(false);
    expect(r.closed).toBe(true);
  });

  it('a root that cannot be watched is an error, exit 1', async () => {
    const r = start({ throwOnWatch: true });
    expect(await r.done).toBe(1);
    expect(r.builds).toBe(0);
    expect(r.events[0]).toMatchObject({ event: 'diagnostic', diagnostic: { severity: 'error' } });
  });

  it('the config names nixmake.json and its compile database', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-watch-unit-'));
    roots.push(root);
    expect([...configFiles(root)]).toEqual(['nixmake.json']);
    fs.writeFileSync(path.join(root, 'nixmake.json'), JSON.stringify({ compileCommands: './build/../cc.json' }));
    expect([...configFiles(root)]).toEqual(['nixmake.json', 'cc.json']);
    fs.writeFileSync(path.join(root, 'nixmake.json'), JSON.stringify({ compileCommands: '../elsewhere.json' }));
    expect([...configFiles(root)]).toEqual(['nixmake.json']);
  });
});
