/**
 * escapeControl: text from files and file names made safe for a terminal.
 * A file name or a compiler message may hold newlines, escape sequences
 * (ESC, CSI) or other control characters that would forge output or drive
 * the terminal; they are shown escaped instead: `\n`, `\r`, `\t`, and `\xNN`
 * for the rest of C0, DEL and C1. Backslashes are left alone (C code quotes
 * them), so the form is for reading, not for reversing.
 */

const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
const CONTROL_BUT_TAB = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const escapeOne = (ch: string): string => NAMED[ch] ?? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** One line of output: every control character escaped, newlines included. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, escapeOne);
}

/**
 * A build log: printed line by line (its newlines are real), each line
 * escaped; tabs, which compilers print in quoted source, are kept.
 */
export function escapeLog(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(CONTROL_BUT_TAB, escapeOne))
    .join('\n');
}

/**
 * JSON text with DEL and C1 characters as \u escapes. JSON.stringify already
 * escapes C0 (so every line stays one JSON value) but leaves U+007F–U+009F
 * raw, and some terminals obey a raw U+009B (CSI).
 */
export function escapeJsonControl(json: string): string {
  return json.replace(/[\x7f-\x9f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
