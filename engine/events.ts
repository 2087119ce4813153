/**
 * events: what the engine reports while it works, as a tagged union.
 * Reporters (reporters/) decide how to show them; the engine never prints.
 */
import type { Diagnostic } from '../core/Diagnostic.js';
import type { Reason } from './reason.js';
import type { WatchEvent } from './watchEvents.js';

/** What a node is: a generator's run, a compile, a link. */
export type NodeKind = 'generate' | 'object' | 'link';

export interface Summary {
  /** Generators run (only in projects that have generators). */
  readonly generators_built?: number;
  readonly objects_built: number;
  readonly links_built: number;
  /** Links planned but not rebuilt: the outputs they link were unchanged (early cutoff). */
  readonly cut_off: number;
  /** Objects and links fetched from a binary cache (a substituter) instead of built; not in objects_built or links_built. */
  readonly substituted: number;
  /** Of the nodes built, those a remote builder built (only when there were some). */
  readonly built_remotely?: number;
  readonly up_to_date: number;
  readonly failed: number;
  readonly submitted: number;
  readonly seconds: number;
  readonly phases: PhaseSeconds;
}

/** Seconds a built node spent in each phase (see execute). */
export interface NodeTimings {
  /** Waiting for a job slot after its inputs were ready. */
  queued: number;
  /** Adding its input files to the store (objects). */
  inputs: number;
  /** Computing and writing its derivation. */
  derivation: number;
  /** The daemon's build, as the client saw it (sandbox set-up, the program, registration). */
  building: number;
  /** The program alone (compiler, linker, ar), as the builder measured it. */
  running: number;
}

/** Seconds summed over the built nodes, per phase, and the analysis. */
export interface PhaseSeconds {
  readonly analysis: number;
  readonly inputs: number;
  readonly derivations: number;
  readonly queued: number;
  readonly building: number;
  readonly running: number;
}

export type BuildEvent =
  | { readonly event: 'diagnostic'; readonly diagnostic: Diagnostic }
  /** Include analysis: `cached` TUs reused their last closure; the others used `files` scans, `scanned` of them parsed this run. */
  /** `noop_stamp`: answered from the no-op stamp (nothing changed since the last build; see noopStamp), nothing else loaded. */
  | {
      readonly event: 'analysis';
      readonly tus: number;
      readonly cached: number;
      readonly files: number;
      readonly scanned: number;
      readonly seconds: number;
      readonly noop_stamp?: true;
      /** When the build started from the last stamp's baseline (an edit since): of the `cached` closures, those it vouched for, unhashed. */
      readonly baseline?: number;
    }
  /** How far include analysis is: `scan` parses files (a cold start, on worker threads), `walk` follows each TU's includes. */
  | { readonly event: 'analysis-progress'; readonly stage: 'scan' | 'walk'; readonly done: number; readonly total: number }
  | { readonly event: 'plan'; readonly to_build: number; readonly up_to_date: number; readonly dry_run: boolean }
  | {
      readonly event: 'node-planned';
      readonly node: string;
      readonly kind: NodeKind;
      readonly label: string;
      readonly reason: Reason;
      /** How long the node's last build took (the daemon's build, seconds), when the memo knows. */
      readonly expected_seconds?: number;
    }
  | {
      readonly event: 'node-started';
      readonly node: string;
      readonly kind: NodeKind;
      /** `src/foo.c` for objects, the target name for links, the generator's name for generators. */
      readonly label: string;
      readonly index: number;
      readonly total: number;
      readonly reason: Reason;
      /** The job slot (0 … jobs − 1) that builds it. */
      readonly slot: number;
      /** Seconds between the start and this event: a node started while the analysis went on is said after the plan. */
      readonly said_late_seconds?: number;
    }
  /** One line of a node's build log, as the daemon streams it (project-relative paths). */
  | { readonly event: 'node-log'; readonly node: string; readonly label: string; readonly line: string }
  | {
      readonly event: 'node-built';
      readonly node: string;
      readonly kind: NodeKind;
      readonly label: string;
      readonly drv: string;
      readonly out: string;
      readonly seconds: number;
      readonly timings: NodeTimings;
      /** The build log (project-relative paths; compiler warnings); absent when the daemon ran no build (the output was already valid, or fetched). */
      readonly log?: string;
      /** The daemon fetched the output from a substituter (a binary cache) instead of building it. */
      readonly fetched?: true;
      /** The remote builder (its store URI) that built it; absent when it was built on this machine. */
      readonly machine?: string;
    }
  | {
      readonly event: 'node-failed';
      readonly node: string;
      readonly kind: NodeKind;
      readonly label: string;
      readonly message: string;
      /** The build log, with sandbox paths made project-relative. */
      readonly log: string;
      /** Where the daemon kept the failed build's tree (`--keep-failed`). */
      readonly kept_build_dir?: string;
    }
  /** A planned link whose inputs' outputs were unchanged: its previous output was reused. */
  | { readonly event: 'node-cutoff'; readonly node: string; readonly kind: 'link' | 'generate'; readonly label: string; readonly out: string }
  | { readonly event: 'node-skipped'; readonly node: string; readonly because: string }
  | { readonly event: 'result-link'; readonly target: string; readonly path: string; readonly out: string }
  | ({ readonly event: 'summary' } & Summary)
  /**
   * `build --check`: a node of the last build rebuilt and compared. When it differs, the NAR hash
   * rebuilt and where the daemon kept the rebuild (`<out>.check`), if it could be read.
   */
  | {
      readonly event: 'node-checked';
      readonly node: string;
      readonly kind: 'object' | 'link';
      readonly label: string;
      readonly reproducible: boolean;
      readonly nar_hash: string;
      readonly rebuilt_nar_hash?: string;
      readonly check_path?: string;
    }
  | { readonly event: 'check-summary'; readonly checked: number; readonly not_reproducible: number; readonly failed: number; readonly seconds: number }
  | WatchEvent;

export type EventSink = (e: BuildEvent) => void;

export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
