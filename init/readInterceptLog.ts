/**
 * readInterceptLog: the file `bear intercept --output FILE` writes → one
 * record per process the build ran, in start order.
 *
 * bear 3 writes one JSON object per line: a `started` record (executable,
 * arguments, working directory, pid, ppid) and later a `terminated` or
 * `signalled` record with the same `rid`. This module pairs them and nothing
 * more; deciding what a process was is `classifyCommands`'s job. Pure.
 */

export interface Exec {
  readonly rid: string;
  readonly pid: number;
  readonly ppid: number;
  readonly executable: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Exit status; 128+N when killed by signal N; undefined when the end was not recorded. */
  status: number | undefined;
  /** Position in the log, i.e. start order. */
  readonly order: number;
  /**
   * How many processes had started when its end was recorded: a process
   * with `order` at or past it started after this one ended, so it is not
   * this one's child even if its ppid is this pid (pids are reused, every
   * 32,768 processes by default).
   */
  ended?: number;
}

interface Line {
  rid?: string;
  started?: { execution?: { executable?: string; arguments?: string[]; working_dir?: string }; pid?: number; ppid?: number };
  terminated?: { status?: string | number };
  signalled?: { number?: number };
}

export function readInterceptLog(text: string): { execs: Exec[]; errors: string[] } {
  const byRid = new Map<string, Exec>();
  const execs: Exec[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      errors.push(`line ${i + 1}: not JSON`);
      return;
    }
    const rid = String(line.rid ?? '');
    const ex = line.started?.execution;
    if (line.started && ex) {
      const e: Exec = {
        rid,
        pid: Number(line.started.pid ?? -1),
        ppid: Number(line.started.ppid ?? -1),
        executable: ex.executable ?? '',
        argv: ex.arguments ?? [],
        cwd: ex.working_dir ?? '/',
        status: undefined,
        order: execs.length,
      };
      execs.push(e);
      byRid.set(rid, e);
    } else if (line.terminated || line.signalled) {
      const e = byRid.get(rid);
      if (!e) return;
      e.status = line.terminated ? Number(line.terminated.status ?? 1) : 128 + Number(line.signalled?.number ?? 0);
      e.ended = execs.length;
    }
  });
  return { execs, errors };
}
