/**
 * Real firewalld on a lab host, found and fixed by the product: a 3-host lab mesh deployed over SSH,
 * firewalld started on h2 with its own system D-Bus (h2's private /run) and configuration (h2's
 * private /etc: firewalls.ts), then the health poller's real round over SSH (nft, iptables-save,
 * `firewall-cmd --get-default-zone` and `--list-all-zones`), `diagnose`, and the offered fix
 * (a permanent rich rule and a reload) applied through health/fix.ts over SSH. Root only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/diagnose/types';
import { firewallCmd, startFirewalld, stopFirewalld } from './firewalls';
import { useHealthLab } from './health-lab.testing';
import { labHost } from './lab';
import { findExecutable, isRoot } from './preflight';

const root = isRoot();
const hasFirewalld = findExecutable('firewalld') !== undefined && findExecutable('dbus-daemon') !== undefined;
if (!root) console.log('firewalls-firewalld.int.test.ts skipped: the lab (network namespaces, sshd) needs root');
else if (!hasFirewalld)
  console.log('firewalls-firewalld.int.test.ts skipped: firewalld is not installed (scripts/setup.sh installs it)');
const suite = root && hasFirewalld ? describe : describe.skip;

suite('real firewalld on h2 of a 3-host mesh: named by diagnose, fixed in firewalld', () => {
  const hl = useHealthLab({ tag: 'fwd', hosts: 3, pollTimeoutMs: 20_000 });
  const { firewallFindings, fixAndCheck, fixLines } = hl;
  const addr = (host: string): string => labHost(hl.lab, host).address;

  const rich = (peer: string): string =>
    `'--add-rich-rule=rule family="ipv4" source address="${peer}" port port="4789" protocol="udp" accept'`;

  afterEach(async () => {
    await stopFirewalld(hl.lab, 'h2');
  }, 60_000);

  it("names the default zone's target when firewalld runs as installed (public: ssh, dhcpv6-client), and the permanent rich rules fix it", async () => {
    await startFirewalld(hl.lab, 'h2');
    const { findings } = await firewallFindings();
    expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]])).toEqual([
      [['h2'], 'error', { label: 'firewalld default policy (firewalld zone public)', value: 'target: default' }],
    ]);
    const f = findings[0] as Finding;
    expect(fixLines(f)).toEqual([
      `firewall-cmd --permanent '--zone=public' ${rich(addr('h1'))}`,
      `firewall-cmd --permanent '--zone=public' ${rich(addr('h3'))}`,
      'firewall-cmd --reload',
    ]);
    await fixAndCheck(f);
    // The permanent configuration holds the fix: it survives firewalld's next reload.
    await firewallCmd(hl.lab, 'h2', ['--reload']);
    const again = await hl.poller.runRound();
    expect(again.view.pairs.filter((p) => p.status !== 'ok')).toEqual([]);
  }, 180_000);

  it('names the zone the underlay interface is in when it is not the default one', async () => {
    await startFirewalld(hl.lab, 'h2');
    await firewallCmd(
      hl.lab,
      'h2',
      ['--permanent', '--zone=public', '--add-port=4789/udp'],
      ['--permanent', '--zone=internal', '--add-interface=eth0'],
      ['--reload'],
    );
    const { findings } = await firewallFindings();
    expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]])).toEqual([
      [['h2'], 'error', { label: 'firewalld default policy (firewalld zone internal)', value: 'target: default' }],
    ]);
    const f = findings[0] as Finding;
    expect(fixLines(f)[0]).toBe(`firewall-cmd --permanent '--zone=internal' ${rich(addr('h1'))}`);
    await fixAndCheck(f);
  }, 180_000);
});
