/**
 * Real ufw on a lab host, found and fixed by the product: a 3-host lab mesh deployed over SSH, ufw
 * set up on h2 the way admins do (in h2's private /etc: firewalls.ts), then the health poller's real
 * round over SSH (nft, iptables-save, ip6tables-save, `ufw status verbose`), `diagnose`, and the
 * offered fix applied through the product's fix path (health/fix.ts, the deploy step executor, over
 * SSH). Each case must name FIREWALL_BLOCKS_VXLAN on h2 with the rule or default policy as ufw
 * prints it, and its fix (ufw commands, kept by ufw itself) must bring every tunnel back. Root only.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/diagnose/types';
import type { Topology } from '../../../shared/model';
import { argvToShell } from '../../../shared/plan';
import { runDeploy } from '../deploy/runner';
import { createDeploySsh, type DeploySsh } from '../deploy/ssh-setup';
import { applyFindingFix } from '../health/fix';
import { HealthPoller, type HealthRoundResult } from '../health/poller';
import { sshHealthTransport } from '../health/transport';
import { resetUfw, ufw } from './firewalls';
import { labDown, labHost, labUp } from './lab';
import { removeLockFiles } from './lab-check';
import { hostRunOk } from './netns-exec';
import { findExecutable, isRoot } from './preflight';
import { labSshOptions } from './ssh-options';
import type { LabState } from './state';
import { labTopology } from './topology';
import { randomLabName } from './with-lab';

const root = isRoot();
const hasUfw = findExecutable('ufw') !== undefined;
if (!root) console.log('firewalls-ufw.int.test.ts skipped: the lab (network namespaces, sshd) needs root');
else if (!hasUfw) console.log('firewalls-ufw.int.test.ts skipped: ufw is not installed (scripts/setup.sh installs it)');
const suite = root && hasUfw ? describe : describe.skip;

suite('real ufw on h2 of a 3-host mesh: named by diagnose, fixed in ufw', () => {
  const name = randomLabName('ufw');
  let lab: LabState;
  let topology: Topology;
  let ssh: DeploySsh;
  let poller: HealthPoller;
  const addr = (h: string): string => labHost(lab, h).address;

  /** Rounds (at most 2) until h2's firewall finding shows, with every other firewall finding. */
  const firewallFindings = async (): Promise<{ findings: Finding[]; last: HealthRoundResult }> => {
    let last: HealthRoundResult | undefined;
    for (let i = 0; i < 2; i++) {
      last = await poller.runRound();
      const findings = last.findings.filter((f) => f.code === 'FIREWALL_BLOCKS_VXLAN');
      if (findings.length > 0) return { findings, last };
    }
    return { findings: [], last: last as HealthRoundResult };
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

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 3 })).state;
    topology = labTopology(lab);
    ssh = createDeploySsh(labSshOptions(lab));
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    if (!r.ok) throw new Error(`the deploy failed: ${JSON.stringify(r.hosts.map((h) => [h.hostName, h.outcome]))}`);
    poller = new HealthPoller({ topology, transport: sshHealthTransport(ssh.pool), pollTimeoutMs: 20_000, adaptive: false });
    const first = await poller.runRound();
    expect(first.view.pairs.every((p) => p.status === 'ok')).toBe(true);
  }, 180_000);

  afterEach(async () => {
    await resetUfw(lab, 'h2');
  }, 60_000);

  afterAll(async () => {
    await poller?.stop();
    await ssh?.close();
    await labDown(name);
    await removeLockFiles([`lab-${name}`]);
  }, 120_000);

  it("names ufw's default incoming deny after the usual server setup (ssh allowed, VXLAN not), and `ufw allow` per peer fixes it", async () => {
    await ufw(lab, 'h2', ['default', 'deny', 'incoming'], ['allow', 'OpenSSH'], ['enable']);
    const { findings } = await firewallFindings();
    expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]])).toEqual([
      [
        ['h2'],
        'error',
        {
          label: 'ufw default policy (ufw)',
          value: 'Default: deny (incoming), allow (outgoing), disabled (routed)',
        },
      ],
    ]);
    const f = findings[0] as Finding;
    expect(fixLines(f)).toEqual([
      `ufw allow proto udp from ${addr('h1')} to any port 4789`,
      `ufw allow proto udp from ${addr('h3')} to any port 4789`,
    ]);
    await fixAndCheck(f);
    // ufw keeps the fix itself: it is in h2's /etc/ufw/user.rules (h2's private /etc) for the next boot.
    expect(await hostRunOk(lab, 'h2', ['cat', '/etc/ufw/user.rules'])).toContain(
      `-A ufw-user-input -p udp --dport 4789 -s ${addr('h1')} -j ACCEPT`,
    );
  }, 120_000);

  it('names an explicit `ufw deny 4789/udp` as ufw prints it, and prepends the allows before it', async () => {
    await ufw(lab, 'h2', ['default', 'allow', 'incoming'], ['deny', '4789/udp'], ['enable']);
    const { findings } = await firewallFindings();
    expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]?.value])).toEqual([
      [['h2'], 'error', '4789/udp                   DENY IN     Anywhere'],
    ]);
    const f = findings[0] as Finding;
    expect(fixLines(f)).toEqual([
      `ufw prepend allow proto udp from ${addr('h1')} to any port 4789`,
      `ufw prepend allow proto udp from ${addr('h3')} to any port 4789`,
    ]);
    await fixAndCheck(f);
  }, 120_000);

  it('names a `ufw reject` the same way (a reject stops VXLAN as surely as a deny)', async () => {
    await ufw(lab, 'h2', ['default', 'allow', 'incoming'], ['reject', 'proto', 'udp', 'to', 'any', 'port', '4789'], ['enable']);
    const { findings } = await firewallFindings();
    expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]?.value])).toEqual([
      [['h2'], 'error', '4789/udp                   REJECT IN   Anywhere'],
    ]);
    await fixAndCheck(findings[0] as Finding);
  }, 120_000);

  it('names a deny scoped to the underlay interface (`deny in on eth0`)', async () => {
    await ufw(
      lab,
      'h2',
      ['default', 'allow', 'incoming'],
      ['deny', 'in', 'on', 'eth0', 'proto', 'udp', 'to', 'any', 'port', '4789'],
      ['enable'],
    );
    const { findings } = await firewallFindings();
    expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]?.value])).toEqual([
      [['h2'], 'error', '4789/udp on eth0           DENY IN     Anywhere'],
    ]);
    await fixAndCheck(findings[0] as Finding);
  }, 120_000);

  it('names a deny of one peer only: h1 is cut off from h2, h3 is not', async () => {
    await ufw(
      lab,
      'h2',
      ['default', 'allow', 'incoming'],
      ['deny', 'proto', 'udp', 'from', addr('h1'), 'to', 'any', 'port', '4789'],
      ['enable'],
    );
    const { findings, last } = await firewallFindings();
    expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]?.value])).toEqual([
      [['h2'], 'error', `4789/udp                   DENY IN     ${addr('h1')}`],
    ]);
    expect(findings[0]?.message).toContain(`drops UDP 4789 from ${addr('h1')}.`);
    // ufw takes an allow with the deny's own tuple as an update of it (`prepend` would skip it).
    expect(fixLines(findings[0] as Finding)).toEqual([
      `ufw allow proto udp from ${addr('h1')} to any port 4789`,
      `ufw prepend allow proto udp from ${addr('h3')} to any port 4789`,
    ]);
    expect(
      last.view.pairs
        .filter((p) => p.status !== 'ok')
        .map((p) => [p.from, p.to])
        .sort(),
    ).toEqual([
      ['h1', 'h2'],
      ['h2', 'h1'],
    ]);
    await fixAndCheck(findings[0] as Finding);
  }, 120_000);
});
