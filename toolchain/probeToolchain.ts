/**
 * probeToolchain: asks the configured compiler who it is (version, helper
 * programs, built-in include directories) and hashes its binaries.
 *
 * Spawning the compiler costs tens of milliseconds, so the result is kept in
 * the memo with the stat of every file it hashed; while those stats are
 * unchanged, a later run only stats them. It does not check that the
 * toolchain is usable inside the Nix sandbox.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../cache/hashes.js';
import type { FileHasher } from '../cache/FileHasher.js';
import type { MemoStore } from '../cache/Memo.js';
import type { ToolchainConfig } from '../config/Config.js';
import { UserError } from '../core/Diagnostic.js';
import type { Toolchain } from './Toolchain.js';

/** Bump when the probe's output changes, so an old cached probe is not reused. */
const MEMO_KEY = 'toolchain-v3';

interface Cached {
  readonly config: ToolchainConfig;
  readonly files: Record<string, string>;
  readonly toolchain: ProbedToolchain;
}

export function nixSystem(): string {
  const arch = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686' }[process.arch as string] ?? process.arch;
  return `${arch}-${process.platform === 'darwin' ? 'darwin' : 'linux'}`;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new UserError(`toolchain: ${cmd} not found (set "toolchain" in nixmake.json)`);
  }
  if (r.status !== 0) throw new UserError(`toolchain: \`${cmd} ${args.join(' ')}\` failed: ${(r.stderr ?? '').trim() || `exit ${r.status}`}`);
  return r.stdout;
}

export function searchDirs(cc: string, lang: 'c' | 'c++', env: NodeJS.ProcessEnv, flags: readonly string[] = []): string[] {
  // gcc -v prints its search list on stderr.
  const out = spawnSync(cc, [...flags, `-x${lang}`, '-E', '-v', '-o', '/dev/null', '/dev/null'], { env, encoding: 'utf8' }).stderr ?? '';
  const start = out.indexOf('#include <...> search starts here:');
  const end = out.indexOf('End of search list.');
  if (start < 0 || end < 0) return [];
  return out
    .slice(start, end)
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('/'))
    .map((l) => path.normalize(l.replace(/ \(framework directory\)$/, '')));
}

function which(name: string, dirs: readonly string[]): string | undefined {
  if (name.includes('/')) return fs.existsSync(name) ? name : undefined;
  for (const d of dirs) {
    const p = path.join(d, name);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

export type ProbedToolchain = Omit<Toolchain, 'storePaths' | 'cflags' | 'ldflags'>;

export function probeToolchain(config: ToolchainConfig, memo: Pick<MemoStore, 'getMeta' | 'setMeta'>, hasher: FileHasher): ProbedToolchain {
  const cachedText = memo.getMeta(MEMO_KEY);
  if (cachedText) {
    const cached = JSON.parse(cachedText) as Cached;
    if (JSON.stringify(cached.config) === JSON.stringify(config) && Object.entries(cached.files).every(([f, h]) => hasher.hash(f) === h)) {
      return cached.toolchain;
    }
  }
  const env = { ...process.env, PATH: config.path.join(':'), LC_ALL: 'C' };
  const version = run(config.cc, ['--version'], env).split('\n')[0] ?? '';
  const helpers = ['cc1', 'cc1plus', 'collect2', 'as', 'ld']
    .map((p) => run(config.cc, [`-print-prog-name=${p}`], env).trim())
    .map((p) => which(p, config.path))
    .filter((p): p is string => p !== undefined);
  const files: Record<string, string> = {};
  for (const f of [config.cc, config.cxx, config.ar, config.shell, ...helpers]) {
    let real: string;
    try {
      real = fs.realpathSync(f);
    } catch {
      throw new UserError(`toolchain: ${f} does not exist (set "toolchain" in nixmake.json)`);
    }
    const h = hasher.hash(real);
    if (h) files[real] = h;
  }
  const cxxVersion = run(config.cxx, ['--version'], env).split('\n')[0] ?? '';
  const id = sha256(JSON.stringify({ version, cxxVersion, files: Object.entries(files).sort() }));
  const toolchain: ProbedToolchain = {
    ...config,
    system: nixSystem(),
    id,
    version,
    systemIncludeDirs: { c: searchDirs(config.cc, 'c', env), 'c++': searchDirs(config.cxx, 'c++', env) },
  };
  memo.setMeta(MEMO_KEY, JSON.stringify({ config, files, toolchain } satisfies Cached));
  return toolchain;
}
