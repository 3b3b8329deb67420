/**
 * One host's firewalls judged together. A host can show the same rules through several tools:
 *
 * - iptables-nft (Debian's `iptables`) keeps its rules in nftables tables (`table ip filter`), which
 *   `nft -j` lists too, but with matches it cannot translate (`-m conntrack`, `-m multiport`,
 *   `-m addrtype`...) as opaque `xt` expressions. Those tables are judged from `iptables-save`, which
 *   spells every match out; `nft` keeps the rest (and tables iptables-nft calls incompatible).
 * - ufw and firewalld are front ends: their rules end up in iptables chains (`ufw-user-input`...) or
 *   in nftables (`table inet firewalld`). The low-level ruleset is the truth about what is dropped;
 *   the manager's own listing (`ufw status verbose`, `firewall-cmd --list-all-zones`) gives the
 *   words the admin knows and the fix in the manager's language, which survives its next reload.
 *   So a drop found in a manager's chains is reported as the manager's rule or default policy, and a
 *   manager's listing that the low-level ruleset contradicts (it lets the packet through) is not.
 */
import type { NftRuleset } from '../observe/nft';
import type { IptablesRuleset } from '../observe/iptables';
import type { UfwStatus } from '../observe/ufw';
import type { FirewalldState } from '../observe/firewalld';
import { findVxlanDrops } from './firewall';
import type { FirewallRuleset, VxlanDrop, VxlanDropQuery } from './firewall-types';

/** The nftables ruleset without the tables iptables-nft shows better through iptables-save. */
function withoutIptablesNftTables(nft: NftRuleset, iptables: readonly IptablesRuleset[]): NftRuleset {
  const owned = new Set<string>();
  for (const ipt of iptables) {
    if (ipt.variant !== 'nf_tables') continue;
    for (const c of ipt.chains)
      if (!ipt.incompatible.includes(c.table)) owned.add(`${ipt.family === 6 ? 'ip6' : 'ip'} ${c.table}`);
  }
  if (owned.size === 0) return nft;
  const keep = (x: { family: string; table: string }): boolean => !owned.has(`${x.family} ${x.table}`);
  return {
    ...nft,
    tables: nft.tables.filter((t) => !owned.has(`${t.family} ${t.name}`)),
    chains: nft.chains.filter(keep),
    sets: nft.sets.filter(keep),
    rules: nft.rules.filter(keep),
  };
}

/** An iptables ruleset without the tables iptables-nft could not read (`nft` judges those). */
function withoutIncompatible(ipt: IptablesRuleset): IptablesRuleset {
  if (ipt.incompatible.length === 0) return ipt;
  return {
    ...ipt,
    chains: ipt.chains.filter((c) => !ipt.incompatible.includes(c.table)),
    rules: ipt.rules.filter((r) => !ipt.incompatible.includes(r.table)),
  };
}

/** ufw's chains (ufw-before-input, ufw6-user-input...) and the INPUT policy it sets. */
function isUfwDrop(d: VxlanDrop): boolean {
  const loc = d.iptables;
  if (!loc) return false;
  return /^ufw6?-/.test(loc.chain) || (d.kind === 'policy' && loc.table === 'filter' && loc.chain === 'INPUT');
}

/** firewalld's nftables tables (`table inet firewalld`, and `ip`/`ip6 firewalld` for its NAT). */
function isFirewalldDrop(d: VxlanDrop): boolean {
  return d.nft?.table === 'firewalld';
}

interface Manager {
  listing: UfwStatus | FirewalldState;
  owns: (d: VxlanDrop) => boolean;
  /** Whether the low-level rulesets read from the host hold this manager's rules at all. */
  covered: boolean;
}

function managersOf(firewalls: readonly FirewallRuleset[], low: readonly FirewallRuleset[]): Manager[] {
  const out: Manager[] = [];
  for (const fw of firewalls) {
    if (fw.backend === 'ufw' && fw.active)
      out.push({
        listing: fw,
        owns: isUfwDrop,
        covered: low.some((r) => r.backend === 'iptables' && r.chains.some((c) => /^ufw6?-user-input$/.test(c.name))),
      });
    if (fw.backend === 'firewalld')
      out.push({
        listing: fw,
        owns: isFirewalldDrop,
        covered: low.some((r) => r.backend === 'nftables' && r.tables.some((t) => t.name === 'firewalld')),
      });
  }
  return out;
}

function dropsForOnePacket(low: readonly FirewallRuleset[], managers: readonly Manager[], q: VxlanDropQuery): VxlanDrop[] {
  let drops = low.flatMap((fw) => findVxlanDrops(fw, q));
  for (const m of managers) {
    const owned = drops.filter(m.owns);
    const own = findVxlanDrops(m.listing, q);
    if (!m.covered) {
      drops.push(...own);
      continue;
    }
    // Nothing of the manager's drops the packet: its listing alone (which cannot show every
    // chain it installs) does not outvote the ruleset the kernel runs.
    if (owned.length === 0 || own.length === 0) continue;
    // The kernel's ruleset says whether the drop is certain; the listing says which of its rules it is
    // (its walk may stop short of certainty at a rule it cannot judge, such as an application profile).
    const certain = owned.some((d) => d.certain);
    const sure = own.filter((d) => d.certain);
    const named = sure.length > 0 ? sure : own;
    drops = [...drops.filter((d) => !m.owns(d)), ...named.map((d) => ({ ...d, certain: certain || d.certain }))];
  }
  return drops;
}

function dropKey(d: VxlanDrop): string {
  return `${d.backend}|${d.kind}|${d.where}|${d.text}`;
}

/**
 * Which rules or default policies among all of a host's firewalls drop inbound VXLAN (UDP
 * `query.port`) from `query.peers`, each named by the tool the admin uses for it (see the module
 * comment): ufw's `Default: deny (incoming), ...` rather than iptables' `:INPUT DROP`.
 *
 * @throws Error when a peer is not an IP address.
 * @example
 * hostVxlanDrops([nft, iptablesSave, ufwStatus], { port: 4789, peers: ['172.30.1.11'], iifname: 'eth0' })
 * // [{ backend: 'ufw', kind: 'policy', text: 'Default: deny (incoming), allow (outgoing), disabled (routed)', certain: true, ... }]
 */
export function hostVxlanDrops(firewalls: readonly FirewallRuleset[], query: VxlanDropQuery): VxlanDrop[] {
  const iptables = firewalls.filter((f): f is IptablesRuleset => f.backend === 'iptables');
  const low: FirewallRuleset[] = [];
  for (const fw of firewalls) {
    if (fw.backend === 'nftables') low.push(withoutIptablesNftTables(fw, iptables));
    else if (fw.backend === 'iptables') low.push(withoutIncompatible(fw));
  }
  const managers = managersOf(firewalls, low);
  const queries: VxlanDropQuery[] =
    query.peers === undefined || query.peers.length === 0 ? [query] : query.peers.map((p) => ({ ...query, peers: [p] }));
  const merged = new Map<string, VxlanDrop>();
  for (const q of queries) {
    for (const d of dropsForOnePacket(low, managers, q)) {
      const seen = merged.get(dropKey(d));
      if (!seen) merged.set(dropKey(d), { ...d, peers: [...d.peers] });
      else {
        seen.certain ||= d.certain;
        for (const p of d.peers) if (!seen.peers.includes(p)) seen.peers.push(p);
      }
    }
  }
  return [...merged.values()].sort((a, b) => Number(b.certain) - Number(a.certain));
}
