/**
 * One source, several objects, through the daemon: the same file twice in
 * one target (a `perSource` entry with `variant`, as an object library's
 * copy or a codec built for two sample sizes), and the same file in two
 * targets with different flags. Each is an object of its own, each linked
 * where it belongs, and editing the file rebuilds all of them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAsync, makeProject, run } from '../helpers/project.js';

describe('the same source as several objects', () => {
  let dir = '';
  beforeAll(() => {
    dir = makeProject(
      {
        // BITS names the function, so both objects link into one archive side by side.
        'codec/j.c': '#define CAT(a, b) a##b\n#define NAME(b) CAT(decode, b)\nint NAME(BITS)(void) { return BITS; }\n',
        'src/main.c': '#include <stdio.h>\nint decode8(void); int decode12(void);\nint main(void) { printf("%d %d\\n", decode8(), decode12()); return 0; }\n',
        'tools/probe.c': '#include <stdio.h>\nint decode16(void);\nint main(void) { printf("%d\\n", decode16()); return 0; }\n',
        'nixmake.json': JSON.stringify({
          targets: {
            codec: {
              type: 'static-library',
              sources: ['codec/j.c'],
              defines: ['BITS=8'],
              perSource: [{ sources: ['codec/j.c'], variant: '12', flags: ['-O2', '-DBITS=12'] }],
            },
            app: { type: 'executable', sources: ['src/main.c'], deps: ['codec'] },
            probe: { type: 'executable', sources: ['tools/probe.c', 'codec/j.c'], defines: ['BITS=16'] },
          },
        }),
      },
      'nixmake-variants-',
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('compiles each (target, source, variant) once and links each where it belongs', async () => {
    const r = await buildAsync(dir);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const objects = r.events.filter((e) => e['event'] === 'node-planned' && e['kind'] === 'object').map((e) => String(e['node'])).sort();
    expect(objects).toEqual(['obj:app:src/main.c', 'obj:codec:codec/j.c', 'obj:codec:codec/j.c#12', 'obj:probe:codec/j.c', 'obj:probe:tools/probe.c']);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('8 12\n');
    expect(run(path.join(dir, 'result-probe/bin/probe'), []).stdout).toBe('16\n');
    const members = run('ar', ['t', path.join(dir, 'result-codec/lib/libcodec.a')]).stdout.trim().split('\n');
    expect(members).toEqual(['j.c.o', 'j.c-12.o']);
  }, 300_000);

  it('an edit of the source rebuilds its three objects; an edit of the variant\'s flags only that object', async () => {
    fs.appendFileSync(path.join(dir, 'codec/j.c'), '/* edited */\n');
    const edited = await buildAsync(dir);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.counts?.objects_built).toBe(3);
    const cfgFile = path.join(dir, 'nixmake.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as { targets: { codec: { perSource: { flags: string[] }[] } } };
    (cfg.targets.codec.perSource[0] as { flags: string[] }).flags = ['-O1', '-DBITS=12'];
    fs.writeFileSync(cfgFile, JSON.stringify(cfg));
    const r = await buildAsync(dir, '--explain');
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.filter((e) => e['event'] === 'node-planned' && e['kind'] === 'object').map((e) => `${String(e['node'])}: ${String(e['reason'])}`)).toEqual(['obj:codec:codec/j.c#12: flags-changed']);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('8 12\n');
  }, 300_000);
});
