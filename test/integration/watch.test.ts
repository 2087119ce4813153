/**
 * `nixmake watch` end to end through the real Nix daemon, on the bundled
 * example (an executable linked against a static library). One watcher
 * follows a sequence of edits: each must be rebuilt (the new binary prints
 * the new output), a burst must be one build, a broken build must keep it
 * watching, saves by rename and files in new folders must be seen, and
 * nothing may be held (lock, daemon connections) between builds. Ctrl-C
 * exits 130, also in the middle of a build, and leaves a project the next
 * `nixmake build` accepts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAsync, copyProject, run } from '../helpers/project.js';
import { WatchProcess } from '../helpers/watchProcess.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function uniqueCopy(): string {
  const dir = copyProject('examples/hello');
  // Outputs unique to this run: no other project's GC root can keep them alive.
  fs.appendFileSync(path.join(dir, 'include/greet/greet.h'), `/* watch ${process.pid}-${Date.now()} */\n`);
  return dir;
}

describe('nixmake watch', () => {
  let dir: string;
  let w: WatchProcess;
  const hello = (): string => run(path.join(dir, 'result-hello/bin/hello'), []).stdout;
  const edit = (rel: string, f: (s: string) => string): void => {
    const p = path.join(dir, rel);
    fs.writeFileSync(p, f(fs.readFileSync(p, 'utf8')));
  };
  const mainWith = (extra: string): string => fs.readFileSync(path.join(dir, 'src/main.c'), 'utf8').replace(/    puts\(buf\);\n(    puts\(.*\);\n)*/, `    puts(buf);\n${extra}`);
  /** The builds so far; the next one to wait for is `builds() + 1`. */
  const builds = (): number => w.all('summary').length;
  const lastRebuild = (): unknown => w.all('watch-rebuild').at(-1)?.['files'];

  /** The target of one of the watcher's descriptors, or '' when it was closed since the folder was listed. */
  const fdTarget = (fd: string): string => {
    try {
      return fs.readlinkSync(`/proc/${w.pid}/fd/${fd}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw e;
    }
  };
  /** Sockets other than stdio (Node's child stdio are socket pairs): daemon connections. */
  const sockets = (): string[] =>
    fs
      .readdirSync(`/proc/${w.pid}/fd`)
      .filter((fd) => Number(fd) > 2)
      .map(fdTarget)
      .filter((l) => l.startsWith('socket:'))
      .sort();

  /** Polls until the watcher holds no daemon connection (the idle time passed), or fails after `ms`. */
  const noConnections = async (ms = 10_000): Promise<void> => {
    for (const t0 = Date.now(); sockets().length > 0; await sleep(100)) {
      if (Date.now() - t0 > ms) throw new Error(`still ${sockets().length} daemon connections after ${ms} ms idle`);
    }
  };

  beforeAll(async () => {
    dir = uniqueCopy();
    // Connections outlive a build by 1.5 s here (10 s by default).
    w = new WatchProcess(dir, [], { NIXMAKE_WATCH_IDLE_MS: '1500' });
    await w.until(() => w.all('watch-ready').length === 1, 'watch-ready');
  });

  afterAll(async () => {
    await w.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds first, then says it is watching', () => {
    expect(w.all('summary')).toHaveLength(1);
    expect(w.all('summary')[0]).toMatchObject({ objects_built: 3, links_built: 2, failed: 0 });
    expect(w.all('watch-ready')[0]).toEqual({ event: 'watch-ready', folders: 6 }); // root, src, lib, lib/internal, include, include/greet
    expect(hello()).toBe('Hello, world!\n');
  });

  it('an edit is rebuilt: the new binary prints the new output', async () => {
    const n = builds();
    fs.writeFileSync(path.join(dir, 'src/main.c'), mainWith('    puts("edited");\n'));
    const s = await w.summary(n + 1);
    expect(lastRebuild()).toEqual(['src/main.c']);
    expect(s).toMatchObject({ objects_built: 1, links_built: 1, failed: 0 });
    expect(hello()).toBe('Hello, world!\nedited\n');
  });

  it('builds in quick succession share the daemon connections, which close once it has been idle', async () => {
    const n = builds();
    fs.writeFileSync(path.join(dir, 'src/main.c'), mainWith('    puts("first");\n'));
    await w.summary(n + 1);
    const kept = sockets();
    expect(kept.length).toBeGreaterThan(0);
    fs.writeFileSync(path.join(dir, 'src/main.c'), mainWith('    puts("second");\n'));
    expect(await w.summary(n + 2)).toMatchObject({ objects_built: 1, failed: 0 });
    expect(hello()).toBe('Hello, world!\nsecond\n');
    // The same sockets: the second build reconnected nothing.
    expect(sockets().filter((s) => kept.includes(s)).length).toBeGreaterThan(0);
    await noConnections();
  });

  it('a burst of edits is coalesced into one build', async () => {
    const n = builds();
    const r0 = w.all('watch-rebuild').length;
    fs.writeFileSync(path.join(dir, 'src/main.c'), mainWith('    puts("burst");\n'));
    edit('lib/greet.c', (s) => `${s}/* burst */\n`);
    edit('lib/shout.c', (s) => `${s}/* burst */\n`);
    await w.summary(n + 1);
    await sleep(500); // long enough for a second build to have started
    expect(builds()).toBe(n + 1);
    expect(w.all('watch-rebuild').length).toBe(r0 + 1);
    expect(lastRebuild()).toEqual(['lib/greet.c', 'lib/shout.c', 'src/main.c']);
    expect(hello()).toBe('Hello, world!\nburst\n');
  });

  it('a build error keeps it watching; fixing the error builds again', async () => {
    const n = builds();
    edit('lib/shout.c', (s) => s.replace('return s;', 'return s'));
    const broken = await w.summary(n + 1);
    expect(broken).toMatchObject({ failed: 1 });
    expect(w.all('node-failed').at(-1)).toMatchObject({ label: 'lib/shout.c' });
    edit('lib/shout.c', (s) => s.replace('return s\n', 'return s;\n'));
    const fixed = await w.summary(n + 2);
    expect(fixed).toMatchObject({ failed: 0 });
    expect(run(path.join(dir, 'result-hello/bin/hello'), ['Nix', '--shout']).stdout).toBe('Hello, Nix!\nburst\nHELLO, NIX!\n');
  });

  it('saves by rename (temp file renamed over the source) are seen, every time', async () => {
    for (const word of ['renamed-1', 'renamed-2']) {
      const n = builds();
      const tmp = path.join(dir, 'src/main.c.tmp4242');
      fs.writeFileSync(tmp, mainWith(`    puts("${word}");\n`));
      fs.renameSync(tmp, path.join(dir, 'src/main.c'));
      await w.summary(n + 1);
      expect(lastRebuild()).toEqual(['src/main.c']);
      expect(hello()).toBe(`Hello, world!\n${word}\n`);
    }
  });

  it('a header created in new folders is seen', async () => {
    let n = builds();
    fs.writeFileSync(path.join(dir, 'src/main.c'), `#include "gen/deep/extra.h"\n${mainWith('    puts(EXTRA);\n')}`);
    expect(await w.summary(n + 1)).toMatchObject({ failed: 1 }); // the header does not exist yet
    n = builds();
    fs.mkdirSync(path.join(dir, 'include/gen/deep'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'include/gen/deep/extra.h'), '#define EXTRA "from a new folder"\n');
    expect(await w.summary(n + 1)).toMatchObject({ failed: 0 });
    expect(lastRebuild()).toEqual(['include/gen/deep/extra.h']);
    expect(hello()).toBe('Hello, world!\nfrom a new folder\n');
  });

  it('a change to nixmake.json is rebuilt', async () => {
    const n = builds();
    edit('nixmake.json', (s) => s.replace('GREETING=\\"Hello\\"', 'GREETING=\\"Howdy\\"'));
    await w.summary(n + 1);
    expect(lastRebuild()).toEqual(['nixmake.json']);
    expect(hello()).toBe('Howdy, world!\nfrom a new folder\n');
  });

  it('ignores files that are not inputs, and editor temp files', async () => {
    const n = builds();
    fs.writeFileSync(path.join(dir, 'README.md'), 'notes\n');
    fs.writeFileSync(path.join(dir, 'src/.main.c.swp'), 'swap');
    fs.writeFileSync(path.join(dir, 'src/4913'), '');
    fs.rmSync(path.join(dir, 'src/4913'));
    fs.writeFileSync(path.join(dir, 'src/main.c~'), 'backup');
    await sleep(400);
    expect(builds()).toBe(n);
  });

  it('holds neither the project lock nor, once idle, a daemon connection while it waits', async () => {
    const n = builds();
    // A daemon connection (and its temporary GC roots) lasts the idle time past the last build, no longer.
    await noConnections();
    expect(fs.existsSync(path.join(dir, '.nixmake/lock'))).toBe(false);
    const other = await buildAsync(dir);
    expect(other.code).toBe(0);
    expect(other.events.filter((e) => e['event'] === 'diagnostic')).toEqual([]); // no "waiting for another nixmake"
    expect(other.counts).toMatchObject({ up_to_date: 5, submitted: 0 });
    await sleep(300);
    expect(builds()).toBe(n); // what that build wrote (.nixmake, result links) starts nothing
  });

  it('Ctrl-C while waiting exits 130 and releases everything', async () => {
    expect(await w.stop()).toBe(130);
    expect(fs.existsSync(path.join(dir, '.nixmake/lock'))).toBe(false);
    expect((await buildAsync(dir)).counts).toMatchObject({ up_to_date: 5, submitted: 0, failed: 0 });
  });
});

describe('nixmake watch, Ctrl-C during a build', () => {
  it('cancels the build, exits 130, and the next build completes the project', async () => {
    const dir = uniqueCopy();
    try {
      const w = new WatchProcess(dir);
      await w.until(() => w.all('node-started').length > 0, 'a node to start');
      w.signal('SIGINT');
      expect(await w.exited).toBe(130);
      expect(w.all('watch-ready')).toEqual([]);
      expect(fs.existsSync(path.join(dir, '.nixmake/lock'))).toBe(false);
      const after = await buildAsync(dir);
      expect(after.code).toBe(0);
      expect(after.counts).toMatchObject({ failed: 0 });
      // Every node is accounted for: built now, or built (and recorded) before the interruption.
      const c = after.counts!;
      expect(c.objects_built + c.links_built + c.cut_off + c.up_to_date).toBe(5);
      expect(run(path.join(dir, 'result-hello/bin/hello'), []).stdout).toBe('Hello, world!\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
