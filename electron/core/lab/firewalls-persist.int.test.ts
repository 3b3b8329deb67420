/**
 * The steps that keep a raw nftables or iptables fix across reboots, run as the fix runs them (the
 * shell line of their argv) ON a lab host, whose /etc is its own (host-ns.ts): the file the
 * distribution loads at boot must hold the accept afterwards, and still load. Root only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findVxlanDrops, firewallFixSteps, NFT_CONF, NFT_PERSIST_FILE } from '../../../shared/diagnose';
import { NFT_COMMANDS, parseIptablesSave, parseNftRuleset } from '../../../shared/observe';
import { argvToShell } from '../../../shared/plan';
import { labDown, labHost, labUp } from './lab';
import { hostRunOk, hostShell } from './netns-exec';
import { findExecutable, isRoot } from './preflight';
import type { LabState } from './state';
import { randomLabName } from './with-lab';

const root = isRoot();
const hasIptables = findExecutable('iptables') !== undefined;
if (!root) console.log('firewalls-persist.int.test.ts skipped: the lab (network namespaces) needs root');
const suite = root && hasIptables ? describe : describe.skip;

suite('keeping a firewall fix across reboots, on a lab host with its own /etc', () => {
  const name = randomLabName('fwp');
  let lab: LabState;
  const peer = (): string => labHost(lab, 'h1').address;

  /** Runs each step's shell line on h2, as the fix does; returns their stdout and stderr. */
  const run = async (steps: Array<{ argv: string[] }>): Promise<string> => {
    let out = '';
    for (const s of steps) {
      const r = await hostShell(lab, 'h2', argvToShell(s.argv));
      expect({ step: argvToShell(s.argv).slice(0, 60), code: r.code }).toEqual({
        step: argvToShell(s.argv).slice(0, 60),
        code: 0,
      });
      out += r.stdout + r.stderr;
    }
    return out;
  };

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
  }, 120_000);

  afterAll(async () => {
    await labDown(name);
  }, 120_000);

  it("adds the nft accept to /etc/nftables.conf's include when that file defines the table, and the file still loads", async () => {
    const conf = [
      '#!/usr/sbin/nft -f',
      'flush ruleset',
      'table inet filter {',
      '  chain input {',
      '    type filter hook input priority filter; policy drop;',
      '    tcp dport 22 accept',
      '  }',
      '}',
      '',
    ].join('\n');
    await hostShell(lab, 'h2', `cat > ${NFT_CONF}`, [], { input: conf });
    await hostRunOk(lab, 'h2', ['nft', '-f', NFT_CONF]);
    const read = async (): Promise<ReturnType<typeof parseNftRuleset>> =>
      parseNftRuleset(
        { json: await hostRunOk(lab, 'h2', [...NFT_COMMANDS.json]), text: await hostRunOk(lab, 'h2', [...NFT_COMMANDS.text]) },
        'h2',
      );
    const q = { port: 4789, peers: [peer()] };
    const steps = findVxlanDrops(await read(), q).flatMap((d) => firewallFixSteps(d, [peer()], 4789));
    expect(steps.map((s) => s.kind)).toEqual(['firewall-allow', 'firewall-persist']);
    expect(await run(steps)).toContain(`added to ${NFT_PERSIST_FILE}, included from ${NFT_CONF}`);
    expect(await hostRunOk(lab, 'h2', ['cat', NFT_PERSIST_FILE])).toContain(
      `insert rule inet filter input ip saddr { ${peer()} } udp dport 4789 accept comment "vxlan-studio: VXLAN from segment peers"`,
    );
    // A boot: the file alone rebuilds the ruleset, with the accept.
    await hostRunOk(lab, 'h2', ['nft', 'flush', 'ruleset']);
    await hostRunOk(lab, 'h2', ['nft', '-f', NFT_CONF]);
    expect(findVxlanDrops(await read(), q)).toEqual([]);
    await hostRunOk(lab, 'h2', ['nft', 'flush', 'ruleset']);
  }, 60_000);

  it('leaves /etc/nftables.conf alone when it does not define the table, and says the accept lasts until reboot', async () => {
    await hostShell(lab, 'h2', `printf '#!/usr/sbin/nft -f\\nflush ruleset\\n' > ${NFT_CONF}; rm -f ${NFT_PERSIST_FILE}`);
    await hostRunOk(lab, 'h2', ['nft', '-f', '-'], {
      input: 'table inet own { chain input { type filter hook input priority 0; policy drop; }; }\n',
    });
    const rs = parseNftRuleset({ json: await hostRunOk(lab, 'h2', [...NFT_COMMANDS.json]) }, 'h2');
    const steps = findVxlanDrops(rs, { port: 4789, peers: [peer()] }).flatMap((d) => firewallFixSteps(d, [peer()], 4789));
    expect(await run(steps)).toContain('does not define table inet own');
    expect(await hostRunOk(lab, 'h2', ['cat', NFT_CONF])).toBe('#!/usr/sbin/nft -f\nflush ruleset\n');
    await hostRunOk(lab, 'h2', ['nft', 'flush', 'ruleset']);
  }, 60_000);

  it("saves the running iptables rules, with the accept, to iptables-persistent's /etc/iptables/rules.v4", async () => {
    await hostShell(lab, 'h2', 'mkdir -p /etc/iptables && : > /etc/iptables/rules.v4 && chmod 0640 /etc/iptables/rules.v4');
    await hostRunOk(lab, 'h2', ['iptables', '-P', 'INPUT', 'DROP']);
    try {
      const rs = parseIptablesSave(await hostRunOk(lab, 'h2', ['iptables-save']), 'h2');
      const steps = findVxlanDrops(rs, { port: 4789, peers: [peer()] }).flatMap((d) => firewallFixSteps(d, [peer()], 4789));
      expect(await run(steps)).toContain('saved the running rules to /etc/iptables/rules.v4');
      const saved = await hostRunOk(lab, 'h2', ['cat', '/etc/iptables/rules.v4']);
      expect(saved).toContain(`-A INPUT -s ${peer()}/32 -p udp -m udp --dport 4789 -j ACCEPT`);
      expect(saved).toContain(':INPUT DROP');
      expect((await hostRunOk(lab, 'h2', ['stat', '-c', '%a', '/etc/iptables/rules.v4'])).trim()).toBe('640');
    } finally {
      await hostRunOk(lab, 'h2', ['iptables', '-P', 'INPUT', 'ACCEPT']);
      await hostRunOk(lab, 'h2', ['iptables', '-F', 'INPUT']);
    }
  }, 60_000);
});
