/**
 * Diagnostic: an error or warning as data, with the place it is about.
 *
 * Stages return diagnostics instead of throwing; the CLI prints them all at
 * once and picks the exit code. This module only defines the shape and its
 * one-line text form; it does not print.
 */

export interface Location {
  /** Project-relative path, or an absolute path outside the project. */
  readonly file: string;
  /** 1-based; absent when the problem is about the whole file. */
  readonly line?: number;
  readonly column?: number;
}

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly location?: Location;
  /** For config errors: the JSON path of the field at fault, e.g. `targets.hello.deps[0]`. */
  readonly jsonPath?: string;
}

export function formatLocation(loc: Location): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) s += `:${loc.column}`;
  return s;
}

/** `file:line:col: error: message` (gcc style), or `file: error: jsonPath: message` for config. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${formatLocation(d.location)}: ` : '';
  const path = d.jsonPath !== undefined ? `${d.jsonPath}: ` : '';
  return `${where}${d.severity}: ${path}${d.message}`;
}

/** A stage's result: a value, or the diagnostics that prevented it. */
export type Result<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly Diagnostic[] }
  | { readonly ok: false; readonly errors: readonly Diagnostic[]; readonly warnings: readonly Diagnostic[] };

/** An expected failure that should end the command with a message and exit code 1. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly diagnostics: readonly Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'UserError';
  }
}
