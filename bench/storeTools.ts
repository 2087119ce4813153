/**
 * storeTools: the tools a monolithic derivation needs in a stock sandbox —
 * the host toolchain imported into the store (as nixmake's own builds use
 * it) plus bash, make, coreutils, sed and grep imported from the host's
 * Debian packages (nixmake's `hostPackages`), and any further packages a
 * project needs (jq: `libonig-dev`) — as JSON on stdout:
 * `{storePaths, path, bash, flags}`, where `flags` are what every `gcc`
 * command needs to compile and link against the store's C library (and
 * the packages' headers and libraries).
 *
 *   node dist/bench/storeTools.js STATE_DIR [PACKAGE...]
 *
 * Run as a child process by MonolithicNixTool (the benchmark's set-up is
 * synchronous). It builds nothing and imports only what is missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileHasher } from '../cache/FileHasher.js';
import { HOST_TOOLCHAIN } from '../config/parseConfig.js';
import { resolveToolchain } from '../toolchain/resolveToolchain.js';

export interface StoreTools {
  readonly storePaths: readonly string[];
  readonly path: readonly string[];
  readonly bash: string;
  readonly flags: readonly string[];
}

export const SANDBOX_TOOL_PACKAGES = ['bash', 'coreutils', 'grep', 'make', 'sed'];

async function main(stateDir: string, extra: readonly string[]): Promise<void> {
  const memo = { getMeta: (): undefined => undefined, setMeta: (): void => undefined, loadFiles: () => new Map(), saveFiles: (): void => undefined };
  fs.mkdirSync(stateDir, { recursive: true });
  const tc = await resolveToolchain(HOST_TOOLCHAIN, memo, new FileHasher(memo), stateDir, [...SANDBOX_TOOL_PACKAGES, ...extra]);
  const bash = tc.path.map((d) => path.join(d, 'bash')).find((p) => fs.existsSync(p));
  if (!bash) throw new Error('no bash among the imported host packages');
  const tools: StoreTools = { storePaths: tc.storePaths, path: tc.path, bash, flags: [...tc.cflags, ...tc.ldflags] };
  process.stdout.write(`${JSON.stringify(tools)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2] ?? path.join(process.cwd(), '.store-tools'), process.argv.slice(3)).catch((e: unknown) => {
    process.stderr.write(`storeTools: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
