/**
 * scanInWorkers: scans many files on all cores. Starts up to `threads`
 * worker threads (each loads tree-sitter once), deals the files out in
 * batches, and answers the results in input order.
 *
 * Starting a thread costs tens of milliseconds, so callers use this only
 * for large batches (a cold scan); it does no caching of its own. When the
 * compiled worker is not available (sources run directly, as in unit
 * tests), it answers undefined and the caller scans in its own thread.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ScanResult } from './scanIncludes.js';
import type { ScanJob } from './scanWorker.js';

const WORKER = new URL('./scanWorker.js', import.meta.url);
const BATCH = 64;

export function workersAvailable(): boolean {
  return fs.existsSync(fileURLToPath(WORKER));
}

export async function scanInWorkers(jobs: readonly ScanJob[], threads: number): Promise<(ScanResult | undefined)[]> {
  const results: (ScanResult | undefined)[] = new Array<ScanResult | undefined>(jobs.length);
  let next = 0;
  const runWorker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(WORKER);
      let start = 0;
      const send = (): void => {
        if (next >= jobs.length) {
          void w.terminate().then(() => resolve());
          return;
        }
        start = next;
        next = Math.min(jobs.length, next + BATCH);
        w.postMessage(jobs.slice(start, next));
      };
      w.on('message', (batch: (ScanResult | null)[]) => {
        batch.forEach((r, i) => {
          results[start + i] = r ?? undefined;
        });
        send();
      });
      w.on('error', reject);
      send();
    });
  const n = Math.max(1, Math.min(threads, Math.ceil(jobs.length / BATCH)));
  await Promise.all(Array.from({ length: n }, runWorker));
  return results;
}
