import { describe, expect, it } from 'vitest';
import { parseMachines } from '../../store/machines.js';
import { explainNoMachine } from '../../store/remoteBuildFailure.js';
import type { ProbeResult } from '../../store/sshProbe.js';

const machines = parseMachines('ssh-ng://builder x86_64-linux /k 2', () => undefined);
const cannot = "cannot build on 'ssh-ng://builder': error: cannot open connection to remote store 'ssh-ng://builder': error: unexpected end-of-file";
const probeSaying = (r: ProbeResult | undefined) => async (): Promise<ProbeResult | undefined> => r;

describe('explainNoMachine', () => {
  it("names the builder the hook could not reach, with ssh's reason from a probe", async () => {
    const text = await explainNoMachine([cannot], machines, 0, probeSaying({ ok: false, reason: 'ssh: connect to host builder port 22: Connection refused', user: 'alice', sshOpts: '' }));
    expect(text).toMatch(
      /^the Nix daemon could not connect to the remote builder 'ssh-ng:\/\/builder' \(cannot open connection to remote store 'ssh-ng:\/\/builder': unexpected end-of-file\)\. ssh from here \(as alice, the machine's key and host key\) says: ssh: connect to host builder port 22: Connection refused\. The daemon's build hook runs ssh as the daemon's user/,
    );
  });

  it('says that the daemon lacks what this ssh has when the probe gets through (NIX_SSHOPTS named)', async () => {
    const text = await explainNoMachine([cannot], machines, 0, probeSaying({ ok: true, reason: '', user: 'alice', sshOpts: '-p 2222' }));
    expect(text).toContain("ssh from here (as alice, with NIX_SSHOPTS='-p 2222') reaches it and runs the remote program, so the daemon's ssh lacks something this one has.");
  });

  it('without the machine (builders from the daemon\'s nix.conf), names it without a probe', async () => {
    const text = await explainNoMachine([cannot], undefined, 0, probeSaying(undefined));
    expect(text).toMatch(/^the Nix daemon could not connect to the remote builder 'ssh-ng:\/\/builder' \([^)]*\)\. The daemon's build hook/);
  });

  it('explains a system no machine lists; says nothing when the messages do not tell', async () => {
    const none = 'Failed to find a machine for remote build!\nderivation: x.drv\nrequired (system, features): (x86_64-linux, )\n1 available machines:';
    expect(await explainNoMachine([none], machines, 1, probeSaying(undefined))).toBe(
      "no remote builder takes this build: none of the machines in 'builders' lists the system 'x86_64-linux' with the features it needs. Add 'x86_64-linux' to a machine's systems (its second column)",
    );
    expect(await explainNoMachine([], machines, 0, probeSaying(undefined))).toBeUndefined();
  });
});
