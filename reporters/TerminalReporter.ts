/**
 * TerminalReporter: ninja-style progress for people. `[n/N] CC src/foo.c`
 * as each node starts (or, on a terminal, one status line updated in place:
 * see ProgressLine), a failed node's log, compiler warnings of the nodes
 * built (once per TU and log), every log line as it comes with `-L`
 * (`src/foo.c> …`, as `nix build -L`), diagnostics as
 * `file:line:col: error: message`, and one summary line; under `watch`,
 * one line when watching begins and one per rebuild naming what changed.
 *
 * Names and messages come from files and file names, so nothing reaches the
 * terminal raw: control characters are escaped (`escapeControl`), and a
 * build log is printed line by line, each line escaped. The status line is
 * the only thing drawn with control sequences (`\r`, erase line), and only
 * when the caller says the output is a terminal.
 */
import { formatDiagnostic } from '../core/Diagnostic.js';
import type { BuildEvent } from '../engine/events.js';
import { unreachable } from '../engine/events.js';
import { verbOf } from './verbOf.js';
import { formatReason } from '../engine/reason.js';
import { escapeControl, escapeLog } from './escapeControl.js';
import { ProgressLine } from './ProgressLine.js';
import type { Output, Reporter } from './Reporter.js';

export interface TerminalOptions {
  /** Print why each node is built. */
  readonly explain: boolean;
  /** `-L`: every build log line as it comes, prefixed by its node's name. */
  readonly printBuildLogs?: boolean;
  /** `--quiet`: no progress lines and no compiler warnings; errors and the summary still print. */
  readonly quiet?: boolean;
  /** Output is a terminal: one status line updated in place instead of a line per node. */
  readonly statusLine?: { readonly jobs: number; readonly width: () => number; readonly now?: () => number; readonly refreshMs?: number };
}

const ERASE_LINE = '\r\x1b[K';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export class TerminalReporter implements Reporter {
  private dryRun = false;
  private readonly progress: ProgressLine | undefined;
  private readonly now: () => number;
  /** The status line on screen now, if any. */
  private shown: string | undefined;
  /** After the summary (or close), no status line is drawn again. */
  private closed = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Logs already shown as warnings (label and text): one TU in two targets prints its warnings once. */
  private readonly warned = new Set<string>();
  private readonly o: Output;

  constructor(
    private readonly output: Output,
    private readonly options: TerminalOptions,
  ) {
    this.now = options.statusLine?.now ?? (() => performance.now());
    this.progress = options.statusLine && !options.quiet ? new ProgressLine(this.now(), options.statusLine.jobs) : undefined;
    // Everything printed goes above the status line: erase it, print, draw it again.
    this.o = {
      out: (t) => this.above(() => output.out(t)),
      err: (t) => this.above(() => output.err(t)),
    };
  }

  private above(print: () => void): void {
    if (this.shown !== undefined) this.output.out(ERASE_LINE);
    this.shown = undefined;
    print();
    this.draw();
  }

  private draw(): void {
    if (!this.progress || !this.options.statusLine || this.closed) return;
    const line = this.progress.render(this.now(), this.options.statusLine.width());
    if (line === this.shown) return;
    if (line === undefined) {
      this.output.out(ERASE_LINE);
      this.shown = undefined;
      return;
    }
    this.output.out(`${ERASE_LINE}${line}`);
    this.shown = line;
    // Elapsed time and the estimate move while nothing happens: redraw now and then, never keeping the process alive.
    this.timer ??= setInterval(() => this.draw(), this.options.statusLine.refreshMs ?? 1000);
    this.timer.unref?.();
  }

  /** Erases the status line and stops redrawing it. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown !== undefined) this.output.out(ERASE_LINE);
    this.shown = undefined;
  }

  event(e: BuildEvent): void {
    if (this.progress) {
      this.progress.event(e, this.now());
      if (e.event === 'summary') this.close();
    }
    this.show(e);
    if (this.progress && e.event !== 'summary') this.draw();
  }

  private show(e: BuildEvent): void {
    const o = this.o;
    const quiet = this.options.quiet === true;
    const logs = this.options.printBuildLogs === true;
    switch (e.event) {
      case 'diagnostic':
        o.err(`${escapeControl(formatDiagnostic(e.diagnostic))}\n`);
        return;
      case 'analysis':
        if (this.options.explain && e.noop_stamp) o.out(`nixmake explain: nothing changed since the last build (every file and folder it read has the same stat)\n`);
        else if (this.options.explain) o.out(`nixmake explain: analysed ${plural(e.tus, 'TU')} (${e.cached} unchanged, ${plural(e.files, 'file')} read, ${e.scanned} parsed) in ${e.seconds.toFixed(3)}s\n`);
        return;
      case 'plan':
        this.dryRun = e.dry_run;
        if (e.dry_run) o.out(`nixmake: would build ${plural(e.to_build, 'node')}; ${e.up_to_date} up to date\n`);
        return;
      case 'node-planned':
        if (this.options.explain || this.dryRun) o.out(`${this.dryRun ? 'would build' : 'nixmake explain:'} ${escapeControl(e.label)}: ${escapeControl(formatReason(e.reason))}\n`);
        return;
      case 'analysis-progress':
        return;
      case 'node-started':
        if (!quiet && !this.progress) o.out(`[${e.index}/${e.total}] ${verbOf(e.kind)} ${escapeControl(e.label)}\n`);
        return;
      case 'node-log':
        if (logs) o.err(`${escapeControl(e.label)}> ${escapeLog(e.line)}\n`);
        return;
      case 'node-failed':
        // With -L its log has just been shown, line by line.
        if (logs || !e.log.trim()) o.err(`FAILED: ${escapeControl(e.label)}\n${escapeLog(e.message)}\n`);
        else o.err(`FAILED: ${escapeControl(e.label)}\n${escapeLog(e.log.trimEnd())}\n`);
        if (e.kept_build_dir !== undefined) o.err(`nixmake: kept the failed build's tree of ${escapeControl(e.label)} at ${escapeControl(e.kept_build_dir)} (on this machine, by its Nix daemon; delete it when done)\n`);
        return;
      case 'node-built': {
        if (e.fetched && !quiet) o.out(`fetched ${escapeControl(e.label)}\n`);
        // Compiler warnings, as make shows them: once per TU and text, unless they were shown with -L.
        const text = e.log?.trimEnd() ?? '';
        if (quiet || logs || text === '') return;
        const key = `${e.label}\0${text}`;
        if (this.warned.has(key)) return;
        this.warned.add(key);
        o.err(`${escapeLog(text)}\n`);
        return;
      }
      case 'node-cutoff':
        if (this.options.explain) {
          const why = e.kind === 'generate' ? 'not rerun, the programs it runs are unchanged' : 'not relinked, the outputs it links are unchanged';
          o.out(`nixmake explain: ${escapeControl(e.label)}: ${why} (early cutoff)\n`);
        }
        return;
      case 'node-skipped':
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
      case 'node-checked':
        if (e.reproducible) {
          if (this.options.explain) o.out(`nixmake explain: ${escapeControl(e.label)}: rebuilt bit for bit\n`);
          return;
        }
        o.err(
          `NOT REPRODUCIBLE: ${escapeControl(e.label)}: NAR hash ${e.nar_hash} built, ` +
            (e.rebuilt_nar_hash === undefined ? 'another on rebuilding\n' : `${e.rebuilt_nar_hash} rebuilt (kept at ${escapeControl(e.check_path ?? '')}; compare them with diffoscope)\n`),
        );
        return;
      case 'check-summary': {
        const bad = e.not_reproducible > 0 ? `${e.not_reproducible} not reproducible` : 'all reproducible';
        o.out(`nixmake: checked ${plural(e.checked, 'node')}: ${bad}${e.failed > 0 ? `, ${e.failed} failed to rebuild` : ''} (${e.seconds.toFixed(2)}s)\n`);
        return;
      }
      case 'summary': {
        if (this.dryRun) return;
        if ((e.generators_built ?? 0) + e.objects_built + e.links_built + e.cut_off + e.substituted + e.failed === 0 && e.submitted === 0) {
          o.out(`nixmake: no work to do (${e.up_to_date} up to date, ${e.seconds.toFixed(3)}s)\n`);
          return;
        }
        const parts = [`built ${plural(e.objects_built, 'object')} and ${plural(e.links_built, 'link')}`, `${e.up_to_date} up to date`];
        if ((e.generators_built ?? 0) > 0) parts[0] = `ran ${plural(e.generators_built ?? 0, 'generator')}, ${parts[0] as string}`;
        if ((e.built_remotely ?? 0) > 0) parts[0] = `${parts[0] as string} (${e.built_remotely ?? 0} on remote builders)`;
        if (e.cut_off > 0) parts.splice(1, 0, `${e.cut_off} cut off`);
        if (e.substituted > 0) parts.splice(1, 0, `fetched ${e.substituted} from a binary cache`);
        if (e.failed > 0) parts.push(`${e.failed} failed`);
        o.out(`nixmake: ${parts.join(', ')} (${e.seconds.toFixed(2)}s)\n`);
        return;
      }
      default:
        unreachable(e);
    }
  }
}
