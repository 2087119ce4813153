/**
 * ProcessGroup: a long-lived helper process (a nix-daemon, an sshd) started
 * in a session of its own, its output in `<dir>/<log>`, owning `dir`.
 * `stop` ends the whole group and removes the folder; a group still running
 * when this process exits is stopped then. It does not wait for the process
 * to be ready: callers poll for what they need (a socket, an answer).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export class ProcessGroup {
  private stopped = false;
  private readonly onExit = (): void => this.stop();

  private constructor(
    readonly dir: string,
    private readonly pid: number,
  ) {
    process.on('exit', this.onExit);
  }

  static start(dir: string, log: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ProcessGroup {
    const fd = fs.openSync(path.join(dir, log), 'w');
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    fs.closeSync(fd);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    return new ProcessGroup(dir, child.pid);
  }

  /** The last lines of its log, for an error saying why it did not come up. */
  logTail(log: string, lines = 3): string {
    return fs.readFileSync(path.join(this.dir, log), 'utf8').trim().split('\n').slice(-lines).join(' / ') || 'no output';
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.onExit);
    try {
      process.kill(-this.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
