/**
 * Host firewalls set up the way admins do, on a lab host: real ufw (and firewalld, see
 * `startFirewalld`) running ON the host, in its private /etc, /run and /var/lib (host-ns.ts), so
 * what they write (/etc/ufw, /etc/default/ufw, /etc/firewalld) never reaches this machine and their
 * rules live in the host's own network namespace.
 */
import { hostRun, hostRunOk } from './netns-exec';
import { LabError } from './preflight';
import type { LabState } from './state';

/**
 * Runs `ufw <args>` on a lab host for each command, in order, as an admin types them; `enable`
 * becomes `--force enable` (ufw asks "Command may disrupt existing ssh connections. Proceed?").
 * Returns what ufw printed.
 *
 * @example
 * await ufw(lab, 'h2', ['default', 'deny', 'incoming'], ['allow', 'OpenSSH'], ['enable']);
 */
export async function ufw(lab: LabState, hostName: string, ...commands: readonly (readonly string[])[]): Promise<string> {
  let out = '';
  for (const args of commands) {
    const argv = args.length === 1 && args[0] === 'enable' ? ['ufw', '--force', 'enable'] : ['ufw', ...args];
    const r = await hostRun(lab, hostName, argv, { timeoutMs: 60_000 });
    if (r.code !== 0)
      throw new LabError(`\`${argv.join(' ')}\` on ${hostName} exited ${String(r.code)}: ${(r.stderr || r.stdout).trim()}`);
    out += r.stdout;
  }
  return out;
}

/**
 * Puts ufw on a lab host back to its installed state: rules reset, firewall disabled (which flushes
 * its chains and sets the built-in policies to ACCEPT), default incoming policy deny as shipped.
 */
export async function resetUfw(lab: LabState, hostName: string): Promise<void> {
  await hostRunOk(lab, hostName, ['ufw', '--force', 'reset'], { timeoutMs: 60_000 });
  await hostRunOk(lab, hostName, ['ufw', 'default', 'deny', 'incoming'], { timeoutMs: 60_000 });
  await hostRunOk(lab, hostName, ['ufw', 'disable'], { timeoutMs: 60_000 });
}
