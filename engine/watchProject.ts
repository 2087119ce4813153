/**
 * watchProject: `nixmake watch`. Starts watching the tree, builds, then
 * builds again whenever a source, header, `nixmake.json` or its compile
 * database changes (`triggersBuild`), until the signal aborts.
 *
 * - Changes are gathered until none has come for `quietMs`, or `maxMs`
 *   after the first of them, whichever is sooner: a burst of saves is one
 *   build, and no change waits more than `maxMs` before its build starts.
 * - A change that arrives while a build runs is kept; one more build follows.
 * - Each build is a whole `build()` in this process: modules, tree-sitter
 *   and the JIT stay warm, and the memo (read afresh by every build) is what
 *   carries state from one build to the next. `build()` takes the project
 *   lock and opens the daemon connections only for its own duration, so the
 *   watcher holds neither while it waits (no temporary GC roots pin the store).
 * - A failed build keeps watching; the signal (Ctrl-C) cancels the build in
 *   flight, as `build` does, and ends the watch with 130.
 *
 * It does not print (it emits events) and does not know how changes are
 * detected (`watch` is passed in).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE } from '../config/Config.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED } from './build.js';
import type { EventSink } from './events.js';
import { triggersBuild } from './watchFilter.js';

export interface WatchOptions {
  readonly root: string;
  readonly signal: AbortSignal;
  /** A burst ends after this many quiet milliseconds… */
  readonly quietMs: number;
  /** …or this many after its first change. */
  readonly maxMs: number;
}

export interface Watching {
  readonly folders: number;
  close(): void;
}

export interface WatchDeps {
  readonly emit: EventSink;
  /** One whole build; its exit code (0, 1, 130). */
  readonly build: (signal: AbortSignal) => Promise<number>;
  /** Starts reporting changed project-relative paths; throws if the root cannot be watched. */
  readonly watch: (onPaths: (rels: readonly string[]) => void) => Watching;
}

export const DEFAULT_QUIET_MS = 20;
export const DEFAULT_MAX_MS = 50;

/** The files the config names: `nixmake.json` and, if it names one, the compile database. */
export function configFiles(root: string): Set<string> {
  const named = new Set([CONFIG_FILE]);
  try {
    const db = (JSON.parse(fs.readFileSync(path.join(root, CONFIG_FILE), 'utf8')) as Record<string, unknown>)['compileCommands'];
    if (typeof db === 'string') {
      const rel = path.relative(root, path.resolve(root, db)).split(path.sep).join('/');
      if (!rel.startsWith('..')) named.add(rel);
    }
  } catch {
    // an unreadable or broken config: the build says why
  }
  return named;
}

export async function watchProject(opts: WatchOptions, deps: WatchDeps): Promise<number> {
  const { signal } = opts;
  let named = configFiles(opts.root);
  const pending = new Set<string>();
  let first = 0;
  let last = 0;
  let wake: (() => void) | undefined;
  const onPaths = (rels: readonly string[]): void => {
    const before = pending.size;
    for (const r of rels) if (triggersBuild(r, named)) pending.add(r);
    if (pending.size === before) return;
    last = performance.now();
    if (before === 0) first = last;
    wake?.();
  };

  let watching: Watching;
  try {
    watching = deps.watch(onPaths);
  } catch (err) {
    deps.emit({ event: 'diagnostic', diagnostic: { severity: 'error', message: `cannot watch ${opts.root} for changes: ${(err as Error).message}` } });
    return EXIT_FAILURE;
  }

  /** The paths of the next burst, once it has settled; undefined when the signal aborts. */
  const nextBurst = async (): Promise<string[] | undefined> => {
    for (;;) {
      if (signal.aborted) return undefined;
      const wait = pending.size === 0 ? Infinity : Math.min(last + opts.quietMs, first + opts.maxMs) - performance.now();
      if (wait <= 0) {
        const files = [...pending].sort();
        pending.clear();
        return files;
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        };
        const timer = wait === Infinity ? undefined : setTimeout(done, wait);
        wake = pending.size === 0 ? done : undefined; // while a burst settles, only the clock or the signal ends the wait
        signal.addEventListener('abort', done);
      });
    }
  };

  /** One build, under a signal of its own that the watch's aborts: nothing a build leaves on it outlives the build. */
  const buildOnce = async (): Promise<number> => {
    const own = new AbortController();
    const abort = (): void => own.abort();
    signal.addEventListener('abort', abort);
    try {
      if (signal.aborted) own.abort();
      return await deps.build(own.signal);
    } finally {
      signal.removeEventListener('abort', abort);
    }
  };

  try {
    let code = await buildOnce();
    if (signal.aborted || code === EXIT_INTERRUPTED) return EXIT_INTERRUPTED;
    deps.emit({ event: 'watch-ready', folders: watching.folders });
    for (;;) {
      named = configFiles(opts.root);
      const files = await nextBurst();
      if (files === undefined) return EXIT_INTERRUPTED;
      deps.emit({ event: 'watch-rebuild', files });
      code = await buildOnce();
      if (signal.aborted || code === EXIT_INTERRUPTED) return EXIT_INTERRUPTED;
    }
  } finally {
    watching.close();
  }
}
