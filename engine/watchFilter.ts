/**
 * watchFilter: which changed paths `nixmake watch` ignores and which start a
 * build (pure). Paths are project-relative with `/` separators; a path that
 * ends in `/` is a folder that appeared in place of another or vanished.
 *
 * Ignored, never watched nor reported: nixmake's own state (`.nixmake/`),
 * result links (`result-*` at the root), version control folders, and editor
 * temporary files (vim's swap and backup files and its `4913` write probe,
 * emacs locks and autosaves, JetBrains' safe-write files, `sed -i` temps).
 *
 * A build starts for: `nixmake.json` and the compile database it names; C and
 * C++ sources and headers by extension (gcc's, plus `.inl`, `.tpp`, `.txx`);
 * files without an extension (some headers have none); and folders. Anything
 * else (README.md, a program's output) is not an input and starts nothing.
 * It does not look at the file system.
 */
import { isHeaderPath, languageOf } from '../analyzers/language.js';

const IGNORED_FOLDERS = new Set(['.nixmake', '.git', '.hg', '.svn', '.jj']);
const EXTRA_HEADERS = new Set(['.inl', '.tpp', '.txx', '.hp', '.HPP']);

const EDITOR_TEMP = [
  /^\..*\.sw[a-px]$/, // vim swap files (.main.c.swp, .swo, …) and its .swx probe
  /~$/, // vim and emacs backups
  /^4913$/, // vim's "can I write here" probe
  /^\.#/, // emacs lock files
  /^#.*#$/, // emacs autosaves
  /___jb_(?:tmp|old)___$/, // JetBrains safe write
  /^sed[A-Za-z0-9]{6}$/, // sed -i's temporary copy
  /^\.goutputstream-/, // GTK editors' temporary copy
];

/** A path that is never watched: nixmake's state, result links, VCS folders, editor temp files. */
export function isIgnoredPath(rel: string): boolean {
  const parts = rel.split('/').filter((p) => p !== '');
  if (parts.length === 0) return false;
  if ((parts[0] as string).startsWith('result-') || parts[0] === 'result') return true;
  if (parts.some((p) => IGNORED_FOLDERS.has(p))) return true;
  const base = parts[parts.length - 1] as string;
  return EDITOR_TEMP.some((re) => re.test(base));
}

function extension(base: string): string {
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

/**
 * Whether a change to `rel` starts a build. `named`: files the config names
 * (`nixmake.json` and its compile database), relative to the root.
 */
export function triggersBuild(rel: string, named: ReadonlySet<string>): boolean {
  if (isIgnoredPath(rel)) return false;
  if (named.has(rel)) return true;
  if (rel.endsWith('/')) return true;
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  if (base.startsWith('.')) return false;
  const ext = extension(base);
  return ext === '' || languageOf(base) !== undefined || isHeaderPath(base) || EXTRA_HEADERS.has(ext);
}
