/**
 * scenarios: the rebuild scenarios the benchmark times, as edits to a
 * Workspace. Each edit is new in every repetition (it carries a unique tag),
 * so no tool can answer from a state it built before; `undo` (not timed)
 * puts the tree back where a scenario must not leave it changed.
 *
 * Scenarios do not build or time anything: see `run`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Workspace } from './Workspace.js';

export interface FlagState {
  /** A define unique to the last clean build, on every target (it makes "clean" clean in the Nix store too). */
  clean: string[];
  /** The flag-change scenario's flags, per target. */
  perTarget: Record<string, string[]>;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Forget every earlier build before this one (tool.reset). */
  readonly resets?: boolean;
  /** Whether a workspace supports it (a real project has no shadow header, say). */
  applies(w: Workspace): boolean;
  edit(w: Workspace, flags: FlagState, tag: string): void;
  undo?(w: Workspace, flags: FlagState): void;
}

const append = (w: Workspace, rel: string, text: string): void => fs.appendFileSync(path.join(w.dir, rel), text);

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'clean',
    description: 'clean build (state removed; a new define on every target so the Nix store cannot answer)',
    resets: true,
    applies: () => true,
    edit(w, flags, tag) {
      flags.clean = [`-DNIXMAKE_BENCH_CLEAN=${tag}`];
      w.setFlags(flags.clean, flags.perTarget);
    },
  },
  { name: 'noop', description: 'no-op: nothing changed', applies: () => true, edit() {} },
  {
    name: 'edit-c',
    description: 'edit one .c (a new global)',
    applies: () => true,
    edit(w, _flags, tag) {
      append(w, w.files.cFile, `int nixmake_bench_${tag} = 1;\n`);
    },
  },
  {
    name: 'edit-header',
    description: 'edit a header that about 5% of TUs include',
    applies: () => true,
    edit(w, _flags, tag) {
      append(w, w.files.header, `\n#define NIXMAKE_BENCH_${tag} 1\n`);
    },
  },
  {
    name: 'comment-c',
    description: 'comment-only edit to one .c (early cutoff)',
    applies: () => true,
    edit(w, _flags, tag) {
      append(w, w.files.cFile, `/* nixmake bench ${tag} */\n`);
    },
  },
  {
    name: 'flag',
    description: 'change a flag for one target',
    applies: (w) => w.files.flagTarget !== undefined,
    edit(w, flags, tag) {
      flags.perTarget = { [w.files.flagTarget as string]: [`-DNIXMAKE_BENCH_FLAG=${tag}`] };
      w.setFlags(flags.clean, flags.perTarget);
    },
  },
  {
    name: 'shadow',
    description: 'add a header that shadows another (earlier in the search path)',
    applies: (w) => w.files.shadowPath !== undefined,
    edit(w, _flags, tag) {
      const text = fs.readFileSync(path.join(w.dir, w.files.shadowed as string), 'utf8');
      fs.writeFileSync(path.join(w.dir, w.files.shadowPath as string), `${text}/* shadowing copy ${tag} */\n`);
    },
    undo(w) {
      fs.rmSync(path.join(w.dir, w.files.shadowPath as string));
    },
  },
  {
    name: 'delete-unused-header',
    description: 'delete a header that nothing includes',
    applies: (w) => w.files.unusedHeader !== undefined,
    edit(w) {
      const p = path.join(w.dir, w.files.unusedHeader as string);
      fs.renameSync(p, `${p}.deleted`);
    },
    undo(w) {
      const p = path.join(w.dir, w.files.unusedHeader as string);
      fs.renameSync(`${p}.deleted`, p);
    },
  },
];
