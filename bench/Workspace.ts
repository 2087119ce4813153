/**
 * Workspace: one tool's copy of a benchmark project, and the edits the
 * scenarios make to it. Every tool gets the same edits in the same order,
 * each just before its own build.
 *
 * `SyntheticWorkspace` edits a generated project (flags through
 * `writeBuildFiles`); `RealWorkspace` edits a real project's tree (Lua, jq:
 * flags in nixmake.json and in one Makefile variable). Neither builds
 * anything.
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

/**
 * A real project built by its own Makefile and by nixmake (nixmake.json in
 * its root): flags go into nixmake.json's top-level cflags and into one
 * variable line of a Makefile.
 */
export class RealWorkspace implements Workspace {
  private readonly config: Record<string, unknown>;
  private readonly makefileText: string;

  constructor(
    readonly dir: string,
    readonly files: Workspace['files'],
    readonly check: Workspace['check'],
    private readonly makefile: { path: string; line: RegExp; write: (flags: readonly string[]) => string },
  ) {
    this.config = JSON.parse(fs.readFileSync(path.join(dir, 'nixmake.json'), 'utf8')) as Record<string, unknown>;
    this.makefileText = fs.readFileSync(path.join(dir, makefile.path), 'utf8');
  }

  setFlags(all: readonly string[]): void {
    const cflags = [...((this.config['cflags'] as string[] | undefined) ?? []), ...all];
    fs.writeFileSync(path.join(this.dir, 'nixmake.json'), `${JSON.stringify({ ...this.config, cflags }, null, 2)}\n`);
    fs.writeFileSync(path.join(this.dir, this.makefile.path), this.makefileText.replace(this.makefile.line, this.makefile.write(all)));
  }
}

/** Lua 5.4: flags in src/Makefile's MYCFLAGS. */
export const luaWorkspace = (dir: string): Workspace =>
  new RealWorkspace(
    dir,
    { cFile: 'src/lstrlib.c', header: 'src/lstring.h' },
    { args: ['-e', 'print(string.format("%d %s", 6 * 7, _VERSION))'], expected: '42 Lua 5.4\n' },
    { path: 'src/Makefile', line: /^MYCFLAGS=.*$/m, write: (f) => `MYCFLAGS= ${f.join(' ')}` },
  );

/** jq 1.6 (configured by autotools): flags in the Makefile's CFLAGS. */
export const jqWorkspace = (dir: string): Workspace =>
  new RealWorkspace(
    dir,
    { cFile: 'src/jv_print.c', header: 'src/jv.h' },
    { args: ['-n', '[1,2,39]|add'], expected: '42\n' },
    { path: 'Makefile', line: /^CFLAGS = .*$/m, write: (f) => `CFLAGS = -g -O2 ${f.join(' ')}` },
  );
