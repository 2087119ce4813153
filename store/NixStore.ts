/**
 * NixStore: everything the engine asks of Nix, behind one small interface.
 * `NixDaemonStore` talks to the real daemon; unit tests use a fake.
 *
 * The engine never spawns Nix itself, and this interface knows nothing of
 * plans, fingerprints or the memo.
 */

export interface StorePaths {
  readonly drv: string;
  readonly out: string;
}

/** The JSON document `nix-templates/graph.nix` reads. */
export interface EvalPlan {
  readonly toolchain: unknown;
  readonly objects: Readonly<Record<string, unknown>>;
  readonly links: Readonly<Record<string, unknown>>;
  /** Already-built nodes that planned links refer to. */
  readonly built: Readonly<Record<string, StorePaths>>;
}

export type RealiseResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly log: string; readonly message: string };

export interface NixStore {
  /** Instantiates every node of the plan in one evaluation: node key → paths. */
  instantiate(plan: EvalPlan, signal?: AbortSignal): Promise<Map<string, StorePaths>>;
  /** Builds one derivation through the daemon and registers `gcRoot` for its output. */
  realise(drv: string, gcRoot: string, signal?: AbortSignal): Promise<RealiseResult>;
  /** Registers `gcRoot` for an output path that is already valid. */
  addRoot(out: string, gcRoot: string, signal?: AbortSignal): Promise<void>;
}

/** Nix could not be used at all (daemon down, not installed): not a build failure. */
export class StoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

/** A Nix command failed for a reason other than a build failure (an evaluation error, say). */
export class NixCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NixCommandError';
  }
}
