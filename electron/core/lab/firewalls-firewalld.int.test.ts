/**
 * Real firewalld on a lab host, found and fixed by the product: a 3-host lab mesh deployed over SSH,
 * firewalld started on h2 with its own system D-Bus (h2's private /run) and configuration (h2's
 * private /etc: firewalls.ts), then the health poller's real round over SSH (nft, iptables-save,
 * `firewall-cmd --get-default-zone` and `--list-all-zones`), `diagnose`, and the offered fix
 * (a permanent rich rule and a reload) applied through health/fix.ts over SSH. Root only.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/diagnose/types';
import type { Topology } from '../../../shared/model';
import { argvToShell } from '../../../shared/plan';
import { runDeploy } from '../deploy/runner';
import { createDeploySsh, type DeploySsh } from '../deploy/ssh-setup';
import { applyFindingFix } from '../health/fix';
import { HealthPoller } from '../health/poller';
import { sshHealthTransport } from '../health/transport';
import { firewallCmd, startFirewalld, stopFirewalld } from './firewalls';
import { labDown, labHost, labUp } from './lab';
import { removeLockFiles } from './lab-check';
import { findExecutable, isRoot } from './preflight';
import { labSshOptions } from './ssh-options';
import type { LabState } from './state';
import { labTopology } from './topology';
import { randomLabName } from './with-lab';

const root = isRoot();
const hasFirewalld = findExecutable('firewalld') !== undefined && findExecutable('dbus-daemon') !== undefined;
if (!root) console.log('firewalls-firewalld.int.test.ts skipped: the lab (network namespaces, sshd) needs root');
else if (!hasFirewalld)
  console.log('firewalls-firewalld.int.test.ts skipped: firewalld is not installed (scripts/setup.sh installs it)');
const suite = root && hasFirewalld ? describe : describe.skip;

suite('real firewalld on h2 of a 3-host mesh: named by diagnose, fixed in firewalld', () => {
  const name = randomLabName('fwd');
  let lab: LabState;
  let topology: Topology;
  let ssh: DeploySsh;
  let poller: HealthPoller;
  const addr = (h: string): string => labHost(lab, h).address;

  /** Rounds (at most 2) until a firewall finding shows. */
  const firewallFindings = async (): Promise<Finding[]> => {
    for (let i = 0; i < 2; i++) {
      const r = await poller.runRound();
      const findings = r.findings.filter((f) => f.code === 'FIREWALL_BLOCKS_VXLAN');
      if (findings.length > 0) return findings;
    }
    return [];
  };

  /** The finding's fix through the product's fix path, then one round: every tunnel up, no firewall finding. */
  const fixAndCheck = async (f: Finding): Promise<void> => {
    const fixed = await applyFindingFix(topology, f, ssh.connect);
    expect(fixed.ok, JSON.stringify(fixed.hosts)).toBe(true);
    const after = await poller.runRound();
    expect(after.view.pairs.filter((p) => p.status !== 'ok').map((p) => [p.from, p.to, p.status])).toEqual([]);
    expect(after.findings.filter((x) => x.code === 'FIREWALL_BLOCKS_VXLAN')).toEqual([]);
  };

  const fixLines = (f: Finding): string[] => (f.fix?.hosts ?? []).flatMap((h) => h.steps.map((s) => argvToShell(s.argv)));
  const rich = (peer: string): string =>
    `'--add-rich-rule=rule family="ipv4" source address="${peer}" port port="4789" protocol="udp" accept'`;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 3 })).state;
    topology = labTopology(lab);
    ssh = createDeploySsh(labSshOptions(lab));
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    if (!r.ok) throw new Error(`the deploy failed: ${JSON.stringify(r.hosts.map((h) => [h.hostName, h.outcome]))}`);
    poller = new HealthPoller({ topology, transport: sshHealthTransport(ssh.pool), pollTimeoutMs: 20_000, adaptive: false });
  }, 180_000);

  afterEach(async () => {
    await stopFirewalld(lab, 'h2');
  }, 60_000);

  afterAll(async () => {
    await poller?.stop();
    await ssh?.close();
    await labDown(name);
    await removeLockFiles([`lab-${name}`]);
  }, 120_000);

  it("names the default zone's target when firewalld runs as installed (public: ssh, dhcpv6-client), and the permanent rich rules fix it", async () => {
    await startFirewalld(lab, 'h2');
    const findings = await firewallFindings();
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
    await firewallCmd(lab, 'h2', ['--reload']);
    const again = await poller.runRound();
    expect(again.view.pairs.filter((p) => p.status !== 'ok')).toEqual([]);
  }, 180_000);

  it('names the zone the underlay interface is in when it is not the default one', async () => {
    await startFirewalld(lab, 'h2');
    await firewallCmd(
      lab,
      'h2',
      ['--permanent', '--zone=public', '--add-port=4789/udp'],
      ['--permanent', '--zone=internal', '--add-interface=eth0'],
      ['--reload'],
    );
    const findings = await firewallFindings();
    expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]])).toEqual([
      [['h2'], 'error', { label: 'firewalld default policy (firewalld zone internal)', value: 'target: default' }],
    ]);
    const f = findings[0] as Finding;
    expect(fixLines(f)[0]).toBe(`firewall-cmd --permanent '--zone=internal' ${rich(addr('h1'))}`);
    await fixAndCheck(f);
  }, 180_000);
});
