/**
 * Files from outside the project never enter the world-readable store
 * unless the config allows their folder: a header that is a symlink to a
 * private file outside the root fails its TU, naming the link and its
 * target, even when its #include sits inside #if 0, and never prints the
 * file's content.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { narOfFile, narSha256Hex } from '../../store/nar.js';
import { makeSourcePath } from '../../store/storePath.js';
import { build, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);

describe('a symlink out of the project', () => {
  it('is refused with the link and its target named, and its content stays out of the store', () => {
    const secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-private-'));
    const secret = path.join(secretDir, 'secret.h');
    const content = `/* TOP-SECRET ${process.pid}-${Date.now()} */\n#define KEY 42\n`;
    fs.writeFileSync(secret, content, { mode: 0o600 });
    try {
      const dir = project({
        'nixmake.json': JSON.stringify({ includeDirs: ['include'], targets: { app: { type: 'executable', sources: ['src/*.c'] } } }),
        'src/main.c': '#if 0\n#include "private.h"\n#endif\nint main(void) { return 0; }\n',
      });
      fs.mkdirSync(path.join(dir, 'include'));
      fs.symlinkSync(secret, path.join(dir, 'include/private.h'));
      const r = build(dir);
      expect(r.code).toBe(1);
      const failed = r.events.filter((e) => e['event'] === 'node-failed').map((e) => String(e['message']));
      expect(failed).toEqual([
        `include/private.h links to ${secret}, outside the project: nixmake does not copy files from outside the project into the store; list its folder in "externalDirs" in nixmake.json to allow it`,
      ]);
      expect(r.stdout + r.stderr).not.toContain('TOP-SECRET');
      const wouldBe = makeSourcePath('nixmake-input', narSha256Hex(narOfFile(Buffer.from(content), false)));
      expect(fs.existsSync(wouldBe)).toBe(false);
    } finally {
      fs.rmSync(secretDir, { recursive: true, force: true });
    }
  });
});
