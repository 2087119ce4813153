/**
 * report: a benchmark run (BenchResult) → a markdown table of medians and
 * ratios, and an SVG bar chart. Pure: the runner writes the files.
 * Tools appear in TOOL_ORDER, so nixmake, nix-floor, ninja and make stand
 * side by side; a ratio is shown when both of its tools ran.
 */
import { SHARED_PHASES } from './phases.js';
import type { PhaseCell } from './phases.js';
import type { ScanRates } from './scanRates.js';
import type { Stats } from './stats.js';

export interface Cell {
  readonly seconds: readonly number[];
  readonly stats: Stats;
  readonly compiles: readonly number[];
  readonly links: readonly number[];
  /** Runs whose binary did not print the expected output (or whose build failed). */
  readonly wrong: number;
  /** Where the seconds went, per part, when the tool reports it (nix-floor: instantiate, realise). */
  readonly parts?: Readonly<Record<string, Stats>>;
  /** nixmake: its phases, per-node overhead and shares of wall time (see phases.ts). */
  readonly phases?: PhaseCell;
}

/** Every tool the bench knows, in the order of every table's columns. */
export const TOOL_ORDER: readonly string[] = ['nixmake', 'nixmake-remote', 'nixmake-fetch', 'nix-floor', 'ninja', 'make', 'nix-monolithic', 'nix-export'];

/** The ratios of medians the tables show, as [numerator, denominator]. */
export const RATIOS: readonly (readonly [string, string])[] = [
  ['nixmake', 'nix-floor'],
  ['nixmake', 'ninja'],
  ['nixmake', 'make'],
  ['nixmake', 'nix-monolithic'],
  ['nixmake-remote', 'nixmake'],
  ['nixmake-fetch', 'make'],
  ['nix-floor', 'ninja'],
];

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
  /** scenario → the tools that do not take part in it (nix-floor: every scenario but clean). */
  readonly notApplicable?: Readonly<Record<string, readonly string[]>>;
  /** scenario → "a ÷ b" → ratio of medians (see `ratios`), null when one side has no figure. */
  readonly ratios?: Readonly<Record<string, Readonly<Record<string, number | null>>>>;
  /** nixmake's include scan rates, files per second (see scanRates). */
  readonly scan?: ScanRates;
}

const shownRatios = (r: BenchResult): (readonly [string, string])[] => RATIOS.filter(([a, b]) => r.tools.includes(a) && r.tools.includes(b));
const na = (r: BenchResult, scenario: string, tool: string): boolean => r.notApplicable?.[scenario]?.includes(tool) === true;

/** The ratios of medians for every scenario, between tools that both ran. */
export function ratios(r: BenchResult): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  for (const s of r.scenarios) {
    const row = r.cells[s.name];
    if (!row) continue;
    out[s.name] = Object.fromEntries(
      shownRatios(r).map(([a, b]) => {
        const x = row[a]?.stats.median;
        const y = row[b]?.stats.median;
        return [`${a} ÷ ${b}`, x === undefined || y === undefined || !(y > 0) || Number.isNaN(x) ? null : x / y];
      }),
    );
  }
  return out;
}

const fmt = (s: number): string => (Number.isNaN(s) ? '–' : s < 10 ? s.toFixed(3) : s.toFixed(1));
const counts = (c: Cell): string => {
  const uniq = (xs: readonly number[]): string => [...new Set(xs)].join('/');
  return `${uniq(c.compiles)}+${uniq(c.links)}`;
};

export function markdownTable(r: BenchResult): string {
  if (Object.keys(r.cells).length === 0) return `${scanLine(r)}\n`;
  const tools = r.tools;
  const pairs = shownRatios(r);
  const rs = r.ratios ?? ratios(r);
  const head = ['scenario', ...tools.map((t) => `${t} s`), ...pairs.map(([a, b]) => `${a} ÷ ${b}`), 'compiles+links'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const s of r.scenarios) {
    const row = r.cells[s.name];
    if (!row) continue;
    const cells = tools.map((t) => {
      const c = row[t];
      if (!c) return na(r, s.name, t) ? 'n/a' : '–';
      return `${fmt(c.stats.median)} (${fmt(c.stats.min)}–${fmt(c.stats.max)})${c.wrong > 0 ? ` ⚠${c.wrong} wrong` : ''}`;
    });
    const inv = tools.filter((t) => row[t]).map((t) => `${t} ${counts(row[t] as Cell)}`).join(', ');
    const rat = pairs.map(([a, b]) => {
      const v = rs[s.name]?.[`${a} ÷ ${b}`];
      return v === undefined || v === null ? '–' : v.toFixed(2);
    });
    lines.push(`| ${[s.name, ...cells, ...rat, inv].join(' | ')} |`);
  }
  const n = Math.max(0, ...Object.values(r.cells).flatMap((row) => Object.values(row).map((c) => c.stats.n)));
  lines.push('', `Median (min–max) wall seconds over ${n} interleaved runs per cell; compiles+links are compiler invocations per run (distinct values joined by /).`);
  if (Object.keys(r.notApplicable ?? {}).length > 0) lines.push('n/a: the tool does not take part in that scenario (nix-floor times clean builds only: one salted derivation per compile, no links).');
  for (const s of r.scenarios) {
    for (const t of tools) {
      const parts = r.cells[s.name]?.[t]?.parts;
      if (parts) lines.push(`${t} ${s.name}: ${Object.entries(parts).map(([k, v]) => `${k} ${fmt(v.median)} s (${fmt(v.min)}–${fmt(v.max)})`).join(' + ')}, medians.`);
    }
  }
  if (r.scan) lines.push(scanLine(r));
  for (const tool of ['nixmake', 'nixmake-remote']) {
    const phases = phaseTable(r, tool);
    if (phases) lines.push('', phases);
  }
  return `${lines.join('\n')}\n`;
}

const pct = (s: Stats): string => (Number.isNaN(s.median) ? '–' : `${(100 * s.median).toFixed(0)}%`);

/** A nixmake tool's phases per scenario (medians), or '' when none of its cells reported them. */
export function phaseTable(r: BenchResult, tool = 'nixmake'): string {
  const rows = r.scenarios.flatMap((s) => {
    const c = r.cells[s.name]?.[tool];
    return c?.phases ? [{ name: s.name, wall: c.stats, p: c.phases }] : [];
  });
  if (rows.length === 0) return '';
  const head = ['scenario', `${tool} s`, 'nodes built', 'overhead per node ms', ...SHARED_PHASES.map((p) => `${p} s (% of wall)`), 'running s'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const { name, wall, p } of rows) {
    const o = p.overheadPerNode;
    const overhead = Number.isNaN(o.median) ? '–' : `${(1000 * o.median).toFixed(1)} (${(1000 * o.min).toFixed(1)}–${(1000 * o.max).toFixed(1)})`;
    const shares = SHARED_PHASES.map((k) => `${fmt(p.seconds[k].median)} (${pct(p.shareOfWall[k])})`);
    lines.push(`| ${[name, fmt(wall.median), [...new Set(p.nodes)].join('/'), overhead, ...shares, fmt(p.seconds.running.median)].join(' | ')} |`);
  }
  lines.push(
    '',
    `${tool} phases, medians over runs: overhead per node = (building − running) ÷ (objects + links built), what the daemon adds to each build beyond the compiler or linker; inputs, derivations, building and running are summed over built nodes, which run up to J at a time, so their share of wall time can reach J × 100%.`,
  );
  return lines.join('\n');
}

function scanLine(r: BenchResult): string {
  if (!r.scan) return '';
  const rate = (s: Stats): string => `${s.median.toFixed(0)} files/s (${s.min.toFixed(0)}–${s.max.toFixed(0)}, n=${s.n})`;
  return `nixmake include scan (\`build --dry-run\` on a copy): cold ${rate(r.scan.cold)}, ${r.scan.coldFiles} files parsed on all cores; warm ${rate(r.scan.warm)}, ${r.scan.warmFiles} scans read from the memo and every TU walked again.`;
}

const COLORS: Record<string, string> = { nixmake: '#2b6cb0', 'nix-floor': '#805ad5', ninja: '#38a169', make: '#d69e2e', 'nix-monolithic': '#c53030' };

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
      if (na(r, s.name, t)) out.push(`<text x="${(x0 + j * barW + barW / 2).toFixed(1)}" y="${H - bottom - 4}" text-anchor="middle" font-size="9" fill="#777">n/a</text>`);
      if (v === undefined || !(v > 0)) return;
      out.push(`<rect x="${(x0 + j * barW).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(H - bottom - y(v)).toFixed(1)}" fill="${COLORS[t] ?? '#777'}"><title>${escape(`${s.name} ${t}: ${v.toFixed(3)} s`)}</title></rect>`);
    });
    out.push(`<text x="${(x0 + groupW / 2 - 6).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle">${escape(s.name)}</text>`);
    const floor = r.ratios?.[s.name]?.['nixmake ÷ nix-floor'];
    if (floor !== undefined && floor !== null) out.push(`<text x="${(x0 + groupW / 2 - 6).toFixed(1)}" y="${H - bottom + 30}" text-anchor="middle" fill="#555">${escape(`nixmake ÷ nix-floor ${floor.toFixed(2)}`)}</text>`);
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
