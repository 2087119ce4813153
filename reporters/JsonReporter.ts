/**
 * JsonReporter: one JSON object per line on stdout for every event; the
 * last line is the summary. Diagnostics are flattened so that `file`,
 * `line` and `column` are top-level fields. Every line is one JSON value:
 * JSON.stringify escapes newlines and other C0 characters in file names and
 * messages, and DEL and C1 are escaped too (`escapeJsonControl`).
 * `node-log` lines (one per log line) are written only with `-L`; a built or
 * failed node's event carries its whole log anyway. `analysis-progress` is
 * for terminals and is not written.
 */
import { formatReason } from '../engine/reason.js';
import type { BuildEvent } from '../engine/events.js';
import { escapeJsonControl } from './escapeControl.js';
import type { Output, Reporter } from './Reporter.js';

export class JsonReporter implements Reporter {
  constructor(
    private readonly output: Output,
    private readonly options: { readonly printBuildLogs?: boolean } = {},
  ) {}

  event(e: BuildEvent): void {
    let line: Record<string, unknown>;
    switch (e.event) {
      case 'analysis-progress':
        return;
      case 'node-log':
        if (!this.options.printBuildLogs) return;
        line = { ...e };
        break;
      case 'diagnostic': {
        const d = e.diagnostic;
        line = { event: 'diagnostic', severity: d.severity, message: d.message, ...d.location, ...(d.jsonPath !== undefined ? { path: d.jsonPath } : {}) };
        break;
      }
      case 'node-planned':
      case 'node-started':
        line = { ...e, reason: formatReason(e.reason) };
        break;
      default:
        line = { ...e };
    }
    this.output.out(`${escapeJsonControl(JSON.stringify(line))}\n`);
  }
}
