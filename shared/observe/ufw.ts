/**
 * `ufw status verbose` text (ufw(8); the columns as ufw 0.36's `get_status` prints them):
 *
 * ```
 * Status: active
 * Logging: on (low)
 * Default: deny (incoming), allow (outgoing), disabled (routed)
 * New profiles: skip
 *
 * To                         Action      From
 * --                         ------      ----
 * 22/tcp                     ALLOW IN    Anywhere
 * 4789/udp                   DENY IN     10.0.0.0/8
 * ```
 */
import { ObserveParseError } from './parse';

export const UFW_COMMAND = ['ufw', 'status', 'verbose'] as const;

export type UfwAction = 'ALLOW' | 'DENY' | 'REJECT' | 'LIMIT';

/** One side of a rule: an address (or any) and optional ports/protocol. */
export interface UfwEndpoint {
  /** `undefined` for `Anywhere`. */
  address?: string;
  /** Port ranges, `[a, a]` for one port; `undefined` for any port. */
  ports?: Array<[number, number]>;
  protocol?: 'tcp' | 'udp';
  /** Interface after `on` (`Anywhere on eth0`). */
  iface?: string;
  /** An application profile name (`OpenSSH`): its ports are not known from the status text. */
  app?: string;
}

export interface UfwRule {
  /** 1-based, the number `ufw status numbered` shows and `ufw insert <n>` takes. */
  number: number;
  to: UfwEndpoint;
  from: UfwEndpoint;
  action: UfwAction;
  direction: 'IN' | 'OUT' | 'FWD';
  v6: boolean;
  /** The line as ufw prints it. */
  text: string;
}

export interface UfwStatus {
  backend: 'ufw';
  active: boolean;
  /** Default policy for incoming packets (`deny`, `reject`, `allow`). */
  defaultIncoming?: 'deny' | 'reject' | 'allow';
  /** The `Default: ...` line as printed. */
  defaultText?: string;
  rules: UfwRule[];
}

function parsePorts(spec: string): { ports: Array<[number, number]>; protocol?: 'tcp' | 'udp' } | undefined {
  const m = /^([0-9,:]+)(?:\/(tcp|udp))?$/.exec(spec);
  if (!m) return undefined;
  const ports: Array<[number, number]> = [];
  for (const part of (m[1] as string).split(',')) {
    const [a, b] = part.split(':');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi > 65535 || lo > hi) return undefined;
    ports.push([lo, hi]);
  }
  const out: { ports: Array<[number, number]>; protocol?: 'tcp' | 'udp' } = { ports };
  if (m[2] === 'tcp' || m[2] === 'udp') out.protocol = m[2];
  return out;
}

/**
 * One column of a rule as ufw's `get_status` prints it: `[address] [ports[/proto]] [(App)]`, or
 * `Anywhere`, then ` (v6)` for IPv6 (inside the application's parentheses in verbose output:
 * `22/tcp (OpenSSH (v6))`), then ` on <iface>`, and after the From column the rule's attributes
 * (`(log)`, `(log-all)`, `(out)`).
 */
function parseEndpoint(raw: string): { endpoint: UfwEndpoint; v6: boolean } {
  let s = raw.trim().replace(/\s+\((?:log|log-all|out)(?:, (?:log|log-all|out))*\)$/, '');
  let v6 = false;
  const endpoint: UfwEndpoint = {};
  const on = /\s+on\s+(\S+)$/.exec(s);
  if (on) {
    endpoint.iface = on[1];
    s = s.slice(0, on.index).trim();
  }
  if (s.endsWith('(v6)')) {
    v6 = true;
    s = s.slice(0, -4).trim();
  }
  // Verbose output names the application profile after its ports: `22/tcp (OpenSSH)`.
  const app = /\s+\((.+?)(\s+\(v6\))?\)$/.exec(s);
  let appName: string | undefined;
  if (app) {
    appName = app[1];
    if (app[2] !== undefined) v6 = true;
    s = s.slice(0, app.index).trim();
  }
  const words = s.split(/\s+/).filter((w) => w !== '');
  for (const w of words) {
    if (w === 'Anywhere' || w === 'Anywhere/udp' || w === 'Anywhere/tcp') {
      const proto = w.split('/')[1];
      if (proto === 'udp' || proto === 'tcp') endpoint.protocol = proto;
      continue;
    }
    const p = parsePorts(w);
    if (p) {
      endpoint.ports = p.ports;
      if (p.protocol !== undefined) endpoint.protocol = p.protocol;
    } else if (/^[0-9a-fA-F.:]+(\/\d+)?$/.test(w) && /[.:]/.test(w)) {
      endpoint.address = w;
      if (w.includes(':')) v6 = true;
    } else endpoint.app = endpoint.app === undefined ? w : `${endpoint.app} ${w}`;
  }
  // With its ports printed the profile is known; only a bare profile name (plain `ufw status`) is not.
  if (appName !== undefined && endpoint.ports === undefined) endpoint.app = appName;
  return { endpoint, v6 };
}

/**
 * Parses `ufw status verbose` (also plain `ufw status`, whose actions carry no direction: then IN).
 *
 * @throws ObserveParseError naming `host` and the command when there is no `Status:` line or a rule
 *   line has no action column.
 */
export function parseUfwStatus(text: string, host: string): UfwStatus {
  const command = UFW_COMMAND.join(' ');
  const lines = text.split('\n');
  const statusLine = lines.find((l) => l.startsWith('Status:'));
  if (statusLine === undefined) throw new ObserveParseError(host, command, 'has no "Status:" line (is this ufw output?)');
  const out: UfwStatus = { backend: 'ufw', active: /Status:\s*active/.test(statusLine), rules: [] };
  const def = lines.find((l) => l.startsWith('Default:'));
  if (def !== undefined) {
    out.defaultText = def.trim();
    const m = /(deny|reject|allow)\s*\(incoming\)/.exec(def);
    if (m) out.defaultIncoming = m[1] as 'deny' | 'reject' | 'allow';
  }
  const header = lines.findIndex((l) => /^To\s+Action\s+From\s*$/.test(l.trim()));
  if (header < 0) return out;
  let number = 0;
  lines.slice(header + 1).forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line.trim() === '' || /^--\s+------\s+----/.test(line.trim())) return;
    // Columns are padded with spaces; the action column is one of a fixed set of words.
    // ufw pads To to 26 characters and the action to 12 ("%-26s %-12s%-26s"): a longer To leaves one space.
    const m = /^(.*?)\s+(ALLOW|DENY|REJECT|LIMIT)(?:\s(IN|OUT|FWD))?\s{2,}(.*?)(?:\s+#.*)?$/.exec(line);
    if (!m)
      throw new ObserveParseError(
        host,
        command,
        `rule line ${header + i + 2} ${JSON.stringify(line.trim().slice(0, 80))} has no ALLOW/DENY/REJECT/LIMIT column`,
      );
    const to = parseEndpoint(m[1] as string);
    const from = parseEndpoint(m[4] as string);
    number += 1;
    out.rules.push({
      number,
      to: to.endpoint,
      from: from.endpoint,
      action: m[2] as UfwAction,
      direction: (m[3] as 'IN' | 'OUT' | 'FWD' | undefined) ?? 'IN',
      v6: to.v6 || from.v6,
      text: line.trim(),
    });
  });
  return out;
}
