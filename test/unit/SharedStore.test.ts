/**
 * SharedStore: consecutive leases share one store; it closes after the idle
 * time with no lease, when other settings are asked for, and at the end.
 */
import { describe, expect, it } from 'vitest';
import type { NixStore } from '../../store/NixStore.js';
import { SharedStore } from '../../store/SharedStore.js';
import type { Timers } from '../../store/SharedStore.js';

class FakeStore {
  closed = 0;
  constructor(readonly id: number) {}
  async validPaths(paths: readonly string[]): Promise<Set<string>> {
    return new Set(paths.filter(() => this.closed === 0));
  }
  close(): void {
    this.closed++;
  }
}

class FakeTimers implements Timers {
  pending = new Map<number, () => void>();
  private next = 0;
  set(fn: () => void): unknown {
    this.pending.set(++this.next, fn);
    return this.next;
  }
  clear(h: unknown): void {
    this.pending.delete(h as number);
  }
  fire(): void {
    const fns = [...this.pending.values()];
    this.pending.clear();
    for (const f of fns) f();
  }
}

function setup(): { shared: SharedStore; timers: FakeTimers; opened: FakeStore[]; open: () => NixStore } {
  const timers = new FakeTimers();
  const opened: FakeStore[] = [];
  const open = (): NixStore => {
    const s = new FakeStore(opened.length);
    opened.push(s);
    return s as unknown as NixStore;
  };
  return { shared: new SharedStore(10_000, timers), timers, opened, open };
}

describe('SharedStore', () => {
  it('gives consecutive builds the same store; a lease closed leaves it open, and methods reach it', async () => {
    const { shared, opened, open } = setup();
    const a = shared.lease('k', open);
    expect(await a.validPaths(['/nix/store/x'])).toEqual(new Set(['/nix/store/x']));
    a.close();
    a.close();
    const b = shared.lease('k', open);
    b.close();
    expect(opened).toHaveLength(1);
    expect(opened[0]?.closed).toBe(0);
  });

  it('closes the store once the idle time passes with no lease, and opens a new one for the next build', () => {
    const { shared, timers, opened, open } = setup();
    shared.lease('k', open).close();
    expect(timers.pending.size).toBe(1);
    timers.fire();
    expect(opened[0]?.closed).toBe(1);
    shared.lease('k', open).close();
    expect(opened).toHaveLength(2);
  });

  it('does not close while a lease is open, and a new lease stops the idle clock', () => {
    const { shared, timers, opened, open } = setup();
    shared.lease('k', open).close();
    const held = shared.lease('k', open);
    expect(timers.pending.size).toBe(0);
    timers.fire();
    expect(opened[0]?.closed).toBe(0);
    held.close();
    expect(timers.pending.size).toBe(1);
  });

  it('opens another store for other settings, closing the first, and closes everything at the end', () => {
    const { shared, opened, open } = setup();
    shared.lease('one', open).close();
    shared.lease('two', open).close();
    expect(opened.map((s) => s.closed)).toEqual([1, 0]);
    shared.close();
    expect(opened.map((s) => s.closed)).toEqual([1, 1]);
  });
});
