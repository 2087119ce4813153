/**
 * The set-up leaves a running Nix alone: with a daemon up, scripts/nix-daemon.sh
 * changes no byte of nix.conf and keeps the daemon's PID, and only warns when
 * that nix.conf turns the sandbox off.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/project.js';

const daemons = (): string => spawnSync('pgrep', ['-o', '-x', 'nix-daemon'], { encoding: 'utf8' }).stdout.trim();
const setup = (env: NodeJS.ProcessEnv = {}): { code: number; stderr: string } => {
  const r = spawnSync('bash', [path.join(REPO, 'scripts/nix-daemon.sh')], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? 128, stderr: r.stderr };
};

describe('set-up on a machine whose Nix is configured and running', () => {
  it('leaves nix.conf byte for byte and the daemon running as it was', () => {
    const before = daemons();
    expect(before).not.toBe('');
    const conf = '/etc/nix/nix.conf';
    const bytes = fs.existsSync(conf) ? fs.readFileSync(conf) : undefined;
    const r = setup();
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(conf) ? fs.readFileSync(conf) : undefined).toEqual(bytes);
    expect(daemons()).toBe(before);
  });

  it('says what to change when that nix.conf turns the sandbox off, and still changes nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-conf-'));
    const text = '# a user\'s own settings\nsandbox = false\nmax-jobs = 4\n';
    fs.writeFileSync(path.join(dir, 'nix.conf'), text);
    const before = daemons();
    const r = setup({ NIX_CONF_DIR: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${dir}/nix.conf turns the sandbox off; nixmake's guarantees need 'sandbox = true' there`);
    expect(fs.readFileSync(path.join(dir, 'nix.conf'), 'utf8')).toBe(text);
    expect(daemons()).toBe(before);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
