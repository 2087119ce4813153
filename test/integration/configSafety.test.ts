/**
 * What a project file, its globs and its file names can and cannot make
 * nixmake do, through the real CLI (dist/, as `npm test` builds it): Nix
 * options outside the allow-list, sources and compile databases outside the
 * root, one TU per file whatever the names, hostile file names in output.
 * Only the first test builds (through the suite's stock daemon).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nixmakeAsync, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);

const cli = nixmakeAsync;

const diagnostics = (events: Record<string, unknown>[]): string[] =>
  events.filter((e) => e['event'] === 'diagnostic').map((e) => `${String(e['path'] ?? e['file'])}: ${String(e['message'])}`);

describe('one TU per file', () => {
  it('builds a file named by ./, a glob, a symlink and a symlinked folder (with a loop) once, and links', async () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['./src/main.c', 'src/*.c', '**/*.c'] } } }),
      'src/main.c': '#include <stdio.h>\nint twice(int);\nint main(void) { printf("%d\\n", twice(21)); return 0; }\n',
      'src/util/twice.c': 'int twice(int x) { return 2 * x; }\n',
    });
    fs.symlinkSync('main.c', path.join(dir, 'src/alias.c'));
    fs.symlinkSync('src/util', path.join(dir, 'util'));
    fs.symlinkSync('..', path.join(dir, 'src/util/up'));
    const r = await cli(['build', '--json', '-C', dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The first name in sorted order: src/alias.c before src/main.c, src/util/twice.c before util/twice.c and src/util/up/util/twice.c.
    expect(r.events.filter((e) => e['event'] === 'node-started').map((e) => e['label'])).toEqual(expect.arrayContaining(['src/alias.c', 'src/util/twice.c', 'app']));
    expect(r.events.at(-1)).toMatchObject({ event: 'summary', objects_built: 2, links_built: 1, failed: 0 });
  });
});

describe('a project file cannot reach outside its project', () => {
  it('refuses nix.options that change what the daemon trusts, before contacting it', async () => {
    const dir = project({
      'nixmake.json': JSON.stringify({
        nix: { options: { sandbox: 'false', 'post-build-hook': '/tmp/x.sh', cores: '2' } },
        targets: { app: { type: 'executable', sources: ['a.c'] } },
      }),
      'a.c': 'int main(void) { return 0; }\n',
    });
    const r = await cli(['build', '--json', '-C', dir]);
    expect(r.code).toBe(1);
    const d = diagnostics(r.events);
    expect(d).toHaveLength(2);
    expect(d[0]).toMatch(/^nix\.options\.sandbox: the Nix option "sandbox" is not allowed in nixmake\.json: it could change what the Nix daemon trusts or runs as root\. .*--option sandbox VALUE.*nix\.conf/);
    expect(d[1]).toMatch(/^nix\.options\["post-build-hook"\]: the Nix option "post-build-hook" is not allowed/);
    expect(fs.existsSync(path.join(dir, '.nixmake'))).toBe(false);
  });

  it('refuses a source linked from outside the root unless externalDirs lists its folder', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-outside-'));
    project(outside);
    fs.writeFileSync(path.join(outside, 'secret.c'), 'int secret = 42;\n');
    const config = (extra: object) => JSON.stringify({ ...extra, targets: { app: { type: 'executable', sources: ['src/*.c'] } } });
    const dir = project({ 'nixmake.json': config({}), 'src/main.c': 'int main(void) { return 0; }\n' });
    fs.symlinkSync(path.join(outside, 'secret.c'), path.join(dir, 'src/ext.c'));
    const r = await cli(['build', '-C', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`nixmake.json: error: targets.app.sources[0]: "src/ext.c" is a link to ${fs.realpathSync(path.join(outside, 'secret.c'))}, outside the project root; list its folder in "externalDirs" to build it\n`);
    fs.writeFileSync(path.join(dir, 'nixmake.json'), config({ externalDirs: [outside] }));
    const planned = await cli(['build', '--dry-run', '--json', '-C', dir]);
    expect(planned.code, planned.stdout).toBe(0);
    expect(planned.events.filter((e) => e['event'] === 'node-planned').map((e) => e['label']).sort()).toEqual(['app', 'src/ext.c', 'src/main.c']);
  });

  it('refuses a compile database that is a symlink out of the root, without printing it', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-outside-'));
    project(outside);
    fs.writeFileSync(path.join(outside, 'shadow'), 'root:$6$secret-hash:19000:0:99999:7:::\n');
    const dir = project({
      'nixmake.json': JSON.stringify({ compileCommands: 'compile_commands.json', targets: { app: { type: 'executable', sources: ['a.c'] } } }),
      'a.c': 'int main(void) { return 0; }\n',
    });
    fs.symlinkSync(path.join(outside, 'shadow'), path.join(dir, 'compile_commands.json'));
    const r = await cli(['build', '-C', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nixmake\.json: error: compileCommands: "compile_commands\.json" resolves to .*shadow, outside the project root/);
    expect(r.stderr + r.stdout).not.toContain('secret-hash');
  });

  it('refuses "targets": {}', async () => {
    const dir = project({ 'nixmake.json': '{"targets": {}}' });
    const r = await cli(['build', '-C', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('nixmake.json: error: targets: no targets: add at least one\n');
  });
});

describe('hostile file names in output', () => {
  const NAME = 'src/bad\n[1|1] CC fine.c\x1b[2J.txt';

  it('escapes them on the terminal and keeps --json lines valid', async () => {
    const dir = project({ 'nixmake.json': JSON.stringify({ targets: { app: { type: 'executable', sources: ['src/*'] } } }), 'src/a.c': 'int main(void) { return 0; }\n' });
    fs.writeFileSync(path.join(dir, NAME), '');
    const term = await cli(['build', '-C', dir]);
    expect(term.code).toBe(1);
    expect(term.stderr).toBe('nixmake.json: error: targets.app.sources[0]: "src/bad\\n[1|1] CC fine.c\\x1b[2J.txt" (matched by "src/*") is not a C, C++ or assembly source\n');
    const json = await cli(['build', '--json', '-C', dir]);
    expect(json.code).toBe(1);
    const lines = json.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(() => JSON.parse(lines[0] as string)).not.toThrow();
    expect(json.events[0]).toMatchObject({ event: 'diagnostic', message: `"${NAME}" (matched by "src/*") is not a C, C++ or assembly source` });
  });
});
