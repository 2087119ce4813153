/**
 * scanDirectives: the text of one C, C++ or preprocessed-assembly file → its
 * preprocessor directives in order, each saying whether it lies inside a
 * conditional (#if, #ifdef, #ifndef, #elif, #else), the file's include
 * guard aside.
 *
 * It follows the preprocessor's own reading of the text, as far as
 * directives need it: lines spliced by backslash-newline, comments (which
 * may span lines, hide a `#`, or come before one), string and character
 * literals (which may hold comment markers; they end at the end of a line),
 * C++ raw strings (which may span lines and hold anything) and digit
 * separators. It never looks at the code between directives, so a block
 * that does not parse as C or C++ changes nothing here. It does not
 * evaluate conditions or expand macros.
 */

export interface Directive {
  /** 1-based physical line and column of the `#`. */
  readonly line: number;
  readonly column: number;
  /** `include`, `define`, `ifdef`, …; '' for a null directive (`#` alone) or one that does not start with a name. */
  readonly name: string;
  /** The rest of the logical line: continuations joined, comments replaced by a space, trimmed. */
  readonly rest: string;
  /**
   * Inside a conditional group, the include guard not counted. For a
   * conditional directive itself: whether one encloses it.
   */
  readonly conditional: boolean;
  /** In the first branch of `#ifndef NAME` or `#if !defined(NAME)` (the innermost group): NAME. */
  readonly unlessDefined: string | undefined;
}

export interface DirectiveScan {
  readonly directives: readonly Directive[];
  /** The line of the `#ifndef` (or `#if !defined`) that opens the file's include guard, if it has one. */
  readonly guardLine: number | undefined;
}

interface Raw {
  readonly line: number;
  readonly column: number;
  readonly name: string;
  readonly rest: string;
  /** Code characters seen before this directive (for the include guard: nothing may come before it or after its #endif). */
  readonly codeBefore: number;
}

const NL = 10;
const CR = 13;
const BACKSLASH = 92;
const SLASH = 47;
const STAR = 42;
const HASH = 35;
const PERCENT = 37;
const COLON = 58;
const DQUOTE = 34;
const SQUOTE = 39;
const LT = 60;
const GT = 62;

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 12 || c === 11 || c === CR;
const isIdent = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

const OPENS = new Set(['if', 'ifdef', 'ifndef']);
const BRANCHES = new Set(['elif', 'else', 'elifdef', 'elifndef']);
const HEADER_NAME_DIRECTIVES = new Set(['include', 'include_next', 'import']);
const NOT_DEFINED = /^!\s*defined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))$/;

/** The lexer: directives with their text, and how much code precedes each. */
class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private code = 0;
  readonly directives: Raw[] = [];

  constructor(private readonly text: string) {}

  /** Characters of code seen (outside directives and comments). */
  get codeSeen(): number {
    return this.code;
  }

  /** At `\` : if a newline follows (optionally after CR), skips the splice and answers true. */
  private splice(): boolean {
    const t = this.text;
    let j = this.i + 1;
    if (t.charCodeAt(j) === CR) j++;
    if (t.charCodeAt(j) !== NL) return false;
    this.i = j + 1;
    this.newline();
    return true;
  }

  private newline(): void {
    this.line++;
    this.lineStart = this.i;
  }

  /** From just after `/*`, past the closing `*\/` (or to the end of the text). */
  private blockComment(): void {
    const t = this.text;
    const n = t.length;
    while (this.i < n) {
      const c = t.charCodeAt(this.i);
      if (c === NL) {
        this.i++;
        this.newline();
      } else if (c === STAR && t.charCodeAt(this.i + 1) === SLASH) {
        this.i += 2;
        return;
      } else {
        this.i++;
      }
    }
  }

  /** From just after `//`, to the newline that ends the logical line (not consumed). */
  private lineComment(): void {
    const t = this.text;
    const n = t.length;
    while (this.i < n) {
      const c = t.charCodeAt(this.i);
      if (c === NL) return;
      if (c === BACKSLASH && this.splice()) continue;
      this.i++;
    }
  }

  /** From just after the opening quote, past the closing one or to the end of the logical line (not consumed). */
  private literal(quote: number, out?: string[]): void {
    const t = this.text;
    const n = t.length;
    const from = this.i;
    let chunk = from;
    while (this.i < n) {
      const c = t.charCodeAt(this.i);
      if (c === NL) break;
      if (c === BACKSLASH) {
        if (out && t.charCodeAt(this.i + 1) !== NL && t.charCodeAt(this.i + 1) !== CR) {
          this.i += 2;
          continue;
        }
        const at = this.i;
        if (this.splice()) {
          out?.push(t.slice(chunk, at));
          chunk = this.i;
          continue;
        }
        this.i += 2;
        continue;
      }
      this.i++;
      if (c === quote) break;
    }
    out?.push(t.slice(chunk, this.i));
  }

  /** At `"` after `R`: a raw string `R"delim( … )delim"`, which may span lines; false if it is not one. */
  private rawString(): boolean {
    const t = this.text;
    // A delimiter has at most 16 characters: look no further for its `(`.
    const near = t.slice(this.i + 1, this.i + 18).indexOf('(');
    if (near < 0) return false;
    const open = this.i + 1 + near;
    const delim = t.slice(this.i + 1, open);
    if (/[\s()\\"]/.test(delim)) return false;
    const close = t.indexOf(`)${delim}"`, open + 1);
    const end = close < 0 ? t.length : close + delim.length + 2;
    for (let j = t.indexOf('\n', this.i); j >= 0 && j < end; j = t.indexOf('\n', j + 1)) {
      this.line++;
      this.lineStart = j + 1;
    }
    this.i = end;
    return true;
  }

  /** `"` preceded by R, u8R, uR, UR or LR, itself not part of a longer identifier. */
  private startsRawString(): boolean {
    const t = this.text;
    if (t.charCodeAt(this.i - 1) !== 82) return false;
    let j = this.i - 2;
    const prefix = t.slice(Math.max(0, j - 1), j + 1);
    if (prefix === 'u8') j -= 2;
    else if (/[uUL]$/.test(prefix)) j -= 1;
    return j < 0 || !isIdent(t.charCodeAt(j));
  }

  /** A `'` inside a number (`1'000`) is a C++ digit separator, not a character literal. */
  private digitSeparator(): boolean {
    const t = this.text;
    if (!isIdent(t.charCodeAt(this.i - 1)) || !isIdent(t.charCodeAt(this.i + 1))) return false;
    let j = this.i - 1;
    while (j >= 0 && (isIdent(t.charCodeAt(j)) || t.charCodeAt(j) === SQUOTE || t.charCodeAt(j) === 46)) j--;
    return isDigit(t.charCodeAt(j + 1));
  }

  /** From just after the `#`: the directive's name and the rest of its logical line. */
  private directive(column: number, line: number): void {
    const t = this.text;
    const n = t.length;
    const codeBefore = this.code;
    const parts: string[] = [];
    let chunk = this.i;
    const flush = (to: number): void => {
      if (to > chunk) parts.push(t.slice(chunk, to));
    };
    let name: string | undefined;
    const takeName = (): void => {
      if (name !== undefined) return;
      const text = parts.join('').trimStart();
      const m = /^[A-Za-z_]\w*/.exec(text);
      name = m ? m[0] : '';
      parts.length = 0;
      parts.push(text.slice(name.length));
    };
    while (this.i < n) {
      const c = t.charCodeAt(this.i);
      if (c === NL) break;
      if (c === BACKSLASH) {
        const at = this.i;
        if (this.splice()) {
          flush(at);
          chunk = this.i;
          continue;
        }
        this.i++;
        continue;
      }
      if (c === SLASH && t.charCodeAt(this.i + 1) === STAR) {
        flush(this.i);
        this.i += 2;
        this.blockComment();
        parts.push(' ');
        chunk = this.i;
        continue;
      }
      if (c === SLASH && t.charCodeAt(this.i + 1) === SLASH) {
        flush(this.i);
        this.lineComment();
        chunk = this.i;
        continue;
      }
      if (c === DQUOTE || c === SQUOTE || c === LT) {
        flush(this.i);
        takeName();
        if (c === LT && !(HEADER_NAME_DIRECTIVES.has(name ?? '') && parts.join('').trim() === '')) {
          this.i++;
          chunk = this.i - 1;
          continue;
        }
        // A header name <a//b.h> is one token: `//` inside it is no comment.
        const literalStart = this.i;
        this.i++;
        if (c === LT) {
          while (this.i < n && t.charCodeAt(this.i) !== NL && t.charCodeAt(this.i) !== GT) this.i++;
          if (t.charCodeAt(this.i) === GT) this.i++;
          parts.push(t.slice(literalStart, this.i));
        } else {
          const out: string[] = [t[literalStart] as string];
          this.literal(c, out);
          parts.push(out.join(''));
        }
        chunk = this.i;
        continue;
      }
      this.i++;
    }
    flush(this.i);
    takeName();
    this.directives.push({ line, column, name: name ?? '', rest: parts.join('').trim(), codeBefore });
  }

  run(): void {
    const t = this.text;
    const n = t.length;
    // Only blanks and comments so far on this logical line: a `#` here starts a directive.
    let atStart = true;
    while (this.i < n) {
      const c = t.charCodeAt(this.i);
      if (c === NL) {
        this.i++;
        this.newline();
        atStart = true;
      } else if (isSpace(c)) {
        this.i++;
      } else if (c === BACKSLASH && this.splice()) {
        // a spliced line goes on
      } else if (c === SLASH && t.charCodeAt(this.i + 1) === STAR) {
        this.i += 2;
        this.blockComment();
      } else if (c === SLASH && t.charCodeAt(this.i + 1) === SLASH) {
        this.i += 2;
        this.lineComment();
      } else if (atStart && (c === HASH || (c === PERCENT && t.charCodeAt(this.i + 1) === COLON))) {
        const column = this.i - this.lineStart + 1;
        const line = this.line;
        this.i += c === HASH ? 1 : 2;
        this.directive(column, line);
      } else {
        atStart = false;
        this.code++;
        if (c === DQUOTE) {
          if (!(this.startsRawString() && this.rawString())) {
            this.i++;
            this.literal(c);
          }
        } else if (c === SQUOTE && !this.digitSeparator()) {
          this.i++;
          this.literal(c);
        } else {
          this.i++;
        }
      }
    }
  }
}

/** `#ifndef NAME` or `#if !defined(NAME)` / `#if !defined NAME` → NAME. */
function negatedName(d: Raw): string | undefined {
  if (d.name === 'ifndef') return /^[A-Za-z_]\w*$/.exec(d.rest)?.[0];
  if (d.name === 'if') {
    const m = NOT_DEFINED.exec(d.rest);
    return m ? (m[1] ?? m[2]) : undefined;
  }
  return undefined;
}

/**
 * The index of the directive opening the include guard: the first directive
 * that opens a group (only `#pragma` and null directives before it, no
 * code), tests that NAME is not defined, is followed by `#define NAME`
 * (not to a header name: that is a default for a computed include), has
 * no #elif/#else, and whose #endif is the last directive, with no code after.
 */
function findGuard(ds: readonly Raw[], totalCode: number): number | undefined {
  const first = ds.findIndex((d) => d.name !== 'pragma' && d.name !== '');
  const open = ds[first];
  if (!open || open.codeBefore > 0) return undefined;
  const name = negatedName(open);
  if (name === undefined) return undefined;
  const def = ds[first + 1];
  if (!def || def.name !== 'define' || /^[A-Za-z_]\w*/.exec(def.rest)?.[0] !== name) return undefined;
  // `#ifndef X_INCLUDE / #define X_INCLUDE "default.h" / #endif` sets a default, it guards nothing.
  if (/^["<]/.test(def.rest.slice(name.length).trim())) return undefined;
  let depth = 0;
  for (let k = first; k < ds.length; k++) {
    const d = ds[k] as Raw;
    if (OPENS.has(d.name)) depth++;
    else if (BRANCHES.has(d.name) && depth === 1) return undefined;
    else if (d.name === 'endif' && --depth === 0) {
      const after = ds.slice(k + 1).every((x) => x.name === '');
      return after && d.codeBefore === totalCode ? first : undefined;
    }
  }
  return undefined;
}

export function scanDirectives(text: string): DirectiveScan {
  const lexer = new Lexer(text);
  lexer.run();
  const raw = lexer.directives;
  const guard = findGuard(raw, lexer.codeSeen);
  interface Group {
    readonly guard: boolean;
    unlessDefined: string | undefined;
  }
  const stack: Group[] = [];
  let open = 0; // groups on the stack that are not the guard
  const directives: Directive[] = raw.map((d, k) => {
    const top = stack[stack.length - 1];
    let conditional = open > 0;
    let unlessDefined = top?.unlessDefined;
    if (OPENS.has(d.name)) {
      const g = { guard: k === guard, unlessDefined: negatedName(d) };
      stack.push(g);
      if (!g.guard) open++;
    } else if (BRANCHES.has(d.name)) {
      if (top) top.unlessDefined = undefined;
      conditional = open - (top && !top.guard ? 1 : 0) > 0;
      unlessDefined = undefined;
    } else if (d.name === 'endif') {
      stack.pop();
      if (top && !top.guard) open--;
      conditional = open > 0;
      unlessDefined = undefined;
    }
    return { line: d.line, column: d.column, name: d.name, rest: d.rest, conditional, unlessDefined };
  });
  return { directives, guardLine: guard === undefined ? undefined : raw[guard]?.line };
}
