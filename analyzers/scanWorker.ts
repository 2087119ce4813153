/**
 * scanWorker: the body of one scanning thread. Receives a batch of files,
 * reads and scans each with `scanIncludes`, and posts the results back in
 * the same order (`null` for a file that could not be read or parsed).
 *
 * It holds no cache and touches no database: `ScanCache` owns both.
 */
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { scanIncludes } from './scanIncludes.js';
import type { Grammar, ScanResult } from './scanIncludes.js';

export interface ScanJob {
  readonly abs: string;
  readonly grammar: Grammar;
}

parentPort?.on('message', (batch: readonly ScanJob[]) => {
  const results: (ScanResult | null)[] = batch.map((job) => {
    try {
      return scanIncludes(fs.readFileSync(job.abs, 'utf8'), job.grammar);
    } catch {
      return null;
    }
  });
  parentPort?.postMessage(results);
});
