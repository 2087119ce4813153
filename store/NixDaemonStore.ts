/**
 * NixDaemonStore: the NixStore interface carried out with Nix's own
 * commands, always through the daemon (NIX_REMOTE=daemon), so builds run in
 * its sandbox with its settings.
 *
 * One `nix-instantiate` process evaluates every changed node at once and
 * roots each derivation (indirect roots under .nixmake/tmp, removed when the
 * build ends), so a concurrent garbage collection cannot delete a derivation
 * or its input files before it is built; one
 * `nix-store --realise` per node lets the scheduler start each node as soon
 * as its inputs are built. A failed build's full log is read back with
 * `nix-store --read-log`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EvalPlan, NixStore, RealiseResult } from './NixStore.js';
import { NixCommandError, StoreUnavailableError } from './NixStore.js';

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../nix-templates');

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const DAEMON_DOWN = /cannot connect to socket|Connection refused|No such file or directory.*daemon-socket|cannot connect to daemon/i;

export class NixDaemonStore implements NixStore {
  constructor(
    private readonly options: Readonly<Record<string, string>> = {},
    private readonly tmpDir: string = os.tmpdir(),
  ) {}

  private run(cmd: string, args: readonly string[], signal?: AbortSignal): Promise<RunResult> {
    const optionArgs = Object.entries(this.options).flatMap(([k, v]) => ['--option', k, v]);
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, [...optionArgs, ...args], {
        env: { ...process.env, NIX_REMOTE: 'daemon' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      const onAbort = (): void => {
        child.kill('SIGINT');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e: NodeJS.ErrnoException) => {
        signal?.removeEventListener('abort', onAbort);
        if (e.code === 'ENOENT') reject(new StoreUnavailableError(`${cmd} not found: install Nix (see README, "Install")`));
        else reject(e);
      });
      child.on('close', (code, sig) => {
        signal?.removeEventListener('abort', onAbort);
        const stderr = Buffer.concat(err).toString('utf8');
        if (DAEMON_DOWN.test(stderr)) {
          reject(new StoreUnavailableError(`cannot reach the Nix daemon (${firstErrorLine(stderr)}); start it with: nix-daemon &`));
          return;
        }
        resolve({ code: code ?? (sig ? 130 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr });
      });
    });
  }

  async instantiate(plan: EvalPlan, signal?: AbortSignal): Promise<{ drvs: Map<string, string>; release(): void }> {
    fs.mkdirSync(this.tmpDir, { recursive: true });
    // One process per project at a time (the project lock): roots left by a killed run can go.
    for (const old of fs.readdirSync(this.tmpDir).filter((n) => n.startsWith('drv-roots-'))) {
      fs.rmSync(path.join(this.tmpDir, old), { recursive: true, force: true });
    }
    const planFile = path.join(this.tmpDir, `plan-${process.pid}-${Date.now()}.json`);
    const roots = path.join(this.tmpDir, `drv-roots-${process.pid}`);
    fs.mkdirSync(roots, { recursive: true });
    fs.writeFileSync(planFile, JSON.stringify(plan));
    const release = (): void => fs.rmSync(roots, { recursive: true, force: true });
    try {
      const r = await this.run(
        'nix-instantiate',
        ['--argstr', 'planFile', planFile, '--add-root', path.join(roots, 'drv'), '--indirect', path.join(TEMPLATES_DIR, 'graph.nix')],
        signal,
      );
      if (/experimental Nix feature 'ca-derivations' is disabled/.test(r.stderr)) {
        throw new StoreUnavailableError(
          "Nix's ca-derivations feature is off: add 'experimental-features = nix-command ca-derivations' to /etc/nix/nix.conf and restart nix-daemon (scripts/nix-daemon.sh does both)",
        );
      }
      if (r.code !== 0) throw new NixCommandError(`nix-instantiate failed (exit ${r.code}):\n${r.stderr.trim()}`);
      // One root per derivation, in plan.order: drv, drv-2, drv-3, ...
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      if (lines.length !== plan.order.length) throw new NixCommandError(`nix-instantiate answered ${lines.length} derivations for ${plan.order.length} nodes`);
      const drvs = new Map(plan.order.map((key, i) => [key, fs.readlinkSync(lines[i] as string)]));
      const pause = Number(process.env['NIXMAKE_TEST_PAUSE_AFTER_INSTANTIATE_MS'] ?? 0);
      if (pause > 0) await new Promise((res) => setTimeout(res, pause));
      return { drvs, release };
    } catch (err) {
      release();
      throw err;
    } finally {
      fs.rmSync(planFile, { force: true });
    }
  }

  async realise(drv: string, gcRoot: string, signal?: AbortSignal): Promise<RealiseResult> {
    const r = await this.run('nix-store', ['--realise', drv, '--add-root', gcRoot, '--quiet'], signal);
    // With --add-root, nix-store prints the root's name; the root points at the output.
    if (r.code === 0) return { ok: true, out: fs.readlinkSync(gcRoot) };
    const log = await this.run('nix-store', ['--read-log', drv]).catch(() => undefined);
    return {
      ok: false,
      message: firstErrorLine(r.stderr),
      log: log && log.code === 0 ? log.stdout : r.stderr,
    };
  }

  async addRoot(out: string, gcRoot: string, signal?: AbortSignal): Promise<void> {
    const r = await this.run('nix-store', ['--realise', out, '--add-root', gcRoot, '--quiet'], signal);
    if (r.code !== 0) throw new NixCommandError(`cannot register GC root ${gcRoot}: ${firstErrorLine(r.stderr)}`);
  }
}

function firstErrorLine(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('error:')) ?? stderr.trim().split('\n')[0] ?? '';
  return line.replace(/^error:\s*/, '').trim();
}
