/**
 * Toolchain: the compiler, archiver and shell that builders run, and the
 * identity that goes into every derivation, so that changing the compiler
 * rebuilds everything.
 *
 * `probeToolchain` fills it in; this file only defines it.
 */
import type { ToolchainConfig } from '../config/Config.js';

export interface Toolchain extends ToolchainConfig {
  /** Nix system double, e.g. x86_64-linux. */
  readonly system: string;
  /** sha256 over the versions and binary hashes of every tool. */
  readonly id: string;
  /** Human-readable: `gcc (Debian 12.2.0-14) 12.2.0`. */
  readonly version: string;
  /** The compiler's built-in include directories, in search order. */
  readonly systemIncludeDirs: { readonly c: readonly string[]; readonly 'c++': readonly string[] };
}
