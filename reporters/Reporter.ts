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
}

export const processOutput: Output = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};
