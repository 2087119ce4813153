/**
 * folderListing: a hash of the names in a folder, leaving out `result-*`
 * symlinks (nixmake's own result links, which a build points in the project
 * root): what a folder searched for headers stands for, when its mtime
 * moved only because of those links.
 *
 * node:crypto is loaded only when this is called (the no-op's fast path
 * comes here only when the root's mtime moved). It does not decide what a
 * change means.
 */
import fs from 'node:fs';

/** The names, sorted and hashed; undefined when the folder cannot be read. */
export function folderListing(dir: string): string | undefined {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const names = entries.filter((e) => !(e.isSymbolicLink() && e.name.startsWith('result-'))).map((e) => e.name);
  names.sort();
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(names.join('\0')).digest('hex');
}
