/**
 * The smallest firewall change that lets a segment's peers reach a VTEP: an accept for UDP
 * <port> from exactly those peers, placed before the rule that drops it (or, for a default-drop
 * policy, at the end of the chain), in the tool that owns the rule.
 */
import { parseAddress } from '../validate/ip';
import { iptablesPersistStep, nftPersistStep } from './firewall-persist';
import type { FixStep, VxlanDrop } from './firewall-types';

export type { FixStep } from './firewall-types';

/** Comment put on nftables rules we add, so people (and a later teardown) can tell them apart. */
export const NFT_FIX_COMMENT = 'vxlan-studio: VXLAN from segment peers';

function byFamily(peers: readonly string[]): { v4: string[]; v6: string[] } {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const p of peers) {
    const a = parseAddress(p);
    if (typeof a === 'string') throw new Error(`peer address ${JSON.stringify(p)} is not an IP address: ${a}`);
    (a.family === 4 ? v4 : v6).push(a.normalized);
  }
  return { v4, v6 };
}

function nftSteps(drop: VxlanDrop, peers: readonly string[], port: number): FixStep[] {
  const loc = drop.nft;
  if (!loc) return [];
  const { v4, v6 } = byFamily(peers);
  const groups: Array<[string, string[]]> = [];
  if (v4.length > 0 && loc.family !== 'ip6') groups.push(['ip', v4]);
  if (v6.length > 0 && loc.family !== 'ip') groups.push(['ip6', v6]);
  return groups.flatMap(([proto, addrs]) => {
    const head =
      drop.kind === 'rule' && loc.handle !== undefined
        ? ['nft', 'insert', 'rule', loc.family, loc.table, loc.chain, 'position', String(loc.handle)]
        : ['nft', 'add', 'rule', loc.family, loc.table, loc.chain];
    const rule = [
      proto,
      'saddr',
      `{ ${addrs.join(', ')} }`,
      'udp',
      'dport',
      String(port),
      'accept',
      'comment',
      `"${NFT_FIX_COMMENT}"`,
    ];
    return [
      {
        // `insert ... position H` puts the rule before the rule with handle H (nft(8) RULES).
        argv: [...head, ...rule],
        description:
          drop.kind === 'rule'
            ? `accept UDP ${port} from ${addrs.join(', ')} before \`${drop.text}\` (${drop.where})`
            : `accept UDP ${port} from ${addrs.join(', ')} in ${drop.where}, whose policy drops it`,
        inverse: [],
        kind: 'firewall-allow',
        target: `${loc.family} ${loc.table} ${loc.chain}`,
      },
      nftPersistStep(loc, rule.join(' ')),
    ];
  });
}

function iptablesSteps(drop: VxlanDrop, peers: readonly string[], port: number): FixStep[] {
  const loc = drop.iptables;
  if (!loc) return [];
  const { v4, v6 } = byFamily(peers);
  const addrs = loc.family === 6 ? v6 : v4;
  if (addrs.length === 0) return [];
  const tool = loc.family === 6 ? 'ip6tables' : 'iptables';
  const table = loc.table === 'filter' ? [] : ['-t', loc.table];
  const match = ['-s', addrs.join(','), '-p', 'udp', '-m', 'udp', '--dport', String(port), '-j', 'ACCEPT'];
  const where = drop.kind === 'rule' && loc.position !== undefined ? ['-I', loc.chain, String(loc.position)] : ['-A', loc.chain];
  return [
    {
      argv: [tool, ...table, ...where, ...match],
      description:
        drop.kind === 'rule'
          ? `accept UDP ${port} from ${addrs.join(', ')} before rule ${loc.position ?? ''} of ${loc.chain} (\`${drop.text}\`)`
          : `accept UDP ${port} from ${addrs.join(', ')} at the end of ${loc.chain}, whose policy is DROP`,
      inverse: [[tool, ...table, '-D', loc.chain, ...match]],
      kind: 'firewall-allow',
      target: loc.chain,
    },
    iptablesPersistStep(loc.family, loc.chain),
  ];
}

function ufwSteps(drop: VxlanDrop, peers: readonly string[], port: number): FixStep[] {
  const ruleNumber = drop.kind === 'rule' ? drop.ufw?.number : undefined;
  return peers.map((peer) => {
    const rule = ['proto', 'udp', 'from', peer, 'to', 'any', 'port', String(port)];
    // ufw keeps its rules itself (/etc/ufw/user.rules, user6.rules): the fix survives `ufw reload`
    // and reboots. First match wins, so against a deny rule the allow goes first among the rules of
    // its IP version (`prepend`, ufw 0.36), which no OUT or IPv6 rule before it can misplace as a
    // number would; but an allow with the very tuple of the deny is taken as an update of that rule
    // (`prepend` would skip it as "existing"), so that one is a plain `ufw allow`, undone by the deny.
    const sameTuple = drop.ufw?.sameTupleFrom === peer && drop.ufw.action !== undefined;
    const argv = ruleNumber === undefined || sameTuple ? ['ufw', 'allow', ...rule] : ['ufw', 'prepend', 'allow', ...rule];
    return {
      argv,
      description:
        ruleNumber === undefined
          ? `ufw allow UDP ${port} from ${peer} (\`${drop.text}\` denies it)`
          : sameTuple
            ? `ufw: turn rule ${ruleNumber} (\`${drop.text}\`) into an allow of UDP ${port} from ${peer}`
            : `ufw allow UDP ${port} from ${peer}, first, before ufw rule ${ruleNumber} (\`${drop.text}\`)`,
      inverse: [sameTuple ? ['ufw', drop.ufw?.action ?? 'deny', ...rule] : ['ufw', 'delete', 'allow', ...rule]],
      kind: 'firewall-allow',
      target: 'ufw',
    };
  });
}

function firewalldSteps(drop: VxlanDrop, peers: readonly string[], port: number): FixStep[] {
  const zone = drop.firewalld?.zone;
  if (zone === undefined || peers.length === 0) return [];
  // A rich rule that denies wins over an allow of the same priority, so go one below it.
  const priority = drop.kind === 'rule' ? (drop.firewalld?.priority ?? 0) - 1 : undefined;
  const reload = ['firewall-cmd', '--reload'];
  const steps: FixStep[] = [];
  for (const peer of peers) {
    const a = parseAddress(peer);
    if (typeof a === 'string') throw new Error(`peer address ${JSON.stringify(peer)} is not an IP address: ${a}`);
    const rich = `rule${priority === undefined ? '' : ` priority="${priority}"`} family="${a.family === 4 ? 'ipv4' : 'ipv6'}" source address="${a.normalized}" port port="${port}" protocol="udp" accept`;
    const base = ['firewall-cmd', '--permanent', `--zone=${zone}`];
    steps.push({
      argv: [...base, `--add-rich-rule=${rich}`],
      description: `firewalld: accept UDP ${port} from ${a.normalized} in zone ${zone} (permanent configuration)`,
      inverse: [[...base, `--remove-rich-rule=${rich}`], reload],
      kind: 'firewall-allow',
      target: zone,
    });
  }
  // The permanent configuration is what survives a reload or reboot; the reload makes it the runtime one.
  steps.push({
    argv: reload,
    description: `firewalld: load the permanent configuration (zone ${zone} now accepts UDP ${port} from the peers)`,
    inverse: [reload],
    kind: 'firewall-allow',
    target: zone,
  });
  return steps;
}

/**
 * Commands that let `peers` through to UDP `port` despite `drop`.
 *
 * @example
 * firewallFixSteps(drop, ['172.30.1.11', '172.30.1.13'], 4789)[0].argv
 * // nft insert rule inet vxlan_studio_lab input position 2 ip saddr '{ 172.30.1.11, 172.30.1.13 }'
 * //   udp dport 4789 accept comment '"vxlan-studio: VXLAN from segment peers"'   (as argvToShell prints it)
 */
export function firewallFixSteps(drop: VxlanDrop, peers: readonly string[], port: number): FixStep[] {
  switch (drop.backend) {
    case 'nftables':
      return nftSteps(drop, peers, port);
    case 'iptables':
      return iptablesSteps(drop, peers, port);
    case 'ufw':
      return ufwSteps(drop, peers, port);
    case 'firewalld':
      return firewalldSteps(drop, peers, port);
  }
}
