/**
 * utf8Order: strings in the order of their UTF-8 bytes, the order of Nix's
 * std::set / std::map of std::string (StorePathSet on the wire, the sets
 * and maps of a .drv). JS's `<` compares UTF-16 code units, which agrees
 * except where a surrogate pair meets a char ≥ U+E000, so only lists that
 * hold such a char pay for a comparison of their own; store paths and most
 * text take the native sort, without a Buffer per comparison.
 *
 * Pure; knows nothing of what the strings are.
 */

/** Compares as UTF-8 bytes do. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

function utf8Rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}

// Only strings with a char ≥ U+D800 sort differently as UTF-16; the rest take the native sort.
const HIGH = /[\ud800-\uffff]/;

/** Sorts `xs` in place in UTF-8 byte order, and answers it. */
export function sortUtf8(xs: string[]): string[] {
  return xs.some((x) => HIGH.test(x)) ? xs.sort(compareUtf8) : xs.sort();
}

/** Sorted, without duplicates: a std::set<std::string>. `xs` is not changed. */
export function sortedSet(xs: Iterable<string>): string[] {
  return sortUtf8([...new Set(xs)]);
}
