/**
 * writeAtomically: replaces a file's content as one step (written to
 * `<file>.tmp-<pid>`, then renamed over it), so a reader, or a crash, sees
 * the old content or the new, never a part. A failure removes the
 * temporary file and throws the error as it came. It does not create
 * folders.
 */
import fs from 'node:fs';

export function writeAtomically(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
