/**
 * Reporter: turns engine events into output. One per output style; the
 * engine does not know which one is listening.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
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

/**
 * The process's output written straight to file descriptors 1 and 2, for
 * the no-op fast path's few lines: creating `process.stdout` (a stream over
 * a pipe or a terminal) costs more than the whole answer. A write the
 * descriptor refuses for now (a non-blocking pipe that is full) goes
 * through the stream after all; a reader gone (EPIPE) ends the process, as
 * for the streams.
 */
export const directOutput: Output = {
  out: (t) => writeAll(1, t),
  err: (t) => writeAll(2, t),
  get terminal() {
    return isTerminal(1) && process.env['TERM'] !== 'dumb' ? { columns: () => process.stdout.columns || 80 } : undefined;
  },
};

const requireHere = createRequire(import.meta.url);

/**
 * Whether `fd` is a terminal. node:tty is loaded only for a character
 * device: loading it brings Node's net and stream modules, 2–6 ms that a
 * no-op answered into a pipe would otherwise pay.
 */
function isTerminal(fd: number): boolean {
  try {
    if (!fs.fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return (requireHere('node:tty') as typeof import('node:tty')).isatty(fd);
}

function writeAll(fd: 1 | 2, text: string): void {
  const bytes = Buffer.from(text);
  let done = 0;
  try {
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A reader that went away (`| head -1`) ends the output quietly, as bin/nixmake.js does for the streams.
    if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (code !== 'EAGAIN') throw err;
    (fd === 1 ? process.stdout : process.stderr).write(bytes.subarray(done));
  }
}
