/**
 * Faults on demand, for the health and troubleshooting features to find: a firewall dropping
 * VXLAN's UDP port, a path MTU smaller than the overlay needs, a hung sshd. Each undoes cleanly.
 */
import { runOk } from './exec';
import { labHost } from './lab';
import { LabError, preflight, type ToolPaths } from './preflight';
import { freezeSshd, thawSshd } from './sshd';
import type { LabHostState, LabState } from './state';
import { VXLAN_DEFAULT_PORT } from '../../../shared/model';

/** Our own nftables table in each host namespace, so unblocking never touches anyone else's rules. */
export const FAULT_TABLE_FAMILY = 'inet';
export const FAULT_TABLE = 'vxlan_studio_lab';
export const FAULT_CHAIN = 'input';

export interface FirewallRule {
  host: string;
  family: string;
  table: string;
  chain: string;
  /** Rule handle, for deleting exactly this rule. */
  handle: number;
  /** The rule exactly as `nft list ruleset` prints it, e.g. `udp dport 4789 drop`. */
  rule: string;
}

function nft(tools: ToolPaths, host: LabHostState, args: readonly string[], input?: string): Promise<string> {
  return runOk(tools['ip'] ?? 'ip', ['netns', 'exec', host.namespace, tools['nft'] ?? 'nft', ...args], {
    timeoutMs: 15_000,
    ...(input === undefined ? {} : { input }),
  });
}

function assertPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LabError(`UDP port must be 1-65535, not ${String(port)}`);
}

/** Rules of our chain on a host as `nft -a list chain` prints them, with handles. */
export async function listFaultRules(state: LabState, hostName: string): Promise<FirewallRule[]> {
  const tools = preflight();
  const host = labHost(state, hostName);
  let text: string;
  try {
    text = await nft(tools, host, ['-a', 'list', 'chain', FAULT_TABLE_FAMILY, FAULT_TABLE, FAULT_CHAIN]);
  } catch {
    return [];
  }
  const rules: FirewallRule[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(.*\S)\s+# handle (\d+)\s*$/.exec(line);
    if (!m || /^(type|policy|chain|table)\b/.test(m[1] as string)) continue;
    rules.push({
      host: host.name,
      family: FAULT_TABLE_FAMILY,
      table: FAULT_TABLE,
      chain: FAULT_CHAIN,
      handle: Number(m[2]),
      rule: m[1] as string,
    });
  }
  return rules;
}

/**
 * Drops incoming UDP to `port` (default 4789, RFC 7348) on a lab host with an nftables rule in our
 * own table, like a host firewall that forgot VXLAN. Returns the rule as nft prints it.
 */
export async function blockUdp(state: LabState, hostName: string, port: number = VXLAN_DEFAULT_PORT): Promise<FirewallRule> {
  assertPort(port);
  return addFaultRule(state, hostName, `udp dport ${port} drop`);
}

/** Adds `rule` (as nft prints it) to our chain on a host, making the table if needed; returns it with its handle. */
async function addFaultRule(state: LabState, hostName: string, rule: string): Promise<FirewallRule> {
  const tools = preflight();
  const host = labHost(state, hostName);
  const ruleset = [
    `table ${FAULT_TABLE_FAMILY} ${FAULT_TABLE} {`,
    `  chain ${FAULT_CHAIN} {`,
    '    type filter hook input priority filter; policy accept;',
    '  }',
    '}',
    `add rule ${FAULT_TABLE_FAMILY} ${FAULT_TABLE} ${FAULT_CHAIN} ${rule}`,
    '',
  ].join('\n');
  await nft(tools, host, ['-f', '-'], ruleset);
  const added = (await listFaultRules(state, hostName)).filter((r) => r.rule === rule).pop();
  if (!added) throw new LabError(`nft accepted the rule "${rule}" on ${hostName} but does not list it`);
  return added;
}

/**
 * Removes our drop rules for `port` on a host (all of our rules when `port` is omitted), and our
 * table once it is empty. Returns the rules removed.
 */
export async function unblockUdp(state: LabState, hostName: string, port?: number): Promise<FirewallRule[]> {
  if (port !== undefined) assertPort(port);
  return removeFaultRules(state, hostName, (r) => port === undefined || r.rule === `udp dport ${port} drop`);
}

/** The rule of `cutSsh`: the lab's sshd listens on TCP 22. */
const CUT_SSH_RULE = 'tcp dport 22 drop';

/**
 * Cuts SSH to a lab host: drops every incoming TCP packet to port 22 in the host's namespace, so
 * new connections time out and open sessions (the deploy's pooled shell) hang, as when a change
 * takes away the admin's path. Processes on the host go on (a detached revert keeps its timer).
 */
export async function cutSsh(state: LabState, hostName: string): Promise<FirewallRule> {
  return addFaultRule(state, hostName, CUT_SSH_RULE);
}

/** Undoes `cutSsh`. Returns the rules removed. */
export async function restoreSsh(state: LabState, hostName: string): Promise<FirewallRule[]> {
  return removeFaultRules(state, hostName, (r) => r.rule === CUT_SSH_RULE);
}

/** Removes our rules that `doomed` picks on a host, and our table once it is empty. */
async function removeFaultRules(state: LabState, hostName: string, pick: (r: FirewallRule) => boolean): Promise<FirewallRule[]> {
  const tools = preflight();
  const host = labHost(state, hostName);
  const rules = await listFaultRules(state, hostName);
  const doomed = rules.filter(pick);
  for (const r of doomed)
    await nft(tools, host, ['delete', 'rule', FAULT_TABLE_FAMILY, FAULT_TABLE, FAULT_CHAIN, 'handle', String(r.handle)]);
  if (doomed.length === rules.length && rules.length > 0)
    await nft(tools, host, ['delete', 'table', FAULT_TABLE_FAMILY, FAULT_TABLE]);
  return doomed;
}

export type MtuSide = 'router' | 'both';

/**
 * Lowers the MTU on a host's underlay link. `router` (default) lowers only the router's end, the
 * case admins find hardest: the host's own eth0 still says 1500, but frames larger than `mtu`
 * to or from it are dropped on the way (the path MTU drops). `both` lowers eth0 too, so the host
 * itself refuses larger packets with DF set ("message too long").
 */
export async function setUnderlayMtu(state: LabState, hostName: string, mtu: number, side: MtuSide = 'router'): Promise<void> {
  if (!Number.isInteger(mtu) || mtu < 576 || mtu > 9000) throw new LabError(`underlay MTU must be 576-9000, not ${String(mtu)}`);
  const tools = preflight();
  const host = labHost(state, hostName);
  const ip = tools['ip'] ?? 'ip';
  await runOk(ip, ['-n', state.routerNamespace, 'link', 'set', host.routerPort, 'mtu', String(mtu)]);
  if (side === 'both') await runOk(ip, ['-n', host.namespace, 'link', 'set', host.interface, 'mtu', String(mtu)]);
}

/** Puts both ends of a host's underlay link back to the lab's MTU (1500). */
export async function restoreUnderlayMtu(state: LabState, hostName: string): Promise<void> {
  const tools = preflight();
  const host = labHost(state, hostName);
  const ip = tools['ip'] ?? 'ip';
  await runOk(ip, ['-n', state.routerNamespace, 'link', 'set', host.routerPort, 'mtu', String(host.mtu)]);
  await runOk(ip, ['-n', host.namespace, 'link', 'set', host.interface, 'mtu', String(host.mtu)]);
}

/** Freezes (SIGSTOP) every sshd process of a host: new and pooled SSH sessions stop answering. Returns the pids. */
export async function freezeHostSshd(state: LabState, hostName: string): Promise<number[]> {
  preflight();
  return freezeSshd(labHost(state, hostName));
}

/** Thaws (SIGCONT) every sshd process of a host. */
export async function thawHostSshd(state: LabState, hostName: string): Promise<number[]> {
  preflight();
  return thawSshd(labHost(state, hostName));
}
