/**
 * nixmake install: builds, then lays out bin/, lib/ (with soname links),
 * include/ (publicHeaders) and lib/pkgconfig/ under a prefix; the installed
 * program runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nixmake, run, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);

describe('nixmake install', () => {
  it('installs programs, libraries with their links, public headers and pkg-config files; the program runs from the prefix', () => {
    const nonce = `${process.pid}-${Date.now()}`;
    const dir = project({
      'nixmake.json': JSON.stringify({
        includeDirs: ['include'],
        publicHeaders: ['include'],
        targets: {
          greet: { type: 'shared-library', sources: ['lib/*.c'], soname: 'libgreet.so.1', libs: ['m'] },
          util: { type: 'static-library', sources: ['util/*.c'] },
          hello: { type: 'executable', sources: ['src/*.c'], deps: ['greet', 'util'], aliases: ['hi'] },
        },
      }),
      'include/greet.h': 'const char *greeting(void);\nint twice(int);\n',
      'include/sub/extra.h': '#define EXTRA 1\n',
      'lib/greet.c': `#include "greet.h"\nconst char *greeting(void) { return "hello from the prefix"; } /* ${nonce} */\n`,
      'util/twice.c': 'int twice(int x) { return 2 * x; }\n',
      'src/main.c': '#include <stdio.h>\n#include "greet.h"\nint main(void) { printf("%s %d\\n", greeting(), twice(21)); return 0; }\n',
    });
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-prefix-'));
    try {
      const r = nixmake(['install', '-C', dir, '--prefix', prefix]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/nixmake install: installed \d+ files and links under /);
      expect(run(path.join(prefix, 'bin/hello'), []).stdout).toBe('hello from the prefix 42\n');
      expect(fs.readlinkSync(path.join(prefix, 'bin/hi'))).toBe('hello');
      expect(fs.statSync(path.join(prefix, 'lib/libgreet.so')).isFile()).toBe(true);
      expect(fs.readlinkSync(path.join(prefix, 'lib/libgreet.so.1'))).toBe('libgreet.so');
      expect(fs.statSync(path.join(prefix, 'lib/libutil.a')).isFile()).toBe(true);
      expect(fs.readFileSync(path.join(prefix, 'include/greet.h'), 'utf8')).toContain('greeting');
      expect(fs.readFileSync(path.join(prefix, 'include/sub/extra.h'), 'utf8')).toBe('#define EXTRA 1\n');
      const pc = fs.readFileSync(path.join(prefix, 'lib/pkgconfig/greet.pc'), 'utf8');
      expect(pc).toContain(`prefix=${prefix}\n`);
      expect(pc).toContain('Libs: -L${libdir} -lgreet\n');
      expect(pc).toContain('Libs.private: -lm\n');
      expect(pc).toContain('Version: 1\n');
      expect(fs.readFileSync(path.join(prefix, 'lib/pkgconfig/util.pc'), 'utf8')).toContain('Libs: -L${libdir} -lutil\n');
      // Installed files are the user's: writable, and a second install replaces them.
      expect(fs.statSync(path.join(prefix, 'bin/hello')).mode & 0o200).toBe(0o200);
      expect(nixmake(['install', '-C', dir, '--prefix', prefix]).code).toBe(0);
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });

  it('says what is missing: a public header entry that does not exist', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ publicHeaders: ['nothere.h'], targets: { a: { type: 'executable', sources: ['a.c'] } } }),
      'a.c': `int main(void) { return 0; } /* ${process.pid} */\n`,
    });
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-prefix-'));
    try {
      const r = nixmake(['install', '-C', dir, '--prefix', prefix]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('"nothere.h" does not exist');
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });
});
