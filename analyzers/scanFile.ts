/**
 * scanFile: reads one file and scans it, answering the scan together with
 * the content hash of the very bytes scanned, so a scan is never cached
 * under the hash of another version of the file (one edited in between).
 * Used in the main thread and in scan workers; no caching here.
 */
import fs from 'node:fs';
import { contentHash } from '../cache/hashes.js';
import type { ContentHash } from '../cache/hashes.js';
import { scanIncludes } from './scanIncludes.js';
import type { Grammar, ScanResult } from './scanIncludes.js';

export interface ScannedFile {
  readonly result: ScanResult;
  readonly hash: ContentHash;
  /** The file's size: what the parse cost (and what node-tree-sitter keeps of it, see scanInWorkers). */
  readonly bytes: number;
}

export function scanFile(abs: string, grammar: Grammar): ScannedFile | undefined {
  try {
    const bytes = fs.readFileSync(abs);
    return { result: scanIncludes(bytes.toString('utf8'), grammar), hash: contentHash(bytes), bytes: bytes.length };
  } catch {
    return undefined;
  }
}
