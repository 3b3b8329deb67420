/**
 * The firewall diagnosis's own types, in a file of their own so the walkers (firewall-*.ts) and
 * findVxlanDrops (firewall.ts) can both use them without importing each other.
 */
import type { FirewalldState } from '../observe/firewalld';
import type { IptablesRuleset } from '../observe/iptables';
import type { NftRuleset } from '../observe/nft';
import type { UfwStatus } from '../observe/ufw';
import type { StepKind } from '../plan/types';
import type { IpFamily } from '../validate/ip';

/** Any firewall we read. */
export type FirewallRuleset = NftRuleset | IptablesRuleset | UfwStatus | FirewalldState;
export type FirewallBackend = FirewallRuleset['backend'];

/** What to look for. */
export interface VxlanDropQuery {
  /** The segment's UDP port (`dstport`). */
  port: number;
  /** Underlay addresses of the peers that send to this host; omitted = any source (judged "unknown"). */
  peers?: string[];
  /** The receiving host's own underlay address, when known (for destination matches such as `-d`). */
  local?: string;
  /** The underlay interface packets arrive on, when known (for `iifname` matches). */
  iifname?: string;
  /** Address family of the packets when no peers are given (default IPv4). */
  family?: IpFamily;
}

/** A rule or default policy that drops (or rejects) inbound VXLAN. */
export interface VxlanDrop {
  backend: FirewallBackend;
  /** `rule`: a rule's verdict; `policy`: the chain's/zone's default for packets no rule decided. */
  kind: 'rule' | 'policy';
  /** The rule exactly as the tool prints it (`udp dport 4789 drop`), or the policy line. */
  text: string;
  /** Where it sits, for people: `table inet filter, chain input`, `iptables -t filter chain INPUT`, `ufw`, `firewalld zone public`. */
  where: string;
  /** False when a match before or in it could not be judged (see module comment). */
  certain: boolean;
  /** The given peers whose packets it drops (empty when no peers were given). */
  peers: string[];
  /** nftables: the chain holding the rule (for a policy, the base chain) and the rule's handle. */
  nft?: { family: string; table: string; chain: string; handle?: number };
  /** iptables: address family (iptables or ip6tables), table, chain and 1-based rule number. */
  iptables?: { family: 4 | 6; table: string; chain: string; position?: number };
  /**
   * ufw: the rule number; for a rule on exactly `<port>/udp` from one address (`deny proto udp from A
   * to any port 4789`), that address and the rule's action: ufw takes an allow for the same address
   * and port as an update of that rule, never as a new rule before it.
   */
  ufw?: { number?: number; sameTupleFrom?: string; action?: 'deny' | 'reject' };
  /** firewalld: the zone and, for a rich rule, its priority. */
  firewalld?: { zone: string; priority?: number };
}

/**
 * A fix step: like shared/plan's `Step` (argv, description, inverse, target), with one more kind
 * for firewall changes, which the plan compiler never makes.
 */
export interface FixStep {
  argv: string[];
  description: string;
  /** Commands that undo it (empty when they need a value only known after it ran, e.g. an nft handle). */
  inverse: string[][];
  /**
   * `firewall-allow`: changes the running firewall (or the manager's own configuration, which ufw
   * and firewalld apply at once); `firewall-persist`: writes the file the distribution loads the
   * rules from at boot (firewall-persist.ts).
   */
  kind: StepKind | 'firewall-allow' | 'firewall-persist';
  target: string;
}
