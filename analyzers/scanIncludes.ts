/**
 * scanIncludes: the text of one C/C++ file → its include directives and its
 * object-like macros that expand to a header name.
 *
 * The directives come from the preprocessor's own reading of the text
 * (`scanDirectives`), and so does whether each lies inside a conditional:
 * never from the parse tree, which turns a conditional that splits a
 * function into an ERROR node. tree-sitter then parses the file with the
 * TU's grammar as a second opinion: a directive it finds where the
 * preprocessor's reading saw none (a lexing case not modelled) still
 * counts, as conditional, so it can add an input but never an error. This
 * module does not resolve names to files and does no I/O: see
 * `resolveInclude` and `includeClosure`.
 */
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { scanDirectives } from './scanDirectives.js';

// tree-sitter and its grammars take ~40 ms to load; a no-op build, whose scans
// all come from the memo, never loads them.
const require = createRequire(import.meta.url);

/**
 * The grammar of tree-sitter's second opinion, or `directives` for none: a
 * system header (the toolchain's or a host package's, outside the project)
 * is read by the directive scan alone — it is not the project's source, and
 * parsing glibc's and GCC's headers was most of a cold analysis (Lua: 356 ms
 * of tree-sitter for 213 files, about 180 of them system headers).
 */
export type Grammar = 'c' | 'cpp' | 'directives';

export interface IncludeDirective {
  readonly directive: 'include' | 'include_next' | 'import';
  /** `quote` for "x.h", `angle` for <x.h>, `computed` for `#include MACRO`. */
  readonly form: 'quote' | 'angle' | 'computed';
  /** The header name without delimiters, or the macro text for a computed include. */
  readonly name: string;
  /** 1-based position of the `#`. */
  readonly line: number;
  readonly column: number;
  /** Inside #if/#ifdef/#elif/#else (an include guard does not count). */
  readonly conditional: boolean;
}

/** `#define NAME "x.h"` or `#define NAME <x.h>`: a value a computed include may take. */
export interface HeaderMacro {
  readonly name: string;
  /** With its delimiters. */
  readonly value: string;
  /** Defined inside #if/#ifdef/#elif/#else (an include guard does not count). */
  readonly conditional: boolean;
  /** In the first branch of `#ifndef NAME`: a default that `-DNAME` on the command line replaces. */
  readonly isDefault: boolean;
}

export interface ScanResult {
  readonly includes: readonly IncludeDirective[];
  /** In file order, for computed includes. */
  readonly headerMacros: readonly HeaderMacro[];
  /** Every macro name this file #defines, whatever its value. */
  readonly definedMacros: readonly string[];
}

/** Bump when the scanner's output changes, so cached scans are not reused. */
export const SCANNER_VERSION = 3;

const INCLUDES = new Set(['include', 'include_next', 'import']);
const HEADER_NAME = /^("[^"]*"|<[^>]*>)$/;

const parsers = new Map<Grammar, Parser>();
function parserFor(grammar: Grammar): Parser {
  let p = parsers.get(grammar);
  if (!p) {
    const ParserClass = require('tree-sitter') as typeof Parser;
    p = new ParserClass();
    const language = require(grammar === 'cpp' ? 'tree-sitter-cpp' : 'tree-sitter-c') as Parser.Language & { nodeTypeInfo?: unknown; nodeSubclasses?: unknown };
    // Without the node types' table, setLanguage makes every node a plain SyntaxNode (as when a grammar ships no
    // node-types.json) instead of eval-ing a class per node type with a getter per field: 6-16 ms of a start-up
    // that parses one edited file. This module reads nodes only through type, text and childForFieldName.
    if (language.nodeSubclasses === undefined) language.nodeTypeInfo = [];
    p.setLanguage(language);
    parsers.set(grammar, p);
  }
  return p;
}

/** "x.h" → quote, <x.h> → angle, anything else → computed. */
export function classifyHeaderName(raw: string): { form: IncludeDirective['form']; name: string } {
  const t = raw.trim();
  if (t.length >= 2 && t.startsWith('"')) {
    const end = t.indexOf('"', 1);
    if (end > 0) return { form: 'quote', name: t.slice(1, end) };
  }
  if (t.length >= 2 && t.startsWith('<')) {
    const end = t.indexOf('>', 1);
    if (end > 0) return { form: 'angle', name: t.slice(1, end) };
  }
  return { form: 'computed', name: t.replace(/\/\/.*$|\/\*.*?\*\//g, '').trim() };
}

export function scanIncludes(text: string, grammar: Grammar): ScanResult {
  const includes: IncludeDirective[] = [];
  const headerMacros: HeaderMacro[] = [];
  const definedMacros = new Set<string>();
  const directiveLines = new Set<number>();
  for (const d of scanDirectives(text).directives) {
    if (INCLUDES.has(d.name)) {
      directiveLines.add(d.line);
      includes.push({ directive: d.name as IncludeDirective['directive'], ...classifyHeaderName(d.rest), line: d.line, column: d.column, conditional: d.conditional });
    } else if (d.name === 'define') {
      directiveLines.add(d.line);
      const name = /^[A-Za-z_]\w*/.exec(d.rest)?.[0];
      if (name === undefined) continue;
      definedMacros.add(name);
      if (d.rest[name.length] === '(') continue; // function-like
      const value = d.rest.slice(name.length).trim();
      if (HEADER_NAME.test(value)) headerMacros.push({ name, value, conditional: d.conditional, isDefault: d.unlessDefined === name });
    }
  }

  if (grammar === 'directives') return { includes, headerMacros, definedMacros: [...definedMacros].sort() };
  // The second opinion: what the grammar takes for a directive on a line where the preprocessor's reading saw none.
  const tree = parserFor(grammar).parse(text, undefined, { bufferSize: text.length * 2 + 1024 });
  for (const node of tree.rootNode.descendantsOfType(['preproc_include', 'preproc_call', 'preproc_def', 'preproc_function_def'])) {
    const line = node.startPosition.row + 1;
    if (directiveLines.has(line)) continue;
    const column = node.startPosition.column + 1;
    const name = node.childForFieldName('name')?.text;
    if (node.type === 'preproc_function_def') {
      if (name) definedMacros.add(name);
      continue;
    }
    if (node.type === 'preproc_def') {
      const value = node.childForFieldName('value')?.text.trim();
      if (name) definedMacros.add(name);
      if (name && value && HEADER_NAME.test(value)) headerMacros.push({ name, value, conditional: true, isDefault: false });
      continue;
    }
    let directive: IncludeDirective['directive'] = 'include';
    let raw: string;
    if (node.type === 'preproc_include') {
      raw = node.childForFieldName('path')?.text ?? '';
    } else {
      const d = node.childForFieldName('directive')?.text.replace(/^#\s*/, '');
      if (d !== 'include_next' && d !== 'import') continue;
      directive = d;
      raw = node.childForFieldName('argument')?.text ?? '';
    }
    includes.push({ directive, ...classifyHeaderName(raw), line, column, conditional: true });
  }
  includes.sort((a, b) => a.line - b.line);
  return { includes, headerMacros, definedMacros: [...definedMacros].sort() };
}
