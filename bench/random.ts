/**
 * Random: a small seeded PRNG (mulberry32) with the few draws the project
 * generator needs. Same seed, same sequence, on every platform.
 *
 * It is not cryptographic and not meant for statistics; it only has to be
 * deterministic and spread well enough for synthetic projects.
 */

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, n); n must be at least 1. */
  below(n: number): number {
    return Math.floor((this.uint32() / 0x1_0000_0000) * n);
  }

  /** A uniform integer in [lo, hi); the range must not be empty. */
  inRange(lo: number, hi: number): number {
    return lo + this.below(hi - lo);
  }

  /**
   * Up to `count` distinct integers from [lo, hi), none of them in `taken`,
   * added to `taken`. Takes the whole range when it is too small.
   */
  sampleInto(taken: Set<number>, lo: number, hi: number, count: number): void {
    if (count <= 0 || hi <= lo) return;
    const want = Math.min(taken.size + count, taken.size + Math.max(0, hi - lo - countIn(taken, lo, hi)));
    if (hi - lo <= 2 * count + taken.size) {
      // Small range: shuffle what is free and take a prefix, so the loop below cannot spin.
      const free: number[] = [];
      for (let i = lo; i < hi; i++) if (!taken.has(i)) free.push(i);
      this.shuffle(free);
      for (const i of free.slice(0, want - taken.size)) taken.add(i);
      return;
    }
    while (taken.size < want) taken.add(this.inRange(lo, hi));
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
  }
}

function countIn(set: ReadonlySet<number>, lo: number, hi: number): number {
  let n = 0;
  for (const i of set) if (i >= lo && i < hi) n++;
  return n;
}
