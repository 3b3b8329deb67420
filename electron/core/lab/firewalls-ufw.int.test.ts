/**
 * Real ufw on a lab host, found and fixed by the product: a 3-host lab mesh deployed over SSH, ufw
 * set up on h2 the way admins do (in h2's private /etc: firewalls.ts), then the health poller's real
 * round over SSH (nft, iptables-save, ip6tables-save, `ufw status verbose`), `diagnose`, and the
 * offered fix applied through the product's fix path (health/fix.ts, the deploy step executor, over
 * SSH). Each case must name FIREWALL_BLOCKS_VXLAN on h2 with the rule or default policy as ufw
 * prints it, and its fix (ufw commands, kept by ufw itself) must bring every tunnel back. Root only.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/diagnose/types';
import { resetUfw, ufw } from './firewalls';
import { ufwDefaultDenyIsNamedAndFixed } from './firewalls.testing';
import { useHealthLab } from './health-lab.testing';
import { labHost } from './lab';
import { findExecutable, isRoot } from './preflight';

const root = isRoot();
const hasUfw = findExecutable('ufw') !== undefined;
if (!root) console.log('firewalls-ufw.int.test.ts skipped: the lab (network namespaces, sshd) needs root');
else if (!hasUfw) console.log('firewalls-ufw.int.test.ts skipped: ufw is not installed (scripts/setup.sh installs it)');
const suite = root && hasUfw ? describe : describe.skip;

suite('real ufw on h2 of a 3-host mesh: named by diagnose, fixed in ufw', () => {
  const hl = useHealthLab({ tag: 'ufw', hosts: 3, pollTimeoutMs: 20_000 });
  const { firewallFindings, fixAndCheck, fixLines } = hl;
  const addr = (host: string): string => labHost(hl.lab, host).address;

  beforeAll(async () => {
    const first = await hl.poller.runRound();
    expect(first.view.pairs.every((p) => p.status === 'ok')).toBe(true);
  }, 180_000);

  afterEach(async () => {
    await resetUfw(hl.lab, 'h2');
  }, 60_000);

  it("names ufw's default incoming deny after the usual server setup (ssh allowed, VXLAN not), and `ufw allow` per peer fixes it", async () => {
    // ufw keeps the fix itself: it is in h2's /etc/ufw/user.rules (h2's private /etc) for the next boot.
    await ufwDefaultDenyIsNamedAndFixed(hl, {
      host: 'h2',
      peers: [addr('h1'), addr('h3')],
      rules: { file: '/etc/ufw/user.rules', chain: 'ufw-user-input' },
    });
  }, 120_000);

  it('names an explicit `ufw deny 4789/udp` as ufw prints it, and prepends the allows before it', async () => {
    await ufw(hl.lab, 'h2', ['default', 'allow', 'incoming'], ['deny', '4789/udp'], ['enable']);
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

  for (const c of [
    {
      title: 'names a `ufw reject` the same way (a reject stops VXLAN as surely as a deny)',
      rule: ['reject', 'proto', 'udp', 'to', 'any', 'port', '4789'],
      printed: '4789/udp                   REJECT IN   Anywhere',
    },
    {
      title: 'names a deny scoped to the underlay interface (`deny in on eth0`)',
      rule: ['deny', 'in', 'on', 'eth0', 'proto', 'udp', 'to', 'any', 'port', '4789'],
      printed: '4789/udp on eth0           DENY IN     Anywhere',
    },
  ]) {
    it(
      c.title,
      async () => {
        await ufw(hl.lab, 'h2', ['default', 'allow', 'incoming'], c.rule, ['enable']);
        const { findings } = await firewallFindings();
        expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]?.value])).toEqual([[['h2'], 'error', c.printed]]);
        await fixAndCheck(findings[0] as Finding);
      },
      120_000,
    );
  }

  it('names a deny of one peer only: h1 is cut off from h2, h3 is not', async () => {
    await ufw(
      hl.lab,
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
