/**
 * NixStore: everything the engine asks of Nix, behind one small interface.
 * `NixDaemonStore` talks to the real daemon; unit tests use a fake.
 *
 * The engine never spawns Nix itself, and this interface knows nothing of
 * plans, fingerprints or the memo.
 */

/** The JSON document `nix-templates/graph.nix` reads. */
export interface EvalPlan {
  readonly toolchain: unknown;
  readonly objects: Readonly<Record<string, unknown>>;
  readonly links: Readonly<Record<string, unknown>>;
  /** Already-built nodes that planned links refer to: node key → output path. */
  readonly built: Readonly<Record<string, string>>;
  /** Every input file of the planned objects (absolute path → true). */
  readonly files: Readonly<Record<string, true>>;
  /** Node keys in the order graph.nix lists their derivations. */
  readonly order: readonly string[];
}

export type RealiseResult =
  | { readonly ok: true; readonly out: string }
  | { readonly ok: false; readonly log: string; readonly message: string };

export interface NixStore {
  /**
   * Instantiates every node of the plan in one evaluation: node key →
   * derivation path. The derivations stay GC roots until `release` is
   * called, so a garbage collection before they are built cannot delete them.
   */
  instantiate(plan: EvalPlan, signal?: AbortSignal): Promise<{ drvs: Map<string, string>; release(): void }>;
  /**
   * Builds one derivation through the daemon, registers `gcRoot` for its
   * output and answers the output path (known only after the build: outputs
   * are content-addressed or depend on such outputs).
   */
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
