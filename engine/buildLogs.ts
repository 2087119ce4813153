/**
 * buildLogs: each node's last build log, kept under `.nixmake/logs/` from
 * what the daemon streamed during the build (Nix 2.8's protocol has no
 * operation that reads a log back), and each built node's duration, kept in
 * the memo for the next build's estimates.
 *
 * One file per node key (named by its hash), replaced atomically, at most
 * `MAX_LOG_BYTES`: a longer log keeps its end (where a failure's error is)
 * under a line saying how much was cut. Logs of nodes that left the graph
 * are pruned with their GC roots, so the folder holds at most one log per
 * node. Keeping history is a convenience: a folder it cannot write is one
 * warning, never a failed build.
 *
 * It does not decide which node a file or a target names (see nodeLog),
 * and it never prints.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../cache/hashes.js';
import { writeAtomically } from '../core/writeAtomically.js';
import type { DurationStore } from '../cache/Memo.js';
import type { BuildEvent, EventSink } from './events.js';

/** The most of one node's log that is kept (its end). */
export const MAX_LOG_BYTES = 256 * 1024;

/** The last MAX_LOG_BYTES of `log`, from a line start, under a note of what was cut. */
export function boundLog(log: string, max = MAX_LOG_BYTES): string {
  const bytes = Buffer.from(log, 'utf8');
  if (bytes.length <= max) return log;
  let start = bytes.length - max;
  const nl = bytes.indexOf(0x0a, start);
  if (nl >= 0 && nl < bytes.length - 1) start = nl + 1;
  return `[nixmake: the first ${start} bytes of this log were cut]\n${bytes.subarray(start).toString('utf8')}`;
}

export class BuildLogs {
  constructor(readonly dir: string) {}

  fileFor(nodeKey: string): string {
    return path.join(this.dir, `${sha256(nodeKey).slice(0, 24)}.log`);
  }

  /** Replaces the node's log, atomically (a reader sees the old log or the new one). */
  write(nodeKey: string, log: string): void {
    fs.mkdirSync(this.dir, { recursive: true });
    writeAtomically(this.fileFor(nodeKey), boundLog(log));
  }

  /** The node's last log, or undefined when none was kept. */
  read(nodeKey: string): string | undefined {
    try {
      return fs.readFileSync(this.fileFor(nodeKey), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Removes the logs of nodes not in `keep`. */
  prune(keep: ReadonlySet<string>): number {
    const wanted = new Set([...keep].map((k) => path.basename(this.fileFor(k))));
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      if (wanted.has(name)) continue;
      fs.rmSync(path.join(this.dir, name), { force: true });
      removed++;
    }
    return removed;
  }
}

/**
 * An event sink that keeps the log of every node built or failed and the
 * duration of every node built, then passes each event on. A fault while
 * keeping logs is reported once, as a warning, and keeping logs stops.
 */
export function keepingHistory(next: EventSink, logs: BuildLogs, durations: Pick<DurationStore, 'recordDuration'>): EventSink {
  let broken = false;
  const keep = (e: BuildEvent): void => {
    // The memo is written like any record of a built node: a fault there is the build's fault.
    // An output the daemon found already valid (no log) took no build: its time says nothing.
    if (e.event === 'node-built' && e.log !== undefined) durations.recordDuration(e.node, e.timings.building);
    if (broken) return;
    try {
      if (e.event === 'node-built') {
        if (e.log !== undefined) logs.write(e.node, e.log);
      } else if (e.event === 'node-failed') {
        logs.write(e.node, e.log.trim() === '' ? `${e.message}\n` : e.log);
      }
    } catch (err) {
      broken = true;
      next({
        event: 'diagnostic',
        diagnostic: { severity: 'warning', message: `could not keep build logs in ${logs.dir} (${(err as Error).message}); the build goes on, but nixmake log will not show this build` },
      });
    }
  };
  return (e) => {
    keep(e);
    next(e);
  };
}
