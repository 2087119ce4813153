/**
 * A host library linked by name that needs a library of another package:
 * libreadline.so (libreadline-dev) needs libtinfo.so.6 (libtinfo6). The
 * link finds it among the imported packages (`-rpath-link`), and the
 * program runs.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);
const HAS_READLINE = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', 'libreadline-dev'], { encoding: 'utf8' }).stdout.startsWith('ii');

describe.runIf(HAS_READLINE)('host libraries that need others', () => {
  it('links -lreadline, whose libtinfo.so.6 comes from another package, and the program runs', () => {
    const dir = project({
      'main.c': '#include <stdio.h>\n#include <readline/readline.h>\nint main(void) { printf("readline %s\\n", rl_library_version); return 0; }\n',
      'nixmake.json': JSON.stringify({ hostPackages: ['libreadline-dev'], targets: { rl: { type: 'executable', sources: ['main.c'], libs: ['readline'] } } }),
    });
    const r = build(dir);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const ran = spawnSync(path.join(dir, 'result-rl/bin/rl'), { encoding: 'utf8', env: {} });
    expect(ran.stdout).toMatch(/^readline \d+\.\d+\n$/);
  });
});
