/**
 * Reporter: turns engine events into output. One per output style; the
 * engine does not know which one is listening.
 */
import type { BuildEvent } from '../engine/events.js';

export interface Reporter {
  event(e: BuildEvent): void;
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Set when `out` is a terminal (a status line may be drawn there), with its width. */
  readonly terminal?: { columns(): number } | undefined;
}

export const processOutput: Output = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  get terminal() {
    return process.stdout.isTTY === true && process.env['TERM'] !== 'dumb' ? { columns: () => process.stdout.columns || 80 } : undefined;
  },
};
