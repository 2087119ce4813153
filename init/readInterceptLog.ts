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
    } else if (line.terminated) {
      const e = byRid.get(rid);
      if (e) e.status = Number(line.terminated.status ?? 1);
    } else if (line.signalled) {
      const e = byRid.get(rid);
      if (e) e.status = 128 + Number(line.signalled.number ?? 0);
    }
  });
  return { execs, errors };
}
