/**
 * scanWorker: the body of one scanning thread. Receives a batch of files,
 * scans each with `scanFile`, and posts the results back in the same order
 * (`null` for a file that could not be read or parsed), with the bytes
 * parsed.
 *
 * It holds no cache and touches no database: `ScanCache` owns both.
 */
import { parentPort } from 'node:worker_threads';
import type { Grammar } from './scanIncludes.js';
import { scanFile } from './scanFile.js';
import type { ScannedFile } from './scanFile.js';

export interface ScanJob {
  readonly abs: string;
  readonly grammar: Grammar;
}

/** What a worker answers for a batch: the results, and how many bytes of source it parsed (see scanInWorkers). */
export interface ScanReply {
  readonly results: (ScannedFile | null)[];
  readonly bytes: number;
}

parentPort?.on('message', (batch: readonly ScanJob[]) => {
  let bytes = 0;
  const results = batch.map((job) => {
    const r = scanFile(job.abs, job.grammar);
    bytes += r?.bytes ?? 0;
    return r ?? null;
  });
  const reply: ScanReply = { results, bytes };
  parentPort?.postMessage(reply);
});
