/**
 * Workspace: one tool's copy of a benchmark project, and the edits the
 * scenarios make to it. Every tool gets the same edits in the same order,
 * each just before its own build.
 *
 * `SyntheticWorkspace` edits a generated project (flags through
 * `writeBuildFiles`); `LuaWorkspace` edits Lua's tree (flags in nixmake.json
 * and in src/Makefile's MYCFLAGS). Neither builds anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeBuildFiles } from './generateProject.js';
import type { GeneratedProject } from './generateProject.js';

export interface Workspace {
  readonly dir: string;
  /** The edit targets: a .c, a popular header, an unused one, and so on. */
  readonly files: { cFile: string; header: string; shadowed?: string; shadowPath?: string; unusedHeader?: string; flagTarget?: string };
  /** Extra cflags: `all` for every target, `perTarget` on top. */
  setFlags(all: readonly string[], perTarget: Readonly<Record<string, readonly string[]>>): void;
  /** How to run the built executable, and what it must print. */
  readonly check: { args: readonly string[]; expected: string };
}

export class SyntheticWorkspace implements Workspace {
  readonly files;
  readonly check;

  constructor(readonly dir: string, private readonly project: GeneratedProject, private readonly cc: string) {
    const e = project.edits;
    this.files = { cFile: e.cFile, header: e.popularHeader, shadowed: e.shadowed, shadowPath: e.shadowPath, unusedHeader: e.unusedHeader, flagTarget: e.flagTarget };
    this.check = { args: [], expected: project.expectedOutput };
  }

  setFlags(all: readonly string[], perTarget: Readonly<Record<string, readonly string[]>>): void {
    const extraFlags: Record<string, string[]> = {};
    for (const t of this.project.targets) extraFlags[t.name] = [...all, ...(perTarget[t.name] ?? [])];
    writeBuildFiles({ ...this.project, dir: this.dir }, { cc: this.cc, extraFlags });
  }
}

export class LuaWorkspace implements Workspace {
  readonly files = { cFile: 'src/lstrlib.c', header: 'src/lstring.h' };
  readonly check = { args: ['-e', 'print(string.format("%d %s", 6 * 7, _VERSION))'], expected: '42 Lua 5.4\n' };
  private readonly config: { cflags: string[] };
  private readonly makefile: string;

  constructor(readonly dir: string) {
    this.config = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as { cflags: string[] };
    this.makefile = fs.readFileSync(path.join(dir, 'src/Makefile'), 'utf8');
  }

  setFlags(all: readonly string[]): void {
    const config = { ...this.config, cflags: [...this.config.cflags, ...all] };
    fs.writeFileSync(path.join(this.dir, 'nixmake.json'), `${JSON.stringify(config, null, 2)}\n`);
    fs.writeFileSync(path.join(this.dir, 'src/Makefile'), this.makefile.replace(/^MYCFLAGS=.*$/m, `MYCFLAGS= ${all.join(' ')}`));
  }
}
