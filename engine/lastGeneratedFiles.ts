/**
 * lastGeneratedFiles: the generators' outputs as the last build made them
 * (each generator's current memo record, while its output is in the
 * store): project-relative path → its file in the store. For commands
 * that analyse without building (`deps`), so a generated header is found
 * as the build finds it. Generators never built are left out (their
 * outputs are then missing, as they would be on disk).
 *
 * It runs nothing and does not decide whether a generator is stale.
 */
import fs from 'node:fs';
import type { MemoStore } from '../cache/Memo.js';
import type { Config } from '../config/Config.js';
import { generatorKey } from '../core/nodeKeys.js';

export function lastGeneratedFiles(config: Config, memo: Pick<MemoStore, 'getCurrent' | 'getNode'>): Map<string, string> {
  const files = new Map<string, string>();
  for (const g of config.generators.values()) {
    const current = memo.getCurrent(generatorKey(g.name));
    const rec = current === undefined ? undefined : memo.getNode(current.fingerprint);
    if (!rec || !fs.existsSync(rec.out)) continue;
    for (const o of g.outputs) files.set(o, `${rec.out}/${o}`);
  }
  return files;
}
