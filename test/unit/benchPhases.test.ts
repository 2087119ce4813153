/**
 * The bench's reading of nixmake's `phases`: per-node overhead, shares of
 * wall time, their medians over runs, and the report's phase table.
 */
import { describe, expect, it } from 'vitest';
import { parsePhases, perNodeOverhead, phaseCell, wallShares } from '../../bench/phases.js';
import { markdownTable } from '../../bench/report.js';
import type { BenchResult } from '../../bench/report.js';
import { stats } from '../../bench/stats.js';

const P = { analysis: 0.5, inputs: 1, derivations: 0.25, queued: 40, building: 12, running: 6 };

describe('phases', () => {
  it('parses a summary\'s phases and refuses a missing or non-numeric field', () => {
    expect(parsePhases(P)).toEqual(P);
    expect(parsePhases({ ...P, running: '6' })).toBeUndefined();
    expect(parsePhases({ analysis: 1 })).toBeUndefined();
    expect(parsePhases(undefined)).toBeUndefined();
  });

  it('divides building − running by the nodes built, NaN when none', () => {
    expect(perNodeOverhead(P, 300)).toBeCloseTo(0.02);
    expect(perNodeOverhead(P, 0)).toBeNaN();
  });

  it('gives each phase as a share of wall time (summed node phases can exceed 1)', () => {
    expect(wallShares(P, 10)).toEqual({ analysis: 0.05, inputs: 0.1, derivations: 0.025, building: 1.2 });
    expect(wallShares(P, 0).building).toBeNaN();
  });

  it('takes medians over the runs that reported phases, overhead only over runs that built something', () => {
    const c = phaseCell([
      { seconds: 10, compiles: 300, links: 0, phases: P },
      { seconds: 20, compiles: 300, links: 0, phases: { ...P, building: 18 } },
      { seconds: 1, compiles: 0, links: 0, phases: { ...P, building: 0, running: 0 } },
      { seconds: 5, compiles: 1, links: 0 },
    ]);
    expect(c?.nodes).toEqual([300, 300, 0]);
    expect(c?.overheadPerNode.n).toBe(2);
    expect(c?.overheadPerNode.median).toBeCloseTo(0.03);
    expect(c?.shareOfWall.analysis.median).toBeCloseTo(0.05);
    expect(phaseCell([{ seconds: 1, compiles: 1, links: 0 }])).toBeUndefined();
  });

  it('adds a phase table under the markdown table when nixmake reported phases', () => {
    const cell = { seconds: [10], stats: stats([10]), compiles: [300], links: [2], wrong: 0 };
    const r: BenchResult = {
      command: 'x',
      date: '2026-01-01',
      machine: {},
      project: {},
      reps: 1,
      tools: ['nixmake', 'make'],
      scenarios: [{ name: 'clean', description: '' }],
      cells: { clean: { nixmake: { ...cell, phases: phaseCell([{ seconds: 10, compiles: 300, links: 2, phases: P }]) }, make: cell } },
    };
    const md = markdownTable(r);
    expect(md).toContain('| scenario | nixmake s | nodes built | overhead per node ms | analysis s (% of wall) | inputs s (% of wall) | derivations s (% of wall) | building s (% of wall) | running s |');
    expect(md).toContain('| clean | 10.0 | 302 | 19.9 (19.9–19.9) | 0.500 (5%) | 1.000 (10%) | 0.250 (3%) | 12.0 (120%) | 6.000 |');
    const { nixmake: _n, ...rest } = r.cells['clean'] ?? {};
    expect(markdownTable({ ...r, cells: { clean: { ...rest, nixmake: cell } } })).not.toContain('overhead per node');
  });
});
