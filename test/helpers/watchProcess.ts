/**
 * Test rig for `nixmake watch --json`: runs the real CLI in the background,
 * keeps its JSON events as they arrive, and waits for the ones a test needs.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { CLI, REPO } from './project.js';

export type Event = Record<string, unknown>;

export class WatchProcess {
  readonly events: Event[] = [];
  /** performance.now() at which each event arrived. */
  readonly times: number[] = [];
  stderr = '';
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();

  constructor(dir: string, extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [CLI, 'watch', '--json', '-C', dir, ...extra], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout?.on('data', (b: Buffer) => {
      buf += b.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        this.events.push(JSON.parse(line) as Event);
        this.times.push(performance.now());
      }
      for (const l of [...this.listeners]) l();
    });
    this.child.stderr?.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Events of one kind (`summary`, `watch-rebuild`, …). */
  all(kind: string): Event[] {
    return this.events.filter((e) => e['event'] === kind);
  }

  /** Resolves once `pred` holds (checked on every new event), or rejects after `ms`. */
  until(pred: () => boolean, what: string, ms = 60_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.slice(-8))}; stderr: ${this.stderr}`));
      }, ms);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  /** Waits until `n` builds have ended (a `summary` each) and returns the n-th summary. */
  async summary(n: number): Promise<Event> {
    await this.until(() => this.all('summary').length >= n, `summary #${n}`);
    return this.all('summary')[n - 1] as Event;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** Stops it (SIGINT) and returns its exit code. */
  async stop(): Promise<number> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    return this.exited;
  }
}
