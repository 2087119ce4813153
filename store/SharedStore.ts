/**
 * SharedStore: one store kept open across the consecutive builds of
 * `nixmake watch`. Each build leases it; a lease's close() ends only the
 * lease. The store itself closes once no lease has been open for `idleMs`,
 * when a lease asks for other settings (a changed nixmake.json), or when the
 * watch ends.
 *
 * Why: the daemon serves each connection in a process of its own, which
 * keeps what it computed (every input derivation's hash, read from its .drv
 * when a derivation naming it is added: a link of 1,000 objects reads 1,000
 * of them), so a connection that outlives one build makes the next one
 * cheaper. Why not forever: a connection holds every path it added as a
 * temporary GC root until it closes, and a watcher may run for days.
 *
 * It does not open connections itself (the store it is given does, on first
 * use) and knows nothing of builds beyond their leases.
 */
import type { NixStore } from './NixStore.js';

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class SharedStore {
  private current: { key: string; store: NixStore } | undefined;
  private leases = 0;
  private timer: unknown;

  constructor(
    private readonly idleMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  /** A lease on the store opened with settings `key` (`open` makes one when there is none for them). */
  lease(key: string, open: () => NixStore): NixStore {
    this.timers.clear(this.timer);
    this.timer = undefined;
    if (this.current && this.current.key !== key) this.closeStore();
    const entry = (this.current ??= { key, store: open() });
    this.leases++;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      this.leases--;
      if (this.leases === 0 && this.current === entry) this.timer = this.timers.set(() => this.closeStore(), this.idleMs);
    };
    return new Proxy(entry.store, {
      get: (target, prop, receiver): unknown => {
        if (prop === 'close') return end;
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /** Closes the store now (the watch ends). */
  close(): void {
    this.timers.clear(this.timer);
    this.timer = undefined;
    this.closeStore();
  }

  private closeStore(): void {
    this.current?.store.close();
    this.current = undefined;
  }
}
