/**
 * scanInWorkers: scans many files on all cores. Starts up to `threads`
 * worker threads (each loads tree-sitter once), deals the files out in
 * batches, and answers the results in input order.
 *
 * Starting a thread costs tens of milliseconds, so callers use this only
 * for large batches (a cold scan); it does no caching of its own. If a
 * worker fails or exits early, every worker is stopped and the promise
 * rejects: the caller then scans in its own thread. When the compiled
 * worker is not available (sources run directly, as in unit tests),
 * `workersAvailable` says so.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ScannedFile } from './scanFile.js';
import type { ScanJob } from './scanWorker.js';

const WORKER = new URL('./scanWorker.js', import.meta.url);
const BATCH = 64;

export function workersAvailable(): boolean {
  return fs.existsSync(fileURLToPath(WORKER));
}

/** `onProgress` hears how many files are scanned so far, after each batch. */
export async function scanInWorkers(jobs: readonly ScanJob[], threads: number, onProgress?: (done: number) => void): Promise<(ScannedFile | undefined)[]> {
  const results: (ScannedFile | undefined)[] = new Array<ScannedFile | undefined>(jobs.length);
  const workers: Worker[] = [];
  let next = 0;
  let finished = 0;
  const runWorker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(WORKER);
      workers.push(w);
      let start = 0;
      let done = false;
      const send = (): void => {
        if (next >= jobs.length) {
          done = true;
          resolve();
          return;
        }
        start = next;
        next = Math.min(jobs.length, next + BATCH);
        w.postMessage(jobs.slice(start, next));
      };
      w.on('message', (batch: (ScannedFile | null)[]) => {
        batch.forEach((r, i) => {
          results[start + i] = r ?? undefined;
        });
        finished += batch.length;
        onProgress?.(finished);
        send();
      });
      w.on('error', reject);
      w.on('exit', (code) => {
        if (!done) reject(new Error(`scan worker exited early (code ${code})`));
      });
      send();
    });
  const n = Math.max(1, Math.min(threads, Math.ceil(jobs.length / BATCH)));
  try {
    await Promise.all(Array.from({ length: n }, runWorker));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
