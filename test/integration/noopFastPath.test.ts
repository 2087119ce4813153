/**
 * The no-op fast path (cli/noopFastPath, engine/noopStamp): a build after
 * which nothing changed is answered from stats alone, and every kind of
 * change that matters takes the full path again and builds what it must.
 *
 * Files are backdated after each build, so that the stamp is trusted (a
 * file changed just before a build is "racy" and gets none).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { tryNoopBuild } from '../../cli/noopFastPath.js';
import type { Output } from '../../reporters/Reporter.js';
import { build, nixmake, REPO, run, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);

/** Every file and folder of the project (not .nixmake, not result links) ten seconds older. */
function backdate(dir: string, seconds = 10): void {
  const t = new Date(Date.now() - seconds * 1000);
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.nixmake' || e.name.startsWith('result-')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      fs.utimesSync(p, t, t);
    }
  };
  walk(dir);
  fs.utimesSync(dir, t, t);
}

const fromStamp = (r: ReturnType<typeof build>): boolean => r.events.some((e) => e['event'] === 'analysis' && e['noop_stamp'] === true);

/** Waits `ms` milliseconds (synchronously). */
const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Builds until the project is up to date and stamped: the next no-op is answered from the stamp. */
function settle(dir: string): void {
  backdate(dir);
  // Backdating moves every file's ctime to now, and a stamp takes no file changed in the 100 ms before a build.
  sleep(150);
  const r = build(dir);
  expect(r.code, r.stderr).toBe(0);
  expect(fs.existsSync(path.join(dir, '.nixmake/noop.stamp'))).toBe(true);
}

const tree = (): Record<string, string> => ({
  'nixmake.json': JSON.stringify({ includeDirs: ['inc', 'inc2'], targets: { app: { type: 'executable', sources: ['src/**/*.c'] } } }),
  'inc/.keep': '',
  'inc2/v.h': '#define V 1\n',
  'src/main.c': `#include <stdio.h>\n#include "v.h"\nint extra(void);\nint main(void) { printf("%d %d\\n", V, extra()); return 0; } /* ${process.pid}-${Date.now()} */\n`,
  'src/sub/extra.c': 'int extra(void) { return 10; }\n',
});

describe('no-op fast path', () => {
  it('answers a no-op from the stamp with the same report as the full path', () => {
    const dir = project(tree());
    expect(build(dir).code).toBe(0);
    settle(dir);
    const slow = build(dir);
    const fast = build(dir);
    expect(fromStamp(fast)).toBe(true);
    expect(fast.counts).toEqual(slow.counts);
    expect(fast.counts).toMatchObject({ objects_built: 0, links_built: 0, up_to_date: 3, failed: 0 });
    const strip = (r: typeof fast): unknown[] =>
      r.events.filter((e) => e['event'] !== 'summary').map((e) => ({ ...e, seconds: 0, noop_stamp: undefined }));
    expect(strip(fast)).toEqual(strip(slow));
    // The terminal form: the one no-op line.
    const text = nixmake(['build', '-C', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^nixmake: no work to do \(3 up to date, [0-9.]+s\)\n$/);
    // Options it does not know take the full path.
    expect(fromStamp(build(dir, '--dry-run'))).toBe(false);
  });

  it('the bundle bin/nixmake.js loads (dist/noopFastPath.cjs) answers as the modules do, and is current', async () => {
    const bundle = path.join(REPO, 'dist/noopFastPath.cjs');
    // npm run build makes it after tsc; bin/nixmake.js uses it only when it is not older than the modules.
    expect(fs.statSync(bundle).mtimeMs).toBeGreaterThanOrEqual(fs.statSync(path.join(REPO, 'dist/cli/noopFastPath.js')).mtimeMs);
    const bundled = createRequire(import.meta.url)(bundle) as { tryNoopBuild: typeof tryNoopBuild };
    // The modules it was made from, in dist/ (a stamp names the nixmake that wrote it: dist/, not the sources).
    const modules = (await import(path.join(REPO, 'dist/cli/noopFastPath.js'))) as { tryNoopBuild: typeof tryNoopBuild };
    const dir = project(tree());
    expect(build(dir).code).toBe(0);
    settle(dir);
    const answer = (f: typeof tryNoopBuild, args: string[]): { code: number | undefined; out: string } => {
      let out = '';
      const output: Output = { out: (t) => void (out += t), err: (t) => void (out += t) };
      return { code: f(args, process.env, output), out: out.replace(/"(seconds|analysis)":[0-9.e-]+/g, '"$1":0').replace(/[0-9.]+s\)/g, 'Ns)') };
    };
    for (const args of [['build', '-C', dir, '--json'], ['build', '-C', dir], ['build', '-C', dir, '--dry-run']]) {
      expect(answer(bundled.tryNoopBuild, args), args.join(' ')).toEqual(answer(modules.tryNoopBuild, args));
    }
    expect(answer(bundled.tryNoopBuild, ['build', '-C', dir, '--json']).code).toBe(0);
    expect(answer(bundled.tryNoopBuild, ['build', '-C', dir, '--dry-run']).code).toBeUndefined();
    // A changed source: neither answers.
    fs.appendFileSync(path.join(dir, 'src/sub/extra.c'), '/* changed */\n');
    expect(answer(bundled.tryNoopBuild, ['build', '-C', dir]).code).toBeUndefined();
  });

  it('an edited source, a touched file, a new source, a new shadowing header, a config edit and a lost result link all take the full path', () => {
    const dir = project(tree());
    expect(build(dir).code).toBe(0);
    settle(dir);
    expect(fromStamp(build(dir))).toBe(true);

    // Same size, new content.
    fs.writeFileSync(path.join(dir, 'src/sub/extra.c'), 'int extra(void) { return 20; }\n');
    let r = build(dir);
    expect(fromStamp(r)).toBe(false);
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 1 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('1 20\n');
    settle(dir);

    // A touch: the full path looks, builds nothing, and stamps again.
    fs.utimesSync(path.join(dir, 'inc2/v.h'), new Date(), new Date(Date.now() - 5000));
    r = build(dir);
    expect(fromStamp(r)).toBe(false);
    expect(r.counts).toMatchObject({ objects_built: 0, links_built: 0 });
    settle(dir);

    // A new source in a new folder under the glob.
    fs.mkdirSync(path.join(dir, 'src/sub/deeper'));
    fs.writeFileSync(path.join(dir, 'src/sub/deeper/more.c'), 'int more(void) { return 3; }\n');
    r = build(dir);
    expect(fromStamp(r)).toBe(false);
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 1 });
    settle(dir);

    // A header that shadows v.h appears in an earlier include folder.
    fs.writeFileSync(path.join(dir, 'inc/v.h'), '#define V 7\n');
    r = build(dir);
    expect(fromStamp(r)).toBe(false);
    expect(r.counts).toMatchObject({ objects_built: 1 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('7 20\n');
    settle(dir);

    // The config.
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as { cflags?: string[] };
    cfg.cflags = ['-O1'];
    fs.writeFileSync(path.join(dir, 'nixmake.json'), JSON.stringify(cfg));
    r = build(dir);
    expect(fromStamp(r)).toBe(false);
    expect(r.counts).toMatchObject({ objects_built: 3 });
    settle(dir);

    // The result link.
    fs.rmSync(path.join(dir, 'result-app'));
    r = build(dir);
    expect(fromStamp(r)).toBe(false);
    expect(fs.readlinkSync(path.join(dir, 'result-app'))).toMatch(/^\/nix\/store\//);
    settle(dir);
    expect(fromStamp(build(dir))).toBe(true);

    // Another selection has a stamp of its own.
    expect(fromStamp(build(dir, 'app'))).toBe(false);
  });

  it('an edit that puts the mtime back is seen (ctime), by the fast path and by the baseline the next build starts from', () => {
    const dir = project(tree());
    expect(build(dir).code).toBe(0);
    settle(dir);
    expect(fromStamp(build(dir))).toBe(true);
    const header = path.join(dir, 'inc2/v.h');
    const before = fs.statSync(header);
    // Same size, same mtime, same inode: only the ctime tells.
    fs.writeFileSync(header, '#define V 5\n');
    fs.utimesSync(header, before.atime, before.mtime);
    expect(fs.statSync(header).size).toBe(before.size);
    expect(fs.statSync(header).mtimeMs).toBe(before.mtimeMs);
    const r = build(dir);
    expect(fromStamp(r)).toBe(false);
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 1 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('5 10\n');
  });

  it('a build after an edit starts from the baseline and rebuilds exactly what a full check would', () => {
    const dir = project(tree());
    expect(build(dir).code).toBe(0);
    settle(dir);
    expect(fs.existsSync(path.join(dir, '.nixmake/baseline.json'))).toBe(true);
    // The header main.c reads, and only it: extra.c's closure is vouched for, main.c's is not.
    fs.writeFileSync(path.join(dir, 'inc2/v.h'), '#define V 3 /* edited */\n');
    let r = build(dir);
    const analysis = (x: typeof r): Record<string, unknown> | undefined => x.events.find((e) => e['event'] === 'analysis');
    expect(analysis(r)).toMatchObject({ tus: 2, cached: 1, baseline: 1 });
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 1, up_to_date: 1 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('3 10\n');
    // The stamp written after it holds every file again: a no-op is answered from it, and a change to the
    // file whose closure was vouched for (never hashed by that build) is still seen.
    settle(dir);
    expect(fromStamp(build(dir))).toBe(true);
    fs.writeFileSync(path.join(dir, 'src/sub/extra.c'), 'int extra(void) { return 11; }\n');
    r = build(dir);
    expect(analysis(r)).toMatchObject({ tus: 2, cached: 1, baseline: 1 });
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 1 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('3 11\n');
    // GC roots removed since the stamp (their folder changed): nothing is taken as rooted, every root is made again.
    settle(dir);
    const roots = path.join(dir, '.nixmake/gcroots');
    const rootNames = fs.readdirSync(roots).sort();
    expect(rootNames.length).toBeGreaterThanOrEqual(6);
    for (const n of rootNames) fs.rmSync(path.join(roots, n));
    fs.writeFileSync(path.join(dir, 'src/sub/extra.c'), 'int extra(void) { return 12; }\n');
    r = build(dir);
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 1, up_to_date: 1 });
    expect(fs.readdirSync(roots).sort()).toEqual(rootNames);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('3 12\n');
    fs.writeFileSync(path.join(dir, 'src/sub/extra.c'), 'int extra(void) { return 11; }\n');
    // A baseline that is not the stamp's is not taken: the same edit rebuilds the same.
    settle(dir);
    fs.writeFileSync(path.join(dir, '.nixmake/baseline.json'), JSON.stringify({ nonce: 'another', digests: {}, nodes: {}, context: '', settingsFiles: [] }));
    fs.writeFileSync(path.join(dir, 'inc2/v.h'), '#define V 4 /* edited */\n');
    r = build(dir);
    expect(analysis(r)).toMatchObject({ tus: 2, cached: 1 });
    expect(analysis(r)?.['baseline']).toBeUndefined();
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 1, up_to_date: 1 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('4 11\n');
  });

  it('an edit from the baseline still sees a source added, a source gone and a source named outright that became a link', () => {
    const files = tree();
    files['nixmake.json'] = JSON.stringify({ includeDirs: ['inc', 'inc2'], targets: { app: { type: 'executable', sources: ['src/main.c', 'src/sub/*.c'] } } });
    const dir = project(files);
    expect(build(dir).code).toBe(0);
    settle(dir);
    // A source added to the listed folder, with an edit elsewhere: built.
    fs.writeFileSync(path.join(dir, 'src/sub/more.c'), 'int more(void) { return 5; }\n');
    fs.writeFileSync(path.join(dir, 'inc2/v.h'), '#define V 2\n');
    let r = build(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.counts).toMatchObject({ objects_built: 2, links_built: 1 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('2 10\n');
    // The source named outright, gone after a silent build: the pattern's error, as without a baseline.
    settle(dir);
    fs.renameSync(path.join(dir, 'src/main.c'), path.join(dir, 'main.c.away'));
    r = build(dir);
    expect(r.code).toBe(1);
    expect(r.events.filter((e) => e['event'] === 'diagnostic').map((e) => [e['path'], e['message']])).toEqual([['targets.app.sources[0]', '"src/main.c" matches no file']]);
    expect(fs.existsSync(path.join(dir, '.nixmake/lock'))).toBe(false);
    fs.renameSync(path.join(dir, 'main.c.away'), path.join(dir, 'src/main.c'));
    // The source named outright, now a symlink to a file outside the project: refused at its pattern, as without a baseline.
    settle(dir);
    const outside = path.join(path.dirname(dir), `${path.basename(dir)}-outside.c`);
    fs.copyFileSync(path.join(dir, 'src/main.c'), outside);
    try {
      fs.rmSync(path.join(dir, 'src/main.c'));
      fs.symlinkSync(outside, path.join(dir, 'src/main.c'));
      r = build(dir);
      expect(r.code).toBe(1);
      expect(r.events.filter((e) => e['event'] === 'diagnostic').map((e) => e['message'])).toEqual([
        `"src/main.c" is a link to ${fs.realpathSync(outside)}, outside the project root; list its folder in "externalDirs" to build it`,
      ]);
    } finally {
      fs.rmSync(outside, { force: true });
    }
  });

  it('no no-op answer after a build that read a file changed just before its start; no stamp after a failure, or after clean', () => {
    const dir = project(tree());
    expect(build(dir).code).toBe(0);
    // Changed "now" (a time in the future stands for a change during the build): racy, recorded as changed.
    const soon = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, 'src/main.c'), soon, soon);
    expect(build(dir).code).toBe(0);
    expect(fs.existsSync(path.join(dir, '.nixmake/noop.stamp'))).toBe(true);
    const again = build(dir);
    expect(fromStamp(again)).toBe(false);
    expect(again.counts).toMatchObject({ objects_built: 0, links_built: 0 });
    // The other TU's closure was vouched for by the baseline; main.c's was hashed again.
    expect(again.events.find((e) => e['event'] === 'analysis')).toMatchObject({ tus: 2, baseline: 1 });
    settle(dir);
    fs.writeFileSync(path.join(dir, 'src/sub/extra.c'), 'int extra(void) { return x; }\n');
    backdate(dir);
    expect(build(dir).code).toBe(1);
    expect(fs.existsSync(path.join(dir, '.nixmake/noop.stamp'))).toBe(false);
    expect(fromStamp(build(dir))).toBe(false);
    fs.writeFileSync(path.join(dir, 'src/sub/extra.c'), 'int extra(void) { return 10; }\n');
    settle(dir);
    expect(nixmake(['clean', '-C', dir]).code).toBe(0);
    expect(fs.existsSync(path.join(dir, '.nixmake/noop.stamp'))).toBe(false);
    const r = build(dir);
    expect(fromStamp(r)).toBe(false);
    expect(r.code).toBe(0);
  });

  it('the project root searched for headers: result links pointed by a build do not count as a change, a new header there does', () => {
    const dir = project({
      ...tree(),
      'nixmake.json': JSON.stringify({ includeDirs: ['.', 'inc', 'inc2'], targets: { app: { type: 'executable', sources: ['src/**/*.c'] } } }),
    });
    expect(build(dir).code).toBe(0);
    settle(dir);
    expect(fromStamp(build(dir))).toBe(true);
    // An edit rebuilds the program: its result link is pointed again, which moves the root's mtime.
    fs.writeFileSync(path.join(dir, 'src/sub/extra.c'), 'int extra(void) { return 12; }\n');
    sleep(150); // not changed just before the build: its stamp trusts it
    let r = build(dir);
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 1 });
    const rootMtime = fs.statSync(dir).mtimeMs;
    // The next no-op is answered from the stamp, and the next edit vouches for main.c's closure, which probed the root.
    r = build(dir);
    expect(fromStamp(r)).toBe(true);
    expect(fs.statSync(dir).mtimeMs).toBe(rootMtime);
    fs.writeFileSync(path.join(dir, 'src/sub/extra.c'), 'int extra(void) { return 13; }\n');
    sleep(150);
    r = build(dir);
    expect(r.events.find((e) => e['event'] === 'analysis')).toMatchObject({ tus: 2, baseline: 1 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('1 13\n');
    // A header that appears in the root and shadows inc2/v.h is seen, by the fast path and by the build.
    expect(fromStamp(build(dir))).toBe(true);
    fs.writeFileSync(path.join(dir, 'v.h'), '#define V 7\n');
    r = build(dir);
    expect(fromStamp(r)).toBe(false);
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 1 });
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('7 13\n');
  });
});
