/**
 * stats: median, min and max of a list of timings. Pure.
 */
export interface Stats {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return { n: 0, median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { n, median, min: s[0] as number, max: s[n - 1] as number };
}
