/**
 * scanInWorkers: scans many files on all cores. Starts up to `threads`
 * worker threads (each loads tree-sitter once), deals the files out in
 * batches, and answers the results in input order.
 *
 * Starting a thread costs tens of milliseconds, so callers use this only
 * for large batches (a cold scan); it does no caching of its own.
 *
 * node-tree-sitter 0.22 never frees a parse tree (about 40 bytes of native
 * memory per byte of source, kept after any collection), but a worker's are
 * freed when it exits: so a worker is replaced once it has parsed
 * RECYCLE_BYTES, which bounds what scanning holds at any time to about
 * threads × 40 × RECYCLE_BYTES, whatever the size of the tree. If a
 * worker fails or exits early, every worker is stopped and the promise
 * rejects: the caller then scans in its own thread. When the compiled
 * worker is not available (sources run directly, as in unit tests),
 * `workersAvailable` says so.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ScannedFile } from './scanFile.js';
import type { ScanJob, ScanReply } from './scanWorker.js';

const WORKER = new URL('./scanWorker.js', import.meta.url);
const BATCH = 64;
/** Source bytes a worker parses before it is replaced (see above): about 120 MB of trees at most; NIXMAKE_SCAN_RECYCLE_BYTES to tune. */
const RECYCLE_BYTES = ((): number => {
  const n = Number.parseInt(process.env['NIXMAKE_SCAN_RECYCLE_BYTES'] ?? '', 10);
  return Number.isInteger(n) && n > 0 ? n : 3_000_000;
})();

export function workersAvailable(): boolean {
  return fs.existsSync(fileURLToPath(WORKER));
}

/** `onProgress` hears how many files are scanned so far, after each batch. */
export async function scanInWorkers(jobs: readonly ScanJob[], threads: number, onProgress?: (done: number) => void): Promise<(ScannedFile | undefined)[]> {
  const results: (ScannedFile | undefined)[] = new Array<ScannedFile | undefined>(jobs.length);
  const workers = new Set<Worker>();
  let next = 0;
  let finished = 0;
  /** One thread's work: batches until none is left, or until it has parsed RECYCLE_BYTES (then `true`: start another). */
  const runWorker = (): Promise<boolean> =>
    new Promise((resolve, reject) => {
      const w = new Worker(WORKER);
      workers.add(w);
      let start = 0;
      let done = false;
      let parsed = 0;
      const finish = (more: boolean): void => {
        done = true;
        workers.delete(w);
        void w.terminate().then(() => resolve(more), reject);
      };
      const send = (): void => {
        if (next >= jobs.length) return finish(false);
        if (parsed >= RECYCLE_BYTES) return finish(true);
        start = next;
        next = Math.min(jobs.length, next + BATCH);
        w.postMessage(jobs.slice(start, next));
      };
      w.on('message', (reply: ScanReply) => {
        reply.results.forEach((r, i) => {
          results[start + i] = r ?? undefined;
        });
        parsed += reply.bytes;
        finished += reply.results.length;
        onProgress?.(finished);
        send();
      });
      w.on('error', reject);
      w.on('exit', (code) => {
        if (!done) reject(new Error(`scan worker exited early (code ${code})`));
      });
      send();
    });
  const runThread = async (): Promise<void> => {
    while (await runWorker()) {
      // replaced: what the last worker's trees held is free again
    }
  };
  const n = Math.max(1, Math.min(threads, Math.ceil(jobs.length / BATCH)));
  try {
    await Promise.all(Array.from({ length: n }, runThread));
  } finally {
    await Promise.all([...workers].map((w) => w.terminate()));
  }
  return results;
}
