/**
 * sshProbe: when the daemon's build hook could not connect to a builder, ssh
 * to it from here the way the hook does (src/libstore/ssh.cc at 2.8: `ssh
 * HOST -x -a $NIX_SSHOPTS -i KEY -oUserKnownHostsFile=<the host key>`,
 * batch mode, then the remote program), to learn why: the hook's ssh writes
 * its reason to the daemon's own log, never to the client. It runs as this
 * user in this environment, not as the daemon does, so the answer is a
 * clue, said as such. No Nix command runs; one ssh per machine and build.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { userName } from '../core/EnvironmentError.js';
import type { Machine } from './machines.js';
import { sshTarget } from './machines.js';

export interface ProbeResult {
  /** ssh and the remote program ran. */
  readonly ok: boolean;
  /** ssh's last line of standard error (its reason), when it failed. */
  readonly reason: string;
  /** The user it ran as, and the NIX_SSHOPTS it used (this process's). */
  readonly user: string;
  readonly sshOpts: string;
}

export type SshProbe = (m: Machine) => Promise<ProbeResult | undefined>;

/** A probe that asks each machine once (one promise per machine URI). */
export function sshProbe(env: NodeJS.ProcessEnv = process.env, timeoutSeconds = 10): SshProbe {
  const asked = new Map<string, Promise<ProbeResult | undefined>>();
  return (m) => {
    let p = asked.get(m.uri);
    if (!p) asked.set(m.uri, (p = probe(m, env, timeoutSeconds)));
    return p;
  };
}

async function probe(m: Machine, env: NodeJS.ProcessEnv, timeoutSeconds: number): Promise<ProbeResult | undefined> {
  const target = sshTarget(m);
  if (!target) return undefined;
  const sshOpts = env['NIX_SSHOPTS'] ?? '';
  const args = [target.host, '-x', '-a', ...sshOpts.split(/\s+/).filter((t) => t !== '')];
  if (m.sshKey !== '') args.push('-i', m.sshKey);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-ssh-probe-'));
  try {
    if (m.hostKey !== '') {
      const host = target.host.slice(target.host.lastIndexOf('@') + 1);
      fs.writeFileSync(path.join(tmp, 'host-key'), `${host} ${Buffer.from(m.hostKey, 'base64').toString('utf8').trim()}\n`);
      args.push(`-oUserKnownHostsFile=${path.join(tmp, 'host-key')}`);
    }
    args.push('-oBatchMode=yes', `-oConnectTimeout=${timeoutSeconds}`, target.command);
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = spawn('ssh', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), (timeoutSeconds + 5) * 1000);
      child.on('error', (err) => resolve({ code: 255, stderr: `could not run ssh: ${err.message}` }));
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 255, stderr });
      });
    });
    const lines = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Warning: Permanently added'));
    return { ok: r.code === 0, reason: lines.at(-1) ?? `ssh exited with code ${r.code}`, user: userName(), sshOpts };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
