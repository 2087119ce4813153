/**
 * compdb: `nixmake compdb` — a compilation database (compile_commands.json,
 * `arguments` form) for clangd and other tools, with each TU's real flags:
 * the toolchain's own (`--sysroot=<store path>`, host packages' include
 * folders) then the TU's, as its derivation compiles it. Project files are
 * named by their project paths from the project root (the folder builds run
 * in, as in the sandbox), the toolchain by its store paths, each object by
 * a place under `.nixmake/compdb/` (made, so the command runs as it
 * stands). The sandbox-only flags (prefix maps, random seed, colour) are
 * left out.
 *
 * `compileCommands` is pure; `compdb` reads the config and resolves the
 * toolchain (importing it into the store when that was never done). It
 * does no include analysis and builds nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { languageOf } from '../analyzers/language.js';
import type { Language } from '../analyzers/language.js';
import { FileHasher } from '../cache/FileHasher.js';
import { openMemo } from '../cache/openMemo.js';
import type { Config } from '../config/Config.js';
import { compileFlags, objectsOf } from '../config/compileFlags.js';
import type { SourceLists } from '../config/expandSources.js';
import type { Diagnostic } from '../core/Diagnostic.js';
import { resolveToolchain } from '../toolchain/resolveToolchain.js';
import type { Toolchain } from '../toolchain/Toolchain.js';
import { loadSelection } from './selectTargets.js';
import { ProjectFiles } from './ProjectFiles.js';

export interface CompdbEntry {
  readonly directory: string;
  readonly file: string;
  readonly arguments: readonly string[];
  readonly output: string;
}

/** The object's place under `.nixmake/compdb/` (project-relative), one per target and TU. */
export function compdbOutput(target: string, tu: string, variant?: string): string {
  return path.posix.join('.nixmake', 'compdb', target, `${tu}${variant === undefined ? '' : `-${variant}`}.o`);
}

export function compileCommands(config: Config, sources: SourceLists, tc: Toolchain): CompdbEntry[] {
  const entries: CompdbEntry[] = [];
  for (const [name, t] of [...config.targets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const { tu, variant } of objectsOf(config, t, sources.get(name) ?? [])) {
      const lang = (languageOf(tu) ?? 'c') as Language;
      const output = compdbOutput(name, tu, variant);
      const source = tu.startsWith('-') ? `./${tu}` : tu;
      entries.push({
        directory: config.root,
        file: tu,
        arguments: [lang === 'c++' ? tc.cxx : tc.cc, '-c', ...tc.cflags, ...compileFlags(config, t, lang, tu, variant), '-o', output, source],
        output,
      });
    }
  }
  return entries;
}

export async function compdb(root: string, targets: readonly string[], diag: (d: Diagnostic) => void): Promise<CompdbEntry[] | undefined> {
  const sel = loadSelection(root, targets, diag);
  if (!sel) return undefined;
  const { config, sources } = sel;
  const files = new ProjectFiles(config.root);
  files.ensureStateDir();
  const memo = openMemo(files.memoFile, diag);
  let tc: Toolchain;
  try {
    const hasher = new FileHasher(memo);
    tc = await resolveToolchain(config.toolchain, memo, hasher, files.stateDir, config.hostPackages);
    hasher.flush();
  } finally {
    memo.close();
  }
  const entries = compileCommands(config, sources, tc);
  for (const e of entries) fs.mkdirSync(path.dirname(path.join(config.root, e.output)), { recursive: true });
  return entries;
}
