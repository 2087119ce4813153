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
  /** The GNU target triple of an imported toolchain (x86_64-linux-gnu), for host packages. */
  readonly target?: string;
  /** Store paths every derivation takes as inputs (the imported toolchain's, or a store toolchain's roots). */
  readonly storePaths: readonly string[];
  /** Flags for every compile and link (`--sysroot=…` for an imported toolchain). */
  readonly cflags: readonly string[];
  /** Further flags for every executable and shared-library link (interpreter and rpath into the store). */
  readonly ldflags: readonly string[];
  /**
   * Environment that generators' commands get so that the host packages'
   * tools find their own files in the store rather than at the /usr paths
   * they were configured with: `BISON_PKGDATADIR` (bison's skeletons) and
   * `M4` when the packages hold them. Empty without host packages.
   */
  readonly toolEnv?: Readonly<Record<string, string>>;
  /** The compiler's built-in include directories, in search order. */
  readonly systemIncludeDirs: { readonly c: readonly string[]; readonly 'c++': readonly string[] };
}
