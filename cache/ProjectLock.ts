/**
 * ProjectLock: one nixmake at a time per project. A second process waits
 * (and says so) until the first ends; a lock left by a process that no
 * longer exists (kill -9) is taken over.
 *
 * The lock is a file holding the owner's pid. It is written under a unique
 * name and then hard-linked to the lock's name, which fails if the lock
 * exists: so the lock appears with its pid already in it, and a reader never
 * sees it empty. It does not protect against other tools writing the project.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError, errnoFault, InterruptedError, userName } from '../core/EnvironmentError.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ProjectLock {
  private held = false;

  constructor(private readonly file: string) {}

  private tryTake(): number | undefined {
    const mine = `${this.file}.${process.pid}`;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(mine, String(process.pid));
    } catch (err) {
      fs.rmSync(mine, { force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        const dir = path.dirname(this.file);
        throw new EnvironmentError(
          dir,
          `cannot create the project lock in ${dir} as user ${userName()} (${code}); nixmake writes its state there: ` +
            `make it writable (chmod u+w, chown), or delete it (a cache; nixmake clean does it)`,
        );
      }
      throw errnoFault(err, mine) ?? err;
    }
    try {
      fs.linkSync(mine, this.file);
      this.held = true;
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw errnoFault(err) ?? err;
    } finally {
      fs.rmSync(mine, { force: true });
    }
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return this.tryTake(); // released meanwhile
    }
    const owner = Number(text.trim());
    if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || !alive(owner)) {
      fs.rmSync(this.file, { force: true });
      return this.tryTake();
    }
    return owner;
  }

  /**
   * Takes the lock, calling `onWait(pid)` once if another process holds it.
   * Throws InterruptedError as soon as `signal` aborts while it waits, and
   * EnvironmentError when the lock cannot be written (.nixmake read-only, a
   * full disk).
   */
  async acquire(onWait: (pid: number) => void, signal?: AbortSignal): Promise<void> {
    let told = false;
    for (;;) {
      if (signal?.aborted) throw new InterruptedError('interrupted while waiting for the project lock');
      const owner = this.tryTake();
      if (owner === undefined) return;
      if (!told) onWait(owner);
      told = true;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, 100);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      if (fs.readFileSync(this.file, 'utf8').trim() === String(process.pid)) fs.rmSync(this.file, { force: true });
    } catch {
      // already gone
    }
  }
}
