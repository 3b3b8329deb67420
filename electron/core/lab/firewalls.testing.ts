/**
 * Firewall cases the health-lab tests share (firewalls-ufw.int.test.ts over an IPv4 underlay,
 * firewalls-ipv6.int.test.ts over an IPv6 one): the same ufw set-up must be named and fixed the same
 * way whatever the underlay's address family. Test code only.
 */
import { expect } from 'vitest';
import type { Finding } from '../../../shared/diagnose/types';
import type { HealthRoundResult } from '../health/poller';
import { ufw } from './firewalls';
import type { HealthLab } from './health-lab.testing';
import { hostRunOk } from './netns-exec';

/**
 * ufw set up on `host` the way admins usually set up a server (incoming denied by default, SSH
 * allowed, VXLAN not). The health round must name ufw's default policy on that host, the fix must
 * be one `ufw allow` per peer underlay address (`peers`), bring every tunnel back, and be kept by
 * ufw itself in its `rules` file (in the host's private /etc) as an ACCEPT in `chain`.
 * `whileBlocked` checks more of the blocked state, given the round that named it.
 */
export async function ufwDefaultDenyIsNamedAndFixed(
  hl: HealthLab,
  o: {
    host: string;
    peers: readonly string[];
    rules: { file: string; chain: string };
    whileBlocked?: (last: HealthRoundResult) => Promise<void>;
  },
): Promise<void> {
  await ufw(hl.lab, o.host, ['default', 'deny', 'incoming'], ['allow', 'OpenSSH'], ['enable']);
  const { findings, last } = await hl.firewallFindings();
  await o.whileBlocked?.(last);
  expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]])).toEqual([
    [
      [o.host],
      'error',
      {
        label: 'ufw default policy (ufw)',
        value: 'Default: deny (incoming), allow (outgoing), disabled (routed)',
      },
    ],
  ]);
  const f = findings[0] as Finding;
  expect(hl.fixLines(f)).toEqual(o.peers.map((a) => `ufw allow proto udp from ${a} to any port 4789`));
  await hl.fixAndCheck(f);
  const rules = await hostRunOk(hl.lab, o.host, ['cat', o.rules.file]);
  for (const a of o.peers) expect(rules).toContain(`-A ${o.rules.chain} -p udp --dport 4789 -s ${a} -j ACCEPT`);
}
