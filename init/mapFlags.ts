/**
 * mapFlags: a recorded compile's flags with every path (-I, -isystem,
 * -iquote, -idirafter, -include, -imacros; joined or separate) made
 * project-relative, or left absolute when it points outside the project
 * (a toolchain input). Nothing else is changed. Pure.
 */
import path from 'node:path';
import type { CompileStep } from './classifyCommands.js';

const PATH_FLAGS = new Set(['-I', '-isystem', '-iquote', '-idirafter', '-include', '-imacros']);

export function mapFlags(c: CompileStep, rel: (p: string) => string | undefined): string[] {
  const out: string[] = [];
  const f = c.flags;
  for (let i = 0; i < f.length; i++) {
    const a = f[i] as string;
    const map = (p: string): string => {
      const abs = path.resolve(c.cwd, p);
      return rel(abs) ?? abs;
    };
    if (PATH_FLAGS.has(a)) {
      out.push(a, map(f[++i] ?? ''));
      continue;
    }
    const joined = [...PATH_FLAGS].find((p) => p !== '-I' && a.startsWith(p) && a.length > p.length) ?? (a.startsWith('-I') && a.length > 2 ? '-I' : undefined);
    if (joined) out.push(joined, map(a.slice(joined.length)));
    else out.push(a);
  }
  return out;
}

