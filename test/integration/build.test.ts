/**
 * End to end through the real Nix daemon: the bundled example (an executable
 * linked against a static library, headers in subfolders, a header only one
 * TU includes) built, rebuilt after edits, broken, garbage-collected.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, copyProject, run, spawnAsync, touch } from '../helpers/project.js';

let dir: string;
const hello = (...args: string[]): string => run(path.join(dir, 'result-hello/bin/hello'), args).stdout;
const edit = (rel: string, f: (s: string) => string): void => {
  const p = path.join(dir, rel);
  fs.writeFileSync(p, f(fs.readFileSync(p, 'utf8')));
};
const members = (): string[] => run('ar', ['t', path.join(dir, 'result-greet/lib/libgreet.a')]).stdout.trim().split('\n').sort();

describe('building the example project through the daemon', () => {
  beforeAll(() => {
    dir = copyProject('examples/hello');
    // Outputs unique to this run: no other project's GC root can keep them alive.
    edit('include/greet/greet.h', (s) => `${s}/* run ${process.pid}-${Date.now()} */\n`);
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('clean build: 3 objects, 2 links, working binaries', () => {
    const r = build(dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.counts).toEqual({ objects_built: 3, links_built: 2, cut_off: 0, up_to_date: 0, failed: 0, submitted: 5 });
    expect(hello()).toBe('Hello, world!\n');
    expect(hello('Nix', '--shout')).toBe('Hello, Nix!\nHELLO, NIX!\n');
    expect(members()).toEqual(['greet.c.o', 'shout.c.o']);
    expect(fs.readlinkSync(path.join(dir, 'result-hello'))).toMatch(/^\/nix\/store\/[a-z0-9]{32}-hello$/);
  });

  it('second run submits nothing', () => {
    const r = build(dir);
    expect(r.code).toBe(0);
    expect(r.counts).toEqual({ objects_built: 0, links_built: 0, cut_off: 0, up_to_date: 5, failed: 0, submitted: 0 });
  });

  it('touching a .c without changing it submits nothing', () => {
    touch(path.join(dir, 'src/main.c'), -10);
    touch(path.join(dir, 'lib/greet.c'), 10);
    expect(build(dir).counts).toMatchObject({ submitted: 0, up_to_date: 5 });
  });

  it('changing one .c builds that object and the links that depend on it', () => {
    edit('src/main.c', (s) => s.replace('puts(buf);', 'puts(buf);\n    puts("--");'));
    const dry = build(dir, '--dry-run');
    expect(dry.counts).toEqual({ objects_built: 0, links_built: 0, cut_off: 0, up_to_date: 3, failed: 0, submitted: 0 });
    expect(dry.events.filter((e) => e['event'] === 'node-planned').map((e) => `${e['label']}: ${e['reason']}`)).toEqual([
      'src/main.c: source-changed',
      'hello: dependency-changed',
    ]);
    expect(hello()).toBe('Hello, world!\n');
    const r = build(dir);
    expect(r.counts).toEqual({ objects_built: 1, links_built: 1, cut_off: 0, up_to_date: 3, failed: 0, submitted: 2 });
    const started = r.events.filter((e) => e['event'] === 'node-started').map((e) => e['label']);
    expect(started).toEqual(['src/main.c', 'hello']);
    expect(hello()).toBe('Hello, world!\n--\n');
  });

  it('changing a library source relinks the library and the executable', () => {
    edit('lib/shout.c', (s) => s.replace('toupper', '(char)toupper'));
    // A cast that changes no code: the object has the same bytes, so nothing relinks (early cutoff).
    let r = build(dir);
    expect(r.counts).toEqual({ objects_built: 1, links_built: 0, cut_off: 2, up_to_date: 2, failed: 0, submitted: 1 });
    edit('lib/shout.c', (s) => s.replace('(char)toupper(', '(char)tolower(').replace('(char)tolower(', '(char)toupper('));
    edit('lib/shout.c', (s) => `${s}\nint shout_version(void) { return 2; }\n`);
    r = build(dir);
    expect(r.counts).toEqual({ objects_built: 1, links_built: 2, cut_off: 0, up_to_date: 2, failed: 0, submitted: 3 });
  });

  it('changing a header included by k TUs builds exactly k objects', () => {
    // lib/internal/fmt.h: only lib/greet.c includes it.
    edit('lib/internal/fmt.h', (s) => s.replace('"!"', '"!!"'));
    let r = build(dir);
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 2, failed: 0 });
    expect(hello()).toBe('Hello, world!!\n--\n');
    // include/greet/greet.h: all three TUs include it.
    edit('include/greet/greet.h', (s) => `${s}\n/* a comment */\n`);
    r = build(dir);
    expect(r.counts).toMatchObject({ objects_built: 3, links_built: 0, cut_off: 2, failed: 0 });
    // src/config.h: only src/main.c.
    edit('src/config.h', (s) => s.replace('"world"', '"there"'));
    r = build(dir);
    expect(r.counts).toMatchObject({ objects_built: 1, links_built: 1, failed: 0 });
    expect(hello()).toBe('Hello, there!!\n--\n');
  });

  it('an added source joins the link and a deleted one leaves it', () => {
    fs.writeFileSync(path.join(dir, 'lib/extra.c'), 'int greet_extra(void) { return 42; }\n');
    fs.writeFileSync(path.join(dir, 'lib/more.c'), 'int greet_more(void) { return 43; }\n');
    let r = build(dir);
    expect(r.counts).toMatchObject({ objects_built: 2, links_built: 2, failed: 0 });
    expect(members()).toEqual(['extra.c.o', 'greet.c.o', 'more.c.o', 'shout.c.o']);
    fs.rmSync(path.join(dir, 'lib/extra.c'));
    r = build(dir);
    expect(r.counts).toMatchObject({ objects_built: 0, links_built: 2, failed: 0 });
    expect(members()).toEqual(['greet.c.o', 'more.c.o', 'shout.c.o']);
    // Back to a state built before: the memo already has every node of it.
    fs.rmSync(path.join(dir, 'lib/more.c'));
    r = build(dir);
    expect(r.counts).toMatchObject({ objects_built: 0, links_built: 0, submitted: 0, failed: 0 });
    expect(members()).toEqual(['greet.c.o', 'shout.c.o']);
  });

  it('a compile error exits 1 with src/file.c:LINE and keeps the last good outputs', () => {
    const before = fs.readlinkSync(path.join(dir, 'result-hello'));
    edit('src/main.c', (s) => s.replace('puts("--");', 'puts("--")'));
    const r = build(dir);
    expect(r.code).toBe(1);
    expect(r.counts).toMatchObject({ objects_built: 0, links_built: 0, failed: 1, submitted: 1 });
    const failed = r.events.find((e) => e['event'] === 'node-failed');
    expect(failed?.['label']).toBe('src/main.c');
    expect(String(failed?.['log'])).toMatch(/^src\/main\.c:11:\d+: error: expected ';'/m);
    expect(String(failed?.['log'])).not.toContain('/build/');
    expect(fs.readlinkSync(path.join(dir, 'result-hello'))).toBe(before);
    expect(hello()).toBe('Hello, there!!\n--\n');

    // The terminal form shows the same message.
    const human = run(process.execPath, [path.join(__dirname, '../../bin/nixmake.js'), 'build', '-C', dir]);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('FAILED: src/main.c');
    expect(human.stderr).toMatch(/src\/main\.c:11:\d+: error/);

    edit('src/main.c', (s) => s.replace('puts("--")', 'puts("==");'));
    expect(build(dir).counts).toMatchObject({ objects_built: 1, links_built: 1, failed: 0 });
    expect(hello()).toBe('Hello, there!!\n==\n');
  });

  it('nix-collect-garbage deletes no current output', async () => {
    const roots = fs.readdirSync(path.join(dir, '.nixmake/gcroots'));
    // One root per node's output and one per its derivation, and the builder helper's output and derivation.
    expect(roots).toHaveLength(12);
    expect(roots).toContain('builder-drv');
    const outs = roots.map((n) => fs.readlinkSync(path.join(dir, '.nixmake/gcroots', n)));
    // A collection can take a while on a busy store: run it without blocking the test worker.
    const gc = await spawnAsync('nix-collect-garbage', []);
    expect(gc.code, gc.stderr).toBe(0);
    for (const o of outs) expect(fs.existsSync(o)).toBe(true);
    expect(hello()).toBe('Hello, there!!\n==\n');
    expect(build(dir).counts).toMatchObject({ submitted: 0, up_to_date: 5 });
  });

  it('a garbage-collected output is rebuilt', async () => {
    const roots = path.join(dir, '.nixmake/gcroots');
    const nodeRoots = fs.readdirSync(roots).filter((n) => !n.endsWith('-drv') && !n.startsWith('builder'));
    const outs = new Map(nodeRoots.map((n) => [n, fs.readlinkSync(path.join(roots, n))]));
    expect(outs.size).toBe(5);
    // Drop every root of the project and collect. An object another project (or another test)
    // also built stays alive; every one that went is rebuilt.
    fs.rmSync(roots, { recursive: true });
    fs.rmSync(path.join(dir, 'result-hello'));
    fs.rmSync(path.join(dir, 'result-greet'));
    const gc = await spawnAsync('nix-collect-garbage', []);
    expect(gc.code, gc.stderr).toBe(0);
    const gone = [...outs].filter(([, o]) => !fs.existsSync(o));
    expect(gone.length).toBeGreaterThan(0);
    const r = build(dir, '--explain');
    expect((r.counts?.objects_built ?? 0) + (r.counts?.links_built ?? 0)).toBe(gone.length);
    expect(r.counts).toMatchObject({ failed: 0, up_to_date: 5 - gone.length });
    const reasons = r.events.filter((e) => e['event'] === 'node-planned').map((e) => e['reason']);
    expect(new Set(reasons)).toEqual(new Set(['output-missing']));
    expect(hello()).toBe('Hello, there!!\n==\n');
  });
});
