/**
 * language: which language a path is compiled as, decided by its extension
 * the way gcc's driver decides it, and what follows from that (the driver,
 * the grammar, whether the preprocessor runs). It does not look at file
 * contents.
 */

/** `asm`: assembly as is (`.s`); `asm-cpp`: assembly through the C preprocessor (`.S`, `.sx`). */
export type Language = 'c' | 'c++' | 'asm' | 'asm-cpp';

const C_SOURCES = new Set(['.c']);
const CXX_SOURCES = new Set(['.cc', '.cpp', '.cxx', '.c++', '.C', '.cp', '.CPP']);
const ASM_SOURCES = new Set(['.s']);
const ASM_CPP_SOURCES = new Set(['.S', '.sx']);
const HEADERS = new Set(['.h', '.hh', '.hpp', '.hxx', '.h++', '.H', '.inc', '.def', '.tcc', '.ipp']);

function extension(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

/** The language a translation unit is compiled as, or undefined if it is not a C, C++ or assembly source. */
export function languageOf(path: string): Language | undefined {
  const ext = extension(path);
  if (C_SOURCES.has(ext)) return 'c';
  if (CXX_SOURCES.has(ext)) return 'c++';
  if (ASM_CPP_SOURCES.has(ext)) return 'asm-cpp';
  if (ASM_SOURCES.has(ext)) return 'asm';
  return undefined;
}

/** The driver that compiles it (and whose built-in include folders it searches): g++ for C++, gcc for the rest. */
export function driverOf(lang: Language): 'c' | 'c++' {
  return lang === 'c++' ? 'c++' : 'c';
}

/** Whether the C preprocessor reads it, so that its #include directives are inputs (not for `.s`). */
export function isPreprocessed(lang: Language): boolean {
  return lang !== 'asm';
}

export function isHeaderPath(path: string): boolean {
  return HEADERS.has(extension(path));
}
