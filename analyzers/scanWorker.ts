/**
 * scanWorker: the body of one scanning thread. Receives a batch of files,
 * scans each with `scanFile`, and posts the results back in the same order
 * (`null` for a file that could not be read or parsed).
 *
 * It holds no cache and touches no database: `ScanCache` owns both.
 */
import { parentPort } from 'node:worker_threads';
import type { Grammar } from './scanIncludes.js';
import { scanFile } from './scanFile.js';

export interface ScanJob {
  readonly abs: string;
  readonly grammar: Grammar;
}

parentPort?.on('message', (batch: readonly ScanJob[]) => {
  parentPort?.postMessage(batch.map((job) => scanFile(job.abs, job.grammar) ?? null));
});
