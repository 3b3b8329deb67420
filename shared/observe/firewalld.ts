/**
 * `firewall-cmd --list-all` / `--list-all-zones` text (firewall-cmd(1), firewalld 1.3):
 *
 * ```
 * public (active)
 *   target: default
 *   interfaces: eth0
 *   services: dhcpv6-client ssh
 *   ports: 8080/tcp 4000-4100/udp
 *   rich rules:
 * 	rule family="ipv4" source address="10.0.0.0/8" port port="4789" protocol="udp" reject
 * ```
 */
import { ObserveParseError } from './parse';

/**
 * Every zone, since the underlay interface or a peer's address may sit in a zone that is not the
 * default one; firewall-cmd 1.3 marks no zone "(default)" in this listing, hence the second command.
 */
export const FIREWALLD_COMMAND = ['firewall-cmd', '--list-all-zones'] as const;
export const FIREWALLD_DEFAULT_ZONE_COMMAND = ['firewall-cmd', '--get-default-zone'] as const;

/** A rich rule (firewalld.richlanguage(5)), the parts that decide UDP traffic. */
export interface FirewalldRichRule {
  family?: 'ipv4' | 'ipv6';
  priority: number;
  source?: string;
  sourceInvert: boolean;
  port?: { ports: [number, number]; protocol: string };
  /** `accept`, `drop`, `reject`, or undefined (log/audit only, or an element we do not read). */
  action?: 'accept' | 'drop' | 'reject';
  /** The rule line as printed. */
  text: string;
}

export interface FirewalldZone {
  name: string;
  active: boolean;
  isDefault: boolean;
  /** `default`, `ACCEPT`, `DROP`, `REJECT` or `%%REJECT%%`. */
  target: string;
  /** The `target: ...` line as printed. */
  targetText: string;
  interfaces: string[];
  sources: string[];
  services: string[];
  ports: Array<{ ports: [number, number]; protocol: string; text: string }>;
  richRules: FirewalldRichRule[];
}

export interface FirewalldState {
  backend: 'firewalld';
  zones: FirewalldZone[];
}

function attr(rule: string, element: string, name: string): string | undefined {
  const re = new RegExp(`${element}\\b[^]*?\\b${name}="([^"]*)"`);
  return re.exec(rule)?.[1];
}

function parsePortRange(s: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo >= 1 && hi <= 65535 && lo <= hi ? [lo, hi] : undefined;
}

/** Parses one rich rule line (`rule family="ipv4" source address="..." port port="4789" protocol="udp" reject`). */
export function parseRichRule(line: string): FirewalldRichRule {
  const text = line.trim();
  const family = /\bfamily="(ipv4|ipv6)"/.exec(text)?.[1] as 'ipv4' | 'ipv6' | undefined;
  const priority = Number(/\bpriority="(-?\d+)"/.exec(text)?.[1] ?? '0');
  const source = attr(text, 'source', 'address');
  const sourceInvert =
    /source\s+(?:address="[^"]*"\s+)?(?:NOT|invert="(?:True|true|yes)")/.test(text) || /source\s+NOT\b/.test(text);
  const portText = /\bport\s+port="([^"]+)"\s+protocol="([^"]+)"/.exec(text);
  const action = /\b(accept|drop|reject)\b(?:\s+type="[^"]*")?\s*(?:limit\s+value="[^"]*"\s*)?$/.exec(text)?.[1] as
    'accept' | 'drop' | 'reject' | undefined;
  const rule: FirewalldRichRule = { priority, sourceInvert, text };
  if (family !== undefined) rule.family = family;
  if (source !== undefined) rule.source = source;
  if (portText) {
    const range = parsePortRange(portText[1] as string);
    if (range) rule.port = { ports: range, protocol: portText[2] as string };
  }
  if (action !== undefined) rule.action = action;
  return rule;
}

/**
 * Parses `firewall-cmd --list-all` (one zone) or `--list-all-zones` (blank-line separated zones).
 *
 * @throws ObserveParseError naming `host` and the command when no zone header is found or a zone
 *   has no `target:` line.
 */
export function parseFirewalldListAll(
  text: string,
  host: string,
  command: string = FIREWALLD_COMMAND.join(' '),
  defaultZone?: string,
): FirewalldState {
  const zones: FirewalldZone[] = [];
  let zone: FirewalldZone | undefined;
  let inRich = false;
  const finish = (): void => {
    if (zone === undefined) return;
    if (zone.targetText === '') throw new ObserveParseError(host, command, `zone ${zone.name} has no "target:" line`);
    zones.push(zone);
    zone = undefined;
  };
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    const header = /^(\S+)(?:\s+\(([^)]*)\))?\s*$/.exec(raw);
    if (header) {
      finish();
      const flags = (header[2] ?? '').split(',').map((f) => f.trim());
      zone = {
        name: header[1] as string,
        active: flags.includes('active'),
        isDefault: flags.includes('default'),
        target: 'default',
        targetText: '',
        interfaces: [],
        sources: [],
        services: [],
        ports: [],
        richRules: [],
      };
      inRich = false;
      return;
    }
    if (zone === undefined)
      throw new ObserveParseError(
        host,
        command,
        `line ${i + 1} ${JSON.stringify(raw.trim().slice(0, 60))} comes before any zone name`,
      );
    if (inRich && /^\s*rule\b/.test(raw)) {
      zone.richRules.push(parseRichRule(raw));
      return;
    }
    const kv = /^\s+([a-z0-9 -]+):\s*(.*)$/.exec(raw);
    if (!kv) return;
    const key = kv[1] as string;
    const value = (kv[2] as string).trim();
    const list = value === '' ? [] : value.split(/\s+/);
    inRich = key === 'rich rules';
    switch (key) {
      case 'target':
        zone.target = value;
        zone.targetText = raw.trim();
        break;
      case 'interfaces':
        zone.interfaces = list;
        break;
      case 'sources':
        zone.sources = list;
        break;
      case 'services':
        zone.services = list;
        break;
      case 'ports':
        for (const p of list) {
          const [range, protocol] = p.split('/');
          const r = range === undefined ? undefined : parsePortRange(range);
          if (r && protocol !== undefined) zone.ports.push({ ports: r, protocol, text: p });
        }
        break;
      default:
        break;
    }
  });
  finish();
  if (zones.length === 0) throw new ObserveParseError(host, command, 'has no zone (expected a line such as "public (active)")');
  const dz = defaultZone?.trim();
  if (dz !== undefined && dz !== '') for (const z of zones) z.isDefault = z.name === dz;
  return { backend: 'firewalld', zones };
}
