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

/**
 * Starts firewalld on a lab host as its service would: the host's own system D-Bus first
 * (`dbus-daemon --system`, socket and pid in the host's private /run), then firewalld (its log in
 * /run/firewalld, since /var/log is the machine's), and waits until `firewall-cmd --state` says
 * running. firewalld then loads its default zone (public: ssh and dhcpv6-client) into the host's
 * network namespace, and keeps its permanent configuration in the host's private /etc/firewalld.
 */
export async function startFirewalld(lab: LabState, hostName: string): Promise<void> {
  const script = [
    'set -e',
    'mkdir -p /run/dbus /run/firewalld',
    '[ -f /run/dbus/pid ] && kill -0 "$(cat /run/dbus/pid)" 2>/dev/null || { rm -f /run/dbus/pid; dbus-daemon --system --fork; }',
    'firewalld --log-target file --log-file /run/firewalld/firewalld.log',
    'i=0; until firewall-cmd --state >/dev/null 2>&1; do i=$((i + 1)); [ "$i" -lt 120 ] || { tail -20 /run/firewalld/firewalld.log >&2; exit 1; }; sleep 0.25; done',
  ].join('\n');
  const r = await hostRun(lab, hostName, ['/bin/sh', '-c', script], { timeoutMs: 90_000 });
  if (r.code !== 0) throw new LabError(`firewalld did not start on ${hostName}: ${(r.stderr || r.stdout).trim()}`);
}

/**
 * Stops firewalld on a lab host (it removes its nftables tables as it exits), then forgets its
 * permanent configuration (the host's /etc/firewalld/zones), so the next start is a fresh install's.
 */
export async function stopFirewalld(lab: LabState, hostName: string): Promise<void> {
  const script = [
    'if [ -f /run/firewalld.pid ]; then pid=$(cat /run/firewalld.pid); kill "$pid" 2>/dev/null || true',
    '  i=0; while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 120 ]; do i=$((i + 1)); sleep 0.25; done; fi',
    'rm -f /etc/firewalld/zones/*.xml /etc/firewalld/zones/*.xml.old',
  ].join('\n');
  await hostRunOk(lab, hostName, ['/bin/sh', '-c', script], { timeoutMs: 60_000 });
}

/** Runs `firewall-cmd <args>` on a lab host for each command, in order. Returns what it printed. */
export async function firewallCmd(lab: LabState, hostName: string, ...commands: readonly (readonly string[])[]): Promise<string> {
  let out = '';
  for (const args of commands) {
    const r = await hostRun(lab, hostName, ['firewall-cmd', ...args], { timeoutMs: 60_000 });
    if (r.code !== 0)
      throw new LabError(
        `\`firewall-cmd ${args.join(' ')}\` on ${hostName} exited ${String(r.code)}: ${(r.stderr || r.stdout).trim()}`,
      );
    out += r.stdout;
  }
  return out;
}
