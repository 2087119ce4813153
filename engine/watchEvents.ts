/**
 * watchEvents: what `nixmake watch` reports beside the events of each build
 * (part of the `BuildEvent` union). Reporters decide how to show them.
 */

export type WatchEvent =
  /** Watching has begun; the first build is over. `folders`: folders watched. */
  | { readonly event: 'watch-ready'; readonly folders: number }
  /** A build starts because these project-relative paths changed (sorted; `dir/` is a folder). */
  | { readonly event: 'watch-rebuild'; readonly files: readonly string[] };
