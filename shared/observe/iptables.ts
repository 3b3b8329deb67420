/**
 * `iptables-save` output (iptables-save(8); Debian's `iptables` is iptables-nft, same text format):
 *
 * ```
 * *filter
 * :INPUT DROP [0:0]
 * -A INPUT -s 10.0.0.0/8 -p udp -m udp --dport 4789 -j DROP
 * COMMIT
 * ```
 *
 * Each `-A` line is kept exactly as printed so a finding can quote it.
 */
import { ObserveParseError } from './parse';

export const IPTABLES_COMMAND = ['iptables-save'] as const;

export interface IptablesChain {
  table: string;
  name: string;
  /** Built-in chains only (`ACCEPT`/`DROP`); user chains print `-`. */
  policy?: 'ACCEPT' | 'DROP';
}

export interface IptablesRule {
  table: string;
  chain: string;
  /** 1-based rule number in its chain (what `iptables -I <chain> <n>` takes). */
  position: number;
  /** The words after `-A <chain>`, unquoted. */
  args: string[];
  /** The line exactly as iptables-save prints it, e.g. `-A INPUT -p udp -m udp --dport 4789 -j DROP`. */
  text: string;
}

export interface IptablesRuleset {
  backend: 'iptables';
  chains: IptablesChain[];
  rules: IptablesRule[];
}

/** Splits a rule line into words; iptables-save double-quotes words with spaces (e.g. comments). */
function splitWords(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '\\' && i + 1 < line.length) cur += line[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quoted) return undefined;
  if (inWord) out.push(cur);
  return out;
}

/**
 * Parses `iptables-save` (or `ip6tables-save`) text.
 *
 * @throws ObserveParseError naming `host` and the command on a line that is not iptables-save's
 *   format (a rule outside a table, an unknown chain, unbalanced quotes).
 */
export function parseIptablesSave(text: string, host: string, command = 'iptables-save'): IptablesRuleset {
  const out: IptablesRuleset = { backend: 'iptables', chains: [], rules: [] };
  let table: string | undefined;
  const positions = new Map<string, number>();
  const fail = (lineNo: number, why: string): ObserveParseError => new ObserveParseError(host, command, `line ${lineNo}: ${why}`);
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const lineNo = i + 1;
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('*')) {
      table = line.slice(1);
      return;
    }
    if (line === 'COMMIT') {
      table = undefined;
      return;
    }
    if (table === undefined)
      throw fail(lineNo, `${JSON.stringify(line.slice(0, 60))} is outside a table (no "*filter"-style line before it)`);
    if (line.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)/.exec(line);
      if (!m) throw fail(lineNo, `chain line ${JSON.stringify(line)} is not ":<chain> <policy> [packets:bytes]"`);
      const chain: IptablesChain = { table, name: m[1] as string };
      if (m[2] === 'ACCEPT' || m[2] === 'DROP') chain.policy = m[2];
      out.chains.push(chain);
      return;
    }
    if (line.startsWith('-A ')) {
      const words = splitWords(line);
      if (words === undefined) throw fail(lineNo, 'has an unclosed double quote');
      const chain = words[1] as string;
      if (!out.chains.some((c) => c.table === table && c.name === chain))
        throw fail(lineNo, `appends to chain ${chain}, which table ${table} does not declare`);
      const key = `${table} ${chain}`;
      const position = (positions.get(key) ?? 0) + 1;
      positions.set(key, position);
      out.rules.push({ table, chain, position, args: words.slice(2), text: line });
      return;
    }
    throw fail(lineNo, `${JSON.stringify(line.slice(0, 60))} is not a table, chain, rule or COMMIT line`);
  });
  if (table !== undefined) throw new ObserveParseError(host, command, `table ${table} has no COMMIT (output cut short?)`);
  return out;
}
