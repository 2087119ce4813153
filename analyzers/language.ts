/**
 * language: which language a path is compiled as, decided by its extension
 * the way gcc's driver decides it. It does not look at file contents.
 */

export type Language = 'c' | 'c++';

const C_SOURCES = new Set(['.c']);
const CXX_SOURCES = new Set(['.cc', '.cpp', '.cxx', '.c++', '.C', '.cp', '.CPP']);
const HEADERS = new Set(['.h', '.hh', '.hpp', '.hxx', '.h++', '.H', '.inc', '.def', '.tcc', '.ipp']);

function extension(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

/** The language a translation unit is compiled as, or undefined if it is not a C/C++ source. */
export function languageOf(path: string): Language | undefined {
  const ext = extension(path);
  if (C_SOURCES.has(ext)) return 'c';
  if (CXX_SOURCES.has(ext)) return 'c++';
  return undefined;
}

export function isHeaderPath(path: string): boolean {
  return HEADERS.has(extension(path));
}
