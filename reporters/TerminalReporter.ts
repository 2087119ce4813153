/**
 * TerminalReporter: ninja-style progress for people. `[n/N] CC src/foo.c`
 * as each node starts, a failed node's log, diagnostics as
 * `file:line:col: error: message`, and one summary line; under `watch`,
 * one line when watching begins and one per rebuild naming what changed.
 *
 * Names and messages come from files and file names, so nothing reaches the
 * terminal raw: control characters are escaped (`escapeControl`), and a
 * build log is printed line by line, each line escaped.
 */
import { formatDiagnostic } from '../core/Diagnostic.js';
import type { BuildEvent } from '../engine/events.js';
import { unreachable } from '../engine/events.js';
import { formatReason } from '../engine/plan.js';
import { escapeControl, escapeLog } from './escapeControl.js';
import type { Output, Reporter } from './Reporter.js';

export interface TerminalOptions {
  /** Print why each node is built. */
  readonly explain: boolean;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export class TerminalReporter implements Reporter {
  private dryRun = false;

  constructor(
    private readonly output: Output,
    private readonly options: TerminalOptions,
  ) {}

  event(e: BuildEvent): void {
    const o = this.output;
    switch (e.event) {
      case 'diagnostic':
        o.err(`${escapeControl(formatDiagnostic(e.diagnostic))}\n`);
        return;
      case 'analysis':
        if (this.options.explain) o.out(`nixmake explain: analysed ${plural(e.tus, 'TU')} (${e.cached} unchanged, ${plural(e.files, 'file')} read, ${e.scanned} parsed) in ${e.seconds.toFixed(3)}s\n`);
        return;
      case 'plan':
        this.dryRun = e.dry_run;
        if (e.dry_run) o.out(`nixmake: would build ${plural(e.to_build, 'node')}; ${e.up_to_date} up to date\n`);
        return;
      case 'node-planned':
        if (this.options.explain || this.dryRun) o.out(`${this.dryRun ? 'would build' : 'nixmake explain:'} ${escapeControl(e.label)}: ${escapeControl(formatReason(e.reason))}\n`);
        return;
      case 'node-started':
        o.out(`[${e.index}/${e.total}] ${e.kind === 'object' ? 'CC' : 'LINK'} ${escapeControl(e.label)}\n`);
        return;
      case 'node-failed':
        o.err(`FAILED: ${escapeControl(e.label)}\n${escapeLog(e.log.trimEnd())}\n`);
        if (!e.log.trim()) o.err(`${escapeLog(e.message)}\n`);
        return;
      case 'node-cutoff':
        if (this.options.explain) o.out(`nixmake explain: ${escapeControl(e.label)}: not relinked, the outputs it links are unchanged (early cutoff)\n`);
        return;
      case 'node-skipped':
      case 'node-built':
      case 'result-link':
        return;
      case 'watch-ready':
        o.out(`nixmake watch: watching ${plural(e.folders, 'folder')} for changes (Ctrl-C to stop)\n`);
        return;
      case 'watch-rebuild': {
        const shown = e.files.slice(0, 5).map(escapeControl).join(', ');
        const more = e.files.length > 5 ? ` and ${e.files.length - 5} more` : '';
        o.out(`nixmake watch: ${shown}${more} changed; building\n`);
        return;
      }
      case 'summary': {
        if (this.dryRun) return;
        if (e.objects_built + e.links_built + e.cut_off + e.failed === 0 && e.submitted === 0) {
          o.out(`nixmake: no work to do (${e.up_to_date} up to date, ${e.seconds.toFixed(3)}s)\n`);
          return;
        }
        const parts = [`built ${plural(e.objects_built, 'object')} and ${plural(e.links_built, 'link')}`, `${e.up_to_date} up to date`];
        if (e.cut_off > 0) parts.splice(1, 0, `${e.cut_off} cut off`);
        if (e.failed > 0) parts.push(`${e.failed} failed`);
        o.out(`nixmake: ${parts.join(', ')} (${e.seconds.toFixed(2)}s)\n`);
        return;
      }
      default:
        unreachable(e);
    }
  }
}
