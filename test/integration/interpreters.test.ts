/**
 * Interpreters from hostPackages run in the sandbox with their own
 * environment (toolchain/resolveToolchain's toolEnvOf): a perl generator
 * finds its core modules (PERL5LIB into the imported packages, since perl's
 * @INC names /usr) and a python generator its standard library
 * (PYTHONHOME). scripts/host-tools.sh installs both (perl through
 * dpkg-dev, python3).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, run, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);

const program = '#include <stdio.h>\n#include "ver.h"\nint main(void) { printf("%d %s\\n", VER, NAME); return 0; }\n';

/** The installed Debian package whose name matches (python3.11-minimal, …), or undefined. */
function debianPackage(pattern: RegExp): string | undefined {
  return fs
    .readFileSync('/var/lib/dpkg/status', 'utf8')
    .split('\n\n')
    .filter((p) => /^Status: install ok installed$/m.test(p))
    .map((p) => /^Package: (\S+)$/m.exec(p)?.[1] ?? '')
    .find((n) => pattern.test(n));
}

describe('interpreters from hostPackages', () => {
  it('a perl generator finds its core modules in the store', () => {
    const modules = debianPackage(/^perl-modules-5\.\d+$/) as string;
    const libperl = debianPackage(/^libperl5\.\d+$/) as string;
    expect(modules, 'perl-modules (dpkg-dev depends on perl)').toBeDefined();
    const dir = project({
      'nixmake.json': JSON.stringify({
        hostPackages: ['perl-base', modules, libperl],
        generators: { ver: { command: ['perl', 'src/gen.pl'], inputs: ['src/gen.pl'], stdout: 'gen/ver.h', outputs: ['gen/ver.h'] } },
        targets: { app: { type: 'executable', sources: ['src/*.c'], includeDirs: ['gen'] } },
      }),
      'src/gen.pl': `use strict; use warnings; use File::Basename; use POSIX qw(floor);\nprint "#define VER ", floor(42.7), "\\n#define NAME \\"", basename("a/b/pl.txt"), "\\"\\n"; # ${process.pid}-${Date.now()}\n`,
      'src/main.c': program,
    });
    const r = build(dir);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('42 pl.txt\n');
  });

  it('a python generator finds its standard library in the store', () => {
    const minimal = debianPackage(/^python3\.\d+-minimal$/) as string;
    expect(minimal, 'python3 (scripts/host-tools.sh installs it)').toBeDefined();
    const version = minimal.replace(/-minimal$/, '');
    const dir = project({
      'nixmake.json': JSON.stringify({
        hostPackages: [minimal, `lib${version}-minimal`, `lib${version}-stdlib`],
        generators: { ver: { command: [version, 'src/gen.py'], inputs: ['src/gen.py'], stdout: 'gen/ver.h', outputs: ['gen/ver.h'] } },
        targets: { app: { type: 'executable', sources: ['src/*.c'], includeDirs: ['gen'] } },
      }),
      'src/gen.py': `import json, os.path\nprint("#define VER %d" % (6 * 7))\nprint('#define NAME "%s"' % os.path.basename(json.loads('["a/b/py.txt"]')[0]))\n# ${process.pid}-${Date.now()}\n`,
      'src/main.c': program,
    });
    const r = build(dir);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(run(path.join(dir, 'result-app/bin/app'), []).stdout).toBe('42 py.txt\n');
  });
});
