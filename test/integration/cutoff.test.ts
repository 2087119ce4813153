/**
 * Early cutoff and reproducible objects, through the daemon: a comment-only
 * edit recompiles one object and relinks nothing; objects carry no store or
 * sandbox paths, so the same source gives the same object in any project.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, copyProject, nixmake, run, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);

describe('early cutoff', () => {
  it('a comment-only edit in the example gives objects_built 1, links_built 0', () => {
    const dir = project(copyProject('examples/hello'));
    expect(build(dir).counts).toMatchObject({ objects_built: 3, links_built: 2, failed: 0 });
    const before = fs.readlinkSync(path.join(dir, 'result-hello'));
    fs.appendFileSync(path.join(dir, 'src/main.c'), '/* only a comment */\n');
    const r = build(dir, '--explain');
    expect(r.counts).toEqual({ objects_built: 1, links_built: 0, cut_off: 1, up_to_date: 3, failed: 0, submitted: 1 });
    expect(r.events.filter((e) => e['event'] === 'node-cutoff').map((e) => e['label'])).toEqual(['hello']);
    expect(fs.readlinkSync(path.join(dir, 'result-hello'))).toBe(before);
    expect(run(path.join(dir, 'result-hello/bin/hello'), []).stdout).toBe('Hello, world!\n');
    // The next build knows the new state: nothing to do.
    expect(build(dir).counts).toMatchObject({ submitted: 0, up_to_date: 5 });

    fs.appendFileSync(path.join(dir, 'lib/greet.c'), '// reformatted\n');
    const text = nixmake(['build', '-C', dir, '--explain']);
    expect(text.stdout).toContain('nixmake explain: greet: not relinked, the outputs it links are unchanged (early cutoff)');
    expect(text.stdout).toContain('nixmake explain: hello: not relinked, the outputs it links are unchanged (early cutoff)');
    expect(text.stdout).toMatch(/built 1 object and 0 links, 2 cut off, 2 up to date/);
  });

  it('a real change still relinks everything downstream', () => {
    const dir = project(copyProject('examples/hello'));
    expect(build(dir).counts).toMatchObject({ failed: 0 });
    fs.writeFileSync(path.join(dir, 'lib/internal/fmt.h'), fs.readFileSync(path.join(dir, 'lib/internal/fmt.h'), 'utf8').replace('"!"', '"?"'));
    expect(build(dir).counts).toMatchObject({ objects_built: 1, links_built: 2, cut_off: 0, failed: 0 });
    expect(run(path.join(dir, 'result-hello/bin/hello'), []).stdout).toBe('Hello, world?\n');
  });
});

describe('reproducible objects', () => {
  const tree = (name: string): Record<string, string> => ({
    'nixmake.json': JSON.stringify({ cflags: ['-g', '-O1'], includeDirs: ['inc'], targets: { [name]: { type: 'executable', sources: ['src/*.c'] } } }),
    'inc/v.h': '#define V 5\n',
    'src/main.c': '#include <stdio.h>\n#include <assert.h>\n#include "v.h"\nint main(void) { assert(V == 5); printf("%s %d\\n", __FILE__, V); return 0; }\n',
  });

  it('embed no store path and no sandbox path, and are identical across projects', () => {
    const a = project(tree('one'));
    const b = project(tree('two'));
    const ra = build(a);
    const rb = build(b);
    expect(ra.counts).toMatchObject({ objects_built: 1, failed: 0 });
    expect(rb.counts).toMatchObject({ objects_built: 1, failed: 0 });
    const objectOf = (r: typeof ra): string => String(r.events.find((e) => e['event'] === 'node-built' && String(e['node']).startsWith('obj:'))?.['out']);
    const obj = objectOf(ra);
    expect(obj).toMatch(/^\/nix\/store\/[0-9a-z]{32}-main\.c\.o$/);
    // Inputs enter the store by content and names carry no project path: the same derivation in both projects.
    expect(objectOf(rb)).toBe(obj);
    // An object is a single file in the store.
    const bytes = fs.readFileSync(obj).toString('latin1');
    expect(bytes).not.toContain('/nix/store');
    expect(bytes).not.toContain('/build/');
    expect(bytes).not.toContain('/dev/shm');
    expect(bytes).toContain('src/main.c');
    expect(run(path.join(a, 'result-one/bin/one'), []).stdout).toBe('src/main.c 5\n');
  });

  it('compile on the sandbox tmpfs (nixmake-builder --workdir), seen as /build/src', () => {
    // The compile's folder is on the private /dev/shm when the sandbox has one: files made there
    // cost no inode on the build folder's disk. The compiler still sees the tree as it would at /build/src.
    const dir = project({
      'nixmake.json': JSON.stringify({ includeDirs: ['inc'], targets: { where: { type: 'executable', sources: ['src/*.c'] } } }),
      'inc/v.h': '#define V 5\n',
      'src/main.c': [
        '#include <stdio.h>',
        '#include "v.h"',
        '#if __has_include("/dev/shm/nixmake/inc/v.h") && __has_include("/build/src/inc/v.h")',
        '#define WHERE "tmpfs"',
        '#else',
        '#define WHERE "disk"',
        '#endif',
        `int main(void) { puts(WHERE); return V - 5; } /* ${Date.now()} */`,
        '',
      ].join('\n'),
    });
    const r = build(dir);
    expect(r.counts).toMatchObject({ objects_built: 1, failed: 0 });
    expect(run(path.join(dir, 'result-where/bin/where'), []).stdout).toBe('tmpfs\n');
  });
});

describe('link order', () => {
  it('reordering a target\'s deps relinks it (the linker takes a symbol from the first library that has it)', () => {
    const cfg = (deps: string[]): string => JSON.stringify({
      targets: { a: { type: 'static-library', sources: ['a/*.c'] }, b: { type: 'static-library', sources: ['b/*.c'] }, app: { type: 'executable', sources: ['main.c'], deps } },
    });
    const dir = project({
      'nixmake.json': cfg(['a', 'b']),
      'a/who.c': 'const char *who(void) { return "a"; }\n',
      'b/who.c': 'const char *who(void) { return "b"; }\n',
      'main.c': `#include <stdio.h>\nconst char *who(void);\nint main(void) { puts(who()); return 0; } /* ${Date.now()} */\n`,
    });
    expect(build(dir).counts).toMatchObject({ failed: 0 });
    const app = path.join(dir, 'result-app/bin/app');
    expect(run(app, []).stdout).toBe('a\n');
    fs.writeFileSync(path.join(dir, 'nixmake.json'), cfg(['b', 'a']));
    const r = build(dir, '--explain');
    expect(r.counts).toMatchObject({ objects_built: 0, links_built: 1, cut_off: 0, failed: 0 });
    expect(run(app, []).stdout).toBe('b\n');
  });
});
