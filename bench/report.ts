/**
 * report: a benchmark run (BenchResult) → a markdown table of medians and
 * ratios, and an SVG bar chart. Pure: the runner writes the files.
 */
import type { ScanRates } from './scanRates.js';
import type { Stats } from './stats.js';

export interface Cell {
  readonly seconds: readonly number[];
  readonly stats: Stats;
  readonly compiles: readonly number[];
  readonly links: readonly number[];
  /** Runs whose binary did not print the expected output (or whose build failed). */
  readonly wrong: number;
}

export interface BenchResult {
  readonly command: string;
  readonly date: string;
  readonly machine: Readonly<Record<string, string | number>>;
  readonly project: Readonly<Record<string, unknown>>;
  readonly reps: number;
  readonly tools: readonly string[];
  readonly scenarios: readonly { name: string; description: string }[];
  /** scenario → tool → cell */
  readonly cells: Readonly<Record<string, Readonly<Record<string, Cell>>>>;
  /** nixmake's include scan rates, files per second (see scanRates). */
  readonly scan?: ScanRates;
}

const fmt = (s: number): string => (Number.isNaN(s) ? '–' : s < 10 ? s.toFixed(3) : s.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || !(b > 0) ? '–' : (a / b).toFixed(2));
const counts = (c: Cell): string => {
  const uniq = (xs: readonly number[]): string => [...new Set(xs)].join('/');
  return `${uniq(c.compiles)}+${uniq(c.links)}`;
};

export function markdownTable(r: BenchResult): string {
  if (Object.keys(r.cells).length === 0) return `${scanLine(r)}\n`;
  const tools = r.tools;
  const head = ['scenario', ...tools.map((t) => `${t} s`), 'nixmake ÷ ninja', 'nixmake ÷ make', 'nixmake ÷ nix-monolithic', 'compiles+links'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const s of r.scenarios) {
    const row = r.cells[s.name];
    if (!row) continue;
    const med = (t: string): number | undefined => row[t]?.stats.median;
    const cells = tools.map((t) => {
      const c = row[t];
      if (!c) return '–';
      return `${fmt(c.stats.median)} (${fmt(c.stats.min)}–${fmt(c.stats.max)})${c.wrong > 0 ? ` ⚠${c.wrong} wrong` : ''}`;
    });
    const inv = tools.filter((t) => row[t]).map((t) => `${t} ${counts(row[t] as Cell)}`).join(', ');
    lines.push(`| ${[s.name, ...cells, ratio(med('nixmake'), med('ninja')), ratio(med('nixmake'), med('make')), ratio(med('nixmake'), med('nix-monolithic')), inv].join(' | ')} |`);
  }
  const n = Math.max(0, ...Object.values(r.cells).flatMap((row) => Object.values(row).map((c) => c.stats.n)));
  lines.push('', `Median (min–max) wall seconds over ${n} interleaved runs per cell; compiles+links are compiler invocations per run (distinct values joined by /).`);
  if (r.scan) lines.push(scanLine(r));
  return `${lines.join('\n')}\n`;
}

function scanLine(r: BenchResult): string {
  if (!r.scan) return '';
  const rate = (s: Stats): string => `${s.median.toFixed(0)} files/s (${s.min.toFixed(0)}–${s.max.toFixed(0)}, n=${s.n})`;
  return `nixmake include scan (\`build --dry-run\` on a copy): cold ${rate(r.scan.cold)}, ${r.scan.coldFiles} files parsed on all cores; warm ${rate(r.scan.warm)}, ${r.scan.warmFiles} scans read from the memo and every TU walked again.`;
}

const COLORS: Record<string, string> = { nixmake: '#2b6cb0', ninja: '#38a169', make: '#d69e2e', 'nix-monolithic': '#c53030' };

/** Grouped bars of median seconds per scenario, on a log scale (times span four orders of magnitude). */
export function svgChart(r: BenchResult): string {
  const W = 900;
  const H = 360;
  const left = 60;
  const bottom = 60;
  const top = 40;
  const scen = r.scenarios.filter((s) => r.cells[s.name]);
  const all = scen.flatMap((s) => r.tools.map((t) => r.cells[s.name]?.[t]?.stats.median).filter((x): x is number => x !== undefined && x > 0));
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all, 1))));
  const y = (v: number): number => top + (H - top - bottom) * (1 - (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)));
  const groupW = (W - left - 20) / Math.max(1, scen.length);
  const barW = (groupW - 12) / Math.max(1, r.tools.length);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`];
  out.push(`<text x="${left}" y="18" font-size="13">${escape(`${String(r.project['name'] ?? 'project')}: median wall seconds (log scale), ${r.date}`)}</text>`);
  for (let d = lo; d <= hi; d *= 10) {
    out.push(`<line x1="${left}" x2="${W - 10}" y1="${y(d)}" y2="${y(d)}" stroke="#ddd"/><text x="${left - 6}" y="${y(d) + 4}" text-anchor="end">${d}</text>`);
  }
  scen.forEach((s, i) => {
    const x0 = left + i * groupW + 6;
    r.tools.forEach((t, j) => {
      const v = r.cells[s.name]?.[t]?.stats.median;
      if (v === undefined || !(v > 0)) return;
      out.push(`<rect x="${(x0 + j * barW).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(H - bottom - y(v)).toFixed(1)}" fill="${COLORS[t] ?? '#777'}"><title>${escape(`${s.name} ${t}: ${v.toFixed(3)} s`)}</title></rect>`);
    });
    out.push(`<text x="${(x0 + groupW / 2 - 6).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle">${escape(s.name)}</text>`);
  });
  r.tools.forEach((t, j) => {
    out.push(`<rect x="${left + j * 130}" y="${H - 22}" width="12" height="12" fill="${COLORS[t] ?? '#777'}"/><text x="${left + j * 130 + 16}" y="${H - 12}">${escape(t)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
