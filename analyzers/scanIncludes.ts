/**
 * scanIncludes: the text of one C/C++ file → its include directives and its
 * object-like macros that expand to a header name.
 *
 * Parsing is done with tree-sitter; a line scan then catches any directive
 * the grammar failed to see (inside an ERROR region, say), so that a
 * directive is never silently lost. This module does not resolve names to
 * files and does no I/O: see `resolveInclude` and `includeClosure`.
 */
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';

// tree-sitter and its grammars take ~40 ms to load; a no-op build, whose scans
// all come from the memo, never loads them.
const require = createRequire(import.meta.url);

export type Grammar = 'c' | 'cpp';

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

export interface ScanResult {
  readonly includes: readonly IncludeDirective[];
  /** `#define NAME "x.h"` or `#define NAME <x.h>`, in file order, for computed includes. */
  readonly headerMacros: readonly (readonly [name: string, value: string])[];
  /** Every macro name this file #defines, whatever its value. */
  readonly definedMacros: readonly string[];
}

/** Bump when the scanner's output changes, so cached scans are not reused. */
export const SCANNER_VERSION = 2;

const CONDITIONAL_TYPES = new Set(['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_else', 'preproc_elifdef']);
const DIRECTIVE_LINE = /^[ \t]*#[ \t]*(include_next|include|import)\b[ \t]*(.*)$/;

const parsers = new Map<Grammar, Parser>();
function parserFor(grammar: Grammar): Parser {
  let p = parsers.get(grammar);
  if (!p) {
    const ParserClass = require('tree-sitter') as typeof Parser;
    p = new ParserClass();
    p.setLanguage(require(grammar === 'c' ? 'tree-sitter-c' : 'tree-sitter-cpp') as Parser.Language);
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

/** The `#ifndef X / #define X ... #endif` wrapper that spans a whole header. */
function includeGuard(root: Parser.SyntaxNode): Parser.SyntaxNode | undefined {
  const top = root.namedChildren.filter((n) => n.type !== 'comment');
  const only = top[0];
  if (top.length !== 1 || !only || only.type !== 'preproc_ifdef' || !only.text.startsWith('#ifndef')) return undefined;
  const name = only.childForFieldName('name')?.text;
  const first = only.namedChildren.find((n) => n.type !== 'comment' && n.type !== 'identifier');
  if (first?.type === 'preproc_def' && first.childForFieldName('name')?.text === name) return only;
  return undefined;
}

function isConditional(node: Parser.SyntaxNode, guard: Parser.SyntaxNode | undefined): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (CONDITIONAL_TYPES.has(p.type) && !(guard && p.id === guard.id)) return true;
  }
  return false;
}

export function scanIncludes(text: string, grammar: Grammar): ScanResult {
  const tree = parserFor(grammar).parse(text, undefined, { bufferSize: text.length * 2 + 1024 });
  const root = tree.rootNode;
  const guard = includeGuard(root);
  const includes: IncludeDirective[] = [];
  const headerMacros: [string, string][] = [];
  const definedMacros = new Set<string>();
  const seenLines = new Set<number>();

  for (const node of root.descendantsOfType(['preproc_include', 'preproc_call', 'preproc_def', 'preproc_function_def'])) {
    const line = node.startPosition.row + 1;
    const column = node.startPosition.column + 1;
    if (node.type === 'preproc_function_def') {
      const name = node.childForFieldName('name')?.text;
      if (name) definedMacros.add(name);
      continue;
    }
    if (node.type === 'preproc_def') {
      const value = node.childForFieldName('value')?.text.trim();
      const name = node.childForFieldName('name')?.text;
      if (name) definedMacros.add(name);
      if (name && value && /^("[^"]*"|<[^>]*>)$/.test(value)) headerMacros.push([name, value]);
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
    seenLines.add(line);
    includes.push({ directive, ...classifyHeaderName(raw), line, column, conditional: isConditional(node, guard) });
  }

  // Safety net: a directive the grammar did not recognise still counts. Its
  // context is unknown, so it is treated as conditional (a miss is not fatal here;
  // the sandboxed compile would still fail loudly).
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    if (seenLines.has(i + 1) || !l.includes('#')) return;
    const m = DIRECTIVE_LINE.exec(l);
    if (!m) return;
    includes.push({
      directive: m[1] as IncludeDirective['directive'],
      ...classifyHeaderName(m[2] ?? ''),
      line: i + 1,
      column: l.indexOf('#') + 1,
      conditional: true,
    });
  });
  // A #define the grammar did not see still counts (it decides whether a computed include can happen).
  for (const l of lines) {
    const m = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)/.exec(l);
    if (m) definedMacros.add(m[1] as string);
  }
  includes.sort((a, b) => a.line - b.line);
  return { includes, headerMacros, definedMacros: [...definedMacros].sort() };
}
