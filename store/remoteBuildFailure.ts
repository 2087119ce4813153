/**
 * remoteBuildFailure: what to tell the user when the daemon could not start
 * a build because no machine would take it. Nix 2.8 fails such a build with
 * "unable to start any build; remote machines may not have all required
 * system features" whatever the cause; its build hook said more on the
 * build's connection just before ("cannot build on 'URI': … cannot open
 * connection to remote store …", "Failed to find a machine for remote
 * build!"), and ssh's own reason went to the daemon's log. From those
 * messages, the machines nixmake was given and an ssh probe of each machine
 * that could not be reached, this says which cause it was (pure, but for
 * the probe passed in).
 */
import type { Machine } from './machines.js';
import type { ProbeResult, SshProbe } from './sshProbe.js';

/** DerivationGoal::tryLocalBuild at 2.8, when max-jobs is 0 (or the system is foreign) and no hook took the build. */
export const NO_MACHINE = /unable to start any build; remote machines may not have all required system features/;

/** build-remote.cc: the hook's ssh (or the remote store) failed. */
const CANNOT_BUILD_ON = /^cannot build on '([^']+)': (.*)$/s;

/** build-remote.cc: no machine with a free slot has the system and features. */
const NO_FITTING_MACHINE = /^Failed to find a machine for remote build!/;

const DAEMON_SSH =
  "The daemon's build hook runs ssh as the daemon's user, in the daemon's environment: NIX_SSHOPTS, ssh-agent and ~/.ssh of the user running nixmake do not reach it. " +
  "Put a port, user or identity in that user's ~/.ssh/config (a Host entry, with HostKeyAlias when it sets a port and the machine gives a host key), " +
  "or the key and host key in the machine's third and eighth columns; ssh's own message is in the daemon's log";

function probeSays(p: ProbeResult | undefined): string {
  if (!p) return '';
  const as = `as ${p.user}${p.sshOpts === '' ? '' : `, with NIX_SSHOPTS='${p.sshOpts}'`}`;
  return p.ok
    ? ` ssh from here (${as}) reaches it and runs the remote program, so the daemon's ssh lacks something this one has.`
    : ` ssh from here (${as}, the machine's key and host key) says: ${p.reason.replace(/\.$/, '')}.`;
}

/**
 * The sentence for a build that failed with NO_MACHINE, or undefined when
 * the messages say nothing more than Nix's own.
 */
export async function explainNoMachine(messages: readonly string[], machines: readonly Machine[] | undefined, maxJobs: number, probe: SshProbe): Promise<string | undefined> {
  const unreachable = messages.flatMap((m) => {
    const c = CANNOT_BUILD_ON.exec(m);
    return c ? [{ uri: c[1] as string, why: (c[2] as string).replace(/\berror: /g, '').replace(/\s+/g, ' ').trim() }] : [];
  });
  if (unreachable.length > 0) {
    const parts = await Promise.all(
      unreachable.map(async (u) => {
        const m = machines?.find((x) => x.uri === u.uri);
        const said = m ? probeSays(await probe(m)) : '';
        return `the Nix daemon could not connect to the remote builder '${u.uri}' (${u.why}).${said}`;
      }),
    );
    return `${parts.join(' ')} ${DAEMON_SSH}`;
  }
  if (messages.some((m) => NO_FITTING_MACHINE.test(m))) {
    const wanted = /required \(system, features\): \(([^,]*),/.exec(messages.find((m) => NO_FITTING_MACHINE.test(m)) ?? '')?.[1] ?? 'this system';
    return (
      `no remote builder takes this build: none of the machines in 'builders' lists the system '${wanted}' with the features it needs` +
      (maxJobs === 0 ? ', and with max-jobs 0 nothing is built on this machine' : '') +
      `. Add '${wanted}' to a machine's systems (its second column)`
    );
  }
  return undefined;
}
