/** The README's table of real-world projects, from the suite's results (one JSON line per project). */
import { median } from './harness.js';
import type { Timing } from './harness.js';
import type { ProjectResult } from './suite.js';

function times(t: Timing | undefined): string {
  if (t === undefined || t.make.length === 0) return '–';
  const compiled = t.compiled === undefined ? '' : `, ${median(t.compiled)} compiled`;
  return `${median(t.make).toFixed(1)} s / ${median(t.nixmake).toFixed(1)} s (n=${t.nixmake.length}${compiled})`;
}

export function renderTable(results: readonly ProjectResult[]): string {
  const rows = results.map((r) =>
    [
      r.name,
      `${r.language}, ${r.buildSystem}`,
      String(r.tus),
      String(r.targets),
      r.generators.length > 0 ? r.generators.join(', ') : '–',
      times(r.measured?.clean),
      times(r.measured?.edit),
      `${r.passed} / ${r.total}`,
    ].join(' | '),
  );
  return [
    '| project | language, build | TUs | targets | generators | clean build: own / nixmake (median) | one-file edit: own / nixmake (median) | tests passed |',
    '| --- | --- | ---: | ---: | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}
