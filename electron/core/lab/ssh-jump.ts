/**
 * Proof that a connection took its jump hosts: a lab host whose sshd only the last jump host may
 * reach (nftables in that host's namespace drops TCP 22 from every other address), so a direct
 * connection cannot succeed and a successful one went through the jumps.
 */
import { isIP } from 'node:net';
import { labHost } from './lab';
import { nsRunOk } from './netns-exec';
import { findExecutable, LabError } from './preflight';
import type { LabState } from './state';

/** Our own table, so removing it never touches another rule (faults.ts keeps its own table too). */
export const SSH_JUMP_TABLE = 'vxlan_studio_ssh_jump';

/**
 * Lets only `fromHost` reach `hostName`'s TCP port 22 (IPv4 and IPv6 from anyone else are dropped).
 * Resolves with the function that removes the rule again.
 */
export async function allowSshOnlyFrom(state: LabState, hostName: string, fromHost: string): Promise<() => Promise<void>> {
  const host = labHost(state, hostName);
  const from = labHost(state, fromHost);
  if (isIP(from.address) !== 4)
    throw new LabError(`allowSshOnlyFrom needs an IPv4 lab address, ${from.name} has ${from.address}`);
  const nft = findExecutable('nft') ?? 'nft';
  const rules = [
    `table inet ${SSH_JUMP_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    `    tcp dport 22 ip saddr != ${from.address} drop`,
    '    tcp dport 22 meta nfproto ipv6 drop',
    '  }',
    '}',
    '',
  ].join('\n');
  await nsRunOk(host.namespace, [nft, '-f', '-'], { input: rules, timeoutMs: 15_000 });
  return async () => {
    await nsRunOk(host.namespace, [nft, 'delete', 'table', 'inet', SSH_JUMP_TABLE], { timeoutMs: 15_000 });
  };
}
