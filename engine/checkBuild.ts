/**
 * checkBuild: `nixmake build --check`. Rebuilds every object and link of
 * the last build (the memo's current nodes whose GC root still names their
 * output) through the daemon in Nix's check mode (bmCheck), which builds the
 * derivation again and compares the new output with the valid one, bit for
 * bit. The derivations are input-addressed, so Nix really compares; with
 * `keep-failed` on (the caller's store must set it) it keeps a differing
 * rebuild at `<out>.check`, whose NAR hash is read here so that the report
 * says what differs: the NAR hash recorded and the one rebuilt.
 *
 * It builds nothing that was not built, writes neither the memo nor a GC
 * root, and decides nothing about staleness.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NodeRecord } from '../cache/Memo.js';
import { openMemo } from '../cache/openMemo.js';
import { ProjectLock } from '../cache/ProjectLock.js';
import { UserError } from '../core/Diagnostic.js';
import { narOfPath, narSha256Hex } from '../store/nar.js';
import { toNixBase32 } from '../store/nixbase32.js';
import type { NixStore } from '../store/NixStore.js';
import type { EventSink } from './events.js';
import { ProjectFiles } from './ProjectFiles.js';

export interface CheckOptions {
  readonly root: string;
  readonly jobs: number;
  readonly signal: AbortSignal;
}

export interface CheckResult {
  readonly checked: number;
  readonly notReproducible: number;
  /** Rebuilds that failed (the compile itself, or the daemon). */
  readonly failed: number;
  readonly interrupted: boolean;
}

/** How Nix 2.8 names the kept rebuild (local-derivation-goal.cc, registerOutputs, with keep-failed). */
const DIFFERS_FROM = /differs from '([^']+)'/;

/** `src/x.c` for an object (`obj:<target>:<tu>`), the target for a link (`link:<target>`). */
export function nodeLabel(key: string): { kind: 'object' | 'link'; label: string } {
  if (key.startsWith('link:')) return { kind: 'link', label: key.slice('link:'.length) };
  const rest = key.slice('obj:'.length);
  return { kind: 'object', label: rest.slice(rest.indexOf(':') + 1) };
}

export function nixHash(hex: string): string {
  return `sha256:${toNixBase32(Buffer.from(hex, 'hex'))}`;
}

/** The last build's nodes, objects before links. */
function lastBuild(files: ProjectFiles, current: ReadonlyMap<string, NodeRecord>): [string, NodeRecord][] {
  const nodes = [...current].filter(([key, rec]) => files.readLink(files.gcRootFor(key)) === rec.out && fs.existsSync(rec.out));
  return nodes.sort(([a], [b]) => (a.startsWith('obj:') === b.startsWith('obj:') ? (a < b ? -1 : 1) : a.startsWith('obj:') ? -1 : 1));
}

export async function checkBuild(opts: CheckOptions, deps: { emit: EventSink; store: () => NixStore }): Promise<CheckResult> {
  const files = new ProjectFiles(opts.root);
  if (!fs.existsSync(files.memoFile)) throw new UserError(`nothing to check: ${opts.root} has no build yet (run nixmake build first)`);
  const lock = new ProjectLock(path.join(files.stateDir, 'lock'));
  await lock.acquire((pid) => deps.emit({ event: 'diagnostic', diagnostic: { severity: 'warning', message: `waiting for another nixmake (pid ${pid}) working on this project` } }), opts.signal);
  let store: NixStore | undefined;
  try {
    const memo = openMemo(files.memoFile, (d) => deps.emit({ event: 'diagnostic', diagnostic: d }));
    let nodes: [string, NodeRecord][];
    try {
      nodes = lastBuild(files, memo.currentNodes());
    } finally {
      memo.close();
    }
    if (nodes.length === 0) throw new UserError(`nothing to check: ${opts.root} has no build yet (run nixmake build first)`);
    store = deps.store();
    const s = store;
    const { default: PQueue } = await import('p-queue');
    const queue = new PQueue({ concurrency: Math.max(1, opts.jobs) });
    let notReproducible = 0;
    let failed = 0;
    const t0 = performance.now();
    await Promise.all(
      nodes.map(([key, rec]) =>
        queue.add(async () => {
          if (opts.signal.aborted) return;
          const { kind, label } = nodeLabel(key);
          const r = await s.build(rec.drv, opts.signal, undefined, 2);
          if (opts.signal.aborted) return;
          if (r.ok) {
            deps.emit({ event: 'node-checked', node: key, kind, label, reproducible: true, nar_hash: nixHash(rec.narHash) });
            return;
          }
          if (r.status !== 'NotDeterministic') {
            failed++;
            deps.emit({ event: 'node-failed', node: key, kind, label, message: `could not rebuild it to check it: ${r.message}`, log: r.log });
            return;
          }
          notReproducible++;
          const kept = DIFFERS_FROM.exec(r.message)?.[1] ?? `${rec.out}.check`;
          let rebuilt: string | undefined;
          try {
            rebuilt = nixHash(narSha256Hex(narOfPath(kept)));
          } catch {
            rebuilt = undefined;
          }
          deps.emit({
            event: 'node-checked',
            node: key,
            kind,
            label,
            reproducible: false,
            nar_hash: nixHash(rec.narHash),
            ...(rebuilt === undefined ? {} : { rebuilt_nar_hash: rebuilt, check_path: kept }),
          });
        }),
      ),
    );
    const interrupted = opts.signal.aborted;
    deps.emit({ event: 'check-summary', checked: nodes.length, not_reproducible: notReproducible, failed, seconds: Math.round(performance.now() - t0) / 1000 });
    return { checked: nodes.length, notReproducible, failed, interrupted };
  } finally {
    store?.close();
    lock.release();
  }
}
