/**
 * jsonSyntaxError: JSON.parse's error on a file → a diagnostic at
 * `file:line:col`, worded without any of the file's text.
 *
 * V8 quotes an excerpt of the input in some messages (`Unexpected token 'x',
 * "…secret…" is not valid JSON`) and then gives no position; an error must
 * never echo a file's content (the file may not be the user's), so such
 * messages are replaced and the position is found by `jsonErrorOffset`.
 */
import type { Diagnostic } from '../core/Diagnostic.js';

export function jsonSyntaxError(text: string, err: Error, file: string): Diagnostic {
  const m = /at position (\d+)/.exec(err.message);
  const pos = m ? Number(m[1]) : jsonErrorOffset(text);
  let message = err.message.replace(/^JSON\.parse: /, '').replace(/ in JSON at position \d+.*$/s, '');
  // V8's fixed wording quotes only grammar (`Expected ',' or '}'`); a double quote or a token means an excerpt of the input.
  if (/^Unexpected token/.test(message) || message.includes('"')) message = 'unexpected character';
  else if (/^Unexpected end of JSON input/.test(message)) message = 'unexpected end of input';
  message = message.charAt(0).toLowerCase() + message.slice(1);
  if (pos === undefined) return { severity: 'error', message: `invalid JSON: ${message}`, location: { file } };
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return { severity: 'error', message: `invalid JSON: ${message}`, location: { file, line, column } };
}

/** The offset of the first character where `text` stops being JSON (RFC 8259), or undefined if it is valid. */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const fail = (): never => {
    throw new JsonStop(i);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = (): void => {
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i++;
        return;
      }
      if (ch < 0x20) fail();
      if (ch !== 0x5c) {
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === 'u') {
        i += 2;
        for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
        i += 2;
      } else {
        i++;
        fail();
      }
    }
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (ch === '"') {
      string();
    } else if (ch === 't') {
      literal('true');
    } else if (ch === 'f') {
      literal('false');
    } else if (ch === 'n') {
      literal('null');
    } else {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m || m[0] === '' || m[0] === '-') fail();
      i += (m as RegExpExecArray)[0].length;
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (err) {
    if (err instanceof JsonStop) return err.offset;
    return undefined; // nested too deeply for this walk: no position, still an error
  }
}

class JsonStop {
  constructor(readonly offset: number) {}
}
