import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { remoteBuilders } from '../../cli/remoteBuilders.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** An environment whose only nix.conf says `conf`. */
function envWith(conf: string): NodeJS.ProcessEnv {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-remote-builders-'));
  dirs.push(d);
  fs.writeFileSync(path.join(d, 'nix.conf'), conf);
  return { NIX_CONF_DIR: d, NIX_USER_CONF_FILES: '', HOME: d };
}

const nix = (options: [string, string][] = []) => ({ keepFailed: false, cores: undefined, maxSilentTime: undefined, timeout: undefined, options });

describe('remoteBuilders: -j and the remote slots', () => {
  it('without builders: the cores, no remote slots', () => {
    const r = remoteBuilders(nix(), envWith(''), 2);
    expect([r.machines, r.defaultJobs, r.slotsFor(2), r.warningFor(2)]).toEqual([undefined, 2, undefined, undefined]);
  });

  it("with max-jobs 0: every slot remote, -j the machines' slots", () => {
    const r = remoteBuilders(nix([['builders', 'ssh://a x86_64-linux - 3; ssh://b x86_64-linux - 2'], ['max-jobs', '0']]), envWith(''), 2);
    expect([r.defaultJobs, r.slotsFor(5), r.warningFor(5)]).toEqual([5, undefined, undefined]);
  });

  it("with max-jobs left alone: the cores here, then the builders' slots (nix.conf's builders count too)", () => {
    const r = remoteBuilders(nix(), envWith('builders = ssh://a x86_64-linux - 3\n'), 2);
    expect(r.machines?.map((m) => m.uri)).toEqual(['ssh://a']);
    expect(r.defaultJobs).toBe(5);
    expect(r.slotsFor(5)).toEqual({ from: 2, count: 3 });
    expect(r.slotsFor(3)).toEqual({ from: 2, count: 1 });
    expect(r.slotsFor(2)).toBeUndefined();
    expect(r.warningFor(2)).toMatch(/^with -j 2 every job slot builds on this machine/);
    // The command line's builders win over nix.conf's.
    expect(remoteBuilders(nix([['builders', '']]), envWith('builders = ssh://a - - 3\n'), 2).defaultJobs).toBe(2);
  });
});
