/**
 * nftables rulesets: `nft -j list ruleset` (structure, libnftables-json(5)) joined with
 * `nft -a list ruleset` (the exact text of each rule, keyed by its handle), so a finding can quote a
 * rule the way the admin sees it in `nft list ruleset`.
 */
import { z } from 'zod';
import { ObserveParseError } from './parse';

/** The commands whose output `parseNftRuleset` reads. */
export const NFT_COMMANDS = {
  json: ['nft', '-j', 'list', 'ruleset'],
  text: ['nft', '-a', 'list', 'ruleset'],
} as const satisfies Record<string, readonly string[]>;

/** nftables address families (nft(8) "ADDRESS FAMILIES"). */
export type NftFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

export interface NftChain {
  family: NftFamily;
  table: string;
  name: string;
  handle: number;
  /** Base chains only: `filter`, `nat` or `route`. */
  type?: string;
  /** Base chains only: `prerouting`, `input`, `forward`, `output`, `postrouting`, `ingress`... */
  hook?: string;
  /** Numeric priority (`priority filter + 10` is 10). */
  priority?: number;
  /** Base chains only: what happens to a packet no rule decided. */
  policy?: 'accept' | 'drop';
  /** The chain header line as `nft list ruleset` prints it, e.g. `type filter hook input priority filter; policy drop;`. */
  headerText?: string;
}

export interface NftSet {
  family: NftFamily;
  table: string;
  name: string;
  /** Element type, e.g. `inet_service`, `ipv4_addr` (a list for concatenations). */
  type: string | string[];
  /** Elements as in the JSON: numbers, strings, `{ prefix }`, `{ range }`... */
  elements: unknown[];
}

export interface NftRule {
  family: NftFamily;
  table: string;
  chain: string;
  handle: number;
  /** 0-based position in its chain. */
  index: number;
  /** The rule's expressions and statements as libnftables-json(5) gives them. */
  expr: unknown[];
  /** A short rendering of `expr`, e.g. `udp dport 4789 drop` (for display when `text` is missing). */
  summary: string;
  /** The rule exactly as `nft -a list ruleset` prints it, without the `# handle N` comment. */
  text?: string;
}

/** One host's nftables ruleset. */
export interface NftRuleset {
  backend: 'nftables';
  tables: Array<{ family: NftFamily; name: string; handle: number }>;
  chains: NftChain[];
  sets: NftSet[];
  rules: NftRule[];
}

const FamilySchema = z.enum(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

const TableSchema = z.object({ family: FamilySchema, name: z.string(), handle: z.number().int() }).passthrough();
const ChainSchema = z
  .object({
    family: FamilySchema,
    table: z.string(),
    name: z.string(),
    handle: z.number().int(),
    type: z.string().optional(),
    hook: z.string().optional(),
    prio: z.number().int().optional(),
    policy: z.enum(['accept', 'drop']).optional(),
  })
  .passthrough();
const SetSchema = z
  .object({
    family: FamilySchema,
    table: z.string(),
    name: z.string(),
    type: z.union([z.string(), z.array(z.string())]),
    elem: z.array(z.unknown()).optional(),
  })
  .passthrough();
const RuleSchema = z
  .object({
    family: FamilySchema,
    table: z.string(),
    chain: z.string(),
    handle: z.number().int(),
    expr: z.array(z.unknown()),
  })
  .passthrough();

const TopSchema = z.object({ nftables: z.array(z.record(z.string(), z.unknown())) });

/** Key of a rule in `parseNftText`'s map. */
export function nftRuleKey(family: string, table: string, chain: string, handle: number): string {
  return `${family} ${table} ${chain} ${handle}`;
}

/** Key of a chain in `parseNftText`'s header map. */
export function nftChainKey(family: string, table: string, chain: string): string {
  return `${family} ${table} ${chain}`;
}

function issueText(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return `${where || '(top level)'}: ${issue.message}`;
}

/** Renders a JSON expression operand the way nft prints it (close enough for a summary). */
function renderValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(renderValue).join(',');
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('set' in o && Array.isArray(o['set'])) return `{ ${(o['set'] as unknown[]).map(renderValue).join(', ')} }`;
    if ('range' in o && Array.isArray(o['range'])) return (o['range'] as unknown[]).map(renderValue).join('-');
    if ('prefix' in o) {
      const p = o['prefix'] as { addr?: unknown; len?: unknown };
      return `${renderValue(p.addr)}/${renderValue(p.len)}`;
    }
    if ('payload' in o) {
      const p = o['payload'] as { protocol?: unknown; field?: unknown };
      return `${renderValue(p.protocol)} ${renderValue(p.field)}`;
    }
    if ('meta' in o) {
      const key = renderValue((o['meta'] as { key?: unknown }).key);
      // nft prints these meta keys without the `meta` keyword.
      return ['iifname', 'oifname', 'iif', 'oif', 'mark'].includes(key) ? key : `meta ${key}`;
    }
    if ('ct' in o) return `ct ${renderValue((o['ct'] as { key?: unknown }).key)}`;
    const [k] = Object.keys(o);
    return k ?? '';
  }
  return '';
}

function renderStatement(s: unknown): string {
  if (typeof s !== 'object' || s === null) return String(s);
  const o = s as Record<string, unknown>;
  const [k] = Object.keys(o);
  if (k === undefined) return '';
  const v = o[k];
  switch (k) {
    case 'match': {
      const m = v as { op?: string; left?: unknown; right?: unknown };
      const op = m.op === '==' || m.op === 'in' || m.op === undefined ? '' : ` ${m.op}`;
      return `${renderValue(m.left)}${op} ${renderValue(m.right)}`;
    }
    case 'jump':
    case 'goto':
      return `${k} ${renderValue((v as { target?: unknown }).target)}`;
    case 'vmap': {
      const m = v as { key?: unknown; data?: unknown };
      const data = (m.data as { set?: unknown[] } | undefined)?.set ?? [];
      const entries = data.map((e) => (Array.isArray(e) ? `${renderValue(e[0])} : ${renderStatement(e[1])}` : renderValue(e)));
      return `${renderValue(m.key)} vmap { ${entries.join(', ')} }`;
    }
    default:
      return k;
  }
}

/** A short nft-like rendering of a rule's expressions, e.g. `ip saddr 10.0.0.0/24 udp dport { 53, 4789 } counter reject`. */
export function summarizeNftExpr(expr: readonly unknown[]): string {
  return expr
    .map(renderStatement)
    .filter((s) => s !== '')
    .join(' ');
}

/** The output without nft's `# Warning: ...` lines (printed with `2>&1` around the listing). */
export function withoutNftWarnings(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('# Warning: '))
    .join('\n');
}

/**
 * Parses `nft -j list ruleset`.
 *
 * @throws ObserveParseError naming `host` and the command when the output is not nft's JSON.
 */
export function parseNftJson(text: string, host: string): NftRuleset {
  const command = NFT_COMMANDS.json.join(' ');
  let raw: unknown;
  try {
    raw = JSON.parse(withoutNftWarnings(text).trim());
  } catch (err) {
    const head = text
      .trim()
      .slice(0, 60)
      .replace(/[^\x20-\x7e]/g, '?');
    throw new ObserveParseError(
      host,
      command,
      `is not JSON (${err instanceof Error ? err.message : String(err)}); it starts with ${JSON.stringify(head)}`,
    );
  }
  const top = TopSchema.safeParse(raw);
  if (!top.success)
    throw new ObserveParseError(
      host,
      command,
      `is not an nftables JSON document (expected {"nftables": [...]}) at ${issueText(top.error)}`,
    );
  const out: NftRuleset = { backend: 'nftables', tables: [], chains: [], sets: [], rules: [] };
  const indexByChain = new Map<string, number>();
  top.data.nftables.forEach((item, i) => {
    const at = (what: string, err: z.ZodError): ObserveParseError =>
      new ObserveParseError(host, command, `has an unexpected ${what} at nftables[${i}]${issueText(err)}`);
    if ('table' in item) {
      const t = TableSchema.safeParse(item['table']);
      if (!t.success) throw at('table', t.error);
      out.tables.push({ family: t.data.family, name: t.data.name, handle: t.data.handle });
    } else if ('chain' in item) {
      const c = ChainSchema.safeParse(item['chain']);
      if (!c.success) throw at('chain', c.error);
      const chain: NftChain = { family: c.data.family, table: c.data.table, name: c.data.name, handle: c.data.handle };
      if (c.data.type !== undefined) chain.type = c.data.type;
      if (c.data.hook !== undefined) chain.hook = c.data.hook;
      if (c.data.prio !== undefined) chain.priority = c.data.prio;
      if (c.data.policy !== undefined) chain.policy = c.data.policy;
      out.chains.push(chain);
    } else if ('set' in item) {
      const s = SetSchema.safeParse(item['set']);
      if (!s.success) throw at('set', s.error);
      out.sets.push({
        family: s.data.family,
        table: s.data.table,
        name: s.data.name,
        type: s.data.type,
        elements: s.data.elem ?? [],
      });
    } else if ('rule' in item) {
      const r = RuleSchema.safeParse(item['rule']);
      if (!r.success) throw at('rule', r.error);
      const key = nftChainKey(r.data.family, r.data.table, r.data.chain);
      const index = indexByChain.get(key) ?? 0;
      indexByChain.set(key, index + 1);
      out.rules.push({
        family: r.data.family,
        table: r.data.table,
        chain: r.data.chain,
        handle: r.data.handle,
        index,
        expr: r.data.expr,
        summary: summarizeNftExpr(r.data.expr),
      });
    }
    // metainfo, maps, flowtables, counters, elements: not needed to judge VXLAN traffic.
  });
  return out;
}

/** Rule texts and chain headers from `nft -a list ruleset`. */
export interface NftText {
  /** `nftRuleKey(...)` -> the rule as printed, without the handle comment. */
  rules: Map<string, string>;
  /** `nftChainKey(...)` -> the base chain header line, e.g. `type filter hook input priority filter; policy drop;`. */
  headers: Map<string, string>;
}

/**
 * Parses `nft -a list ruleset` text: which rule (by family, table, chain and handle) prints as which
 * line. Set and map bodies are skipped (their lines carry no handle).
 *
 * @throws ObserveParseError naming `host` and the command when a rule line appears outside a chain
 *   or the braces do not balance.
 */
export function parseNftText(text: string, host: string): NftText {
  const command = NFT_COMMANDS.text.join(' ');
  const rules = new Map<string, string>();
  const headers = new Map<string, string>();
  let table: { family: string; name: string } | undefined;
  let chain: string | undefined;
  // Depth of `{` inside a set, map, flowtable or a multi-line rule; nothing there is a rule line.
  let otherDepth = 0;
  const lines = text.split('\n');
  lines.forEach((rawLine, i) => {
    const line = rawLine.trim();
    // nft's own notes, e.g. `# Warning: table ip filter is managed by iptables-nft, do not touch!`.
    if (line === '' || line.startsWith('#')) return;
    const opens = (line.match(/\{/g) ?? []).length;
    const closes = (line.match(/\}/g) ?? []).length;
    if (otherDepth > 0) {
      otherDepth += opens - closes;
      return;
    }
    const tableMatch = /^table\s+(\S+)\s+(\S+)\s*\{/.exec(line);
    if (tableMatch && table === undefined) {
      table = { family: tableMatch[1] as string, name: (tableMatch[2] as string).replace(/^"|"$/g, '') };
      return;
    }
    if (table === undefined) {
      throw new ObserveParseError(host, command, `has ${JSON.stringify(line.slice(0, 60))} on line ${i + 1} outside any table`);
    }
    const chainMatch = /^chain\s+(\S+)\s*\{/.exec(line);
    if (chainMatch && chain === undefined) {
      chain = (chainMatch[1] as string).replace(/^"|"$/g, '');
      return;
    }
    if (line === '}') {
      if (chain !== undefined) chain = undefined;
      else table = undefined;
      return;
    }
    if (chain === undefined) {
      // set/map/flowtable/counter bodies inside a table.
      if (opens > closes) otherDepth = opens - closes;
      return;
    }
    if (/^type\s+\S+\s+hook\s/.test(line)) {
      headers.set(nftChainKey(table.family, table.name, chain), line);
      return;
    }
    const handle = /^(.*\S)\s+# handle (\d+)$/.exec(line);
    if (handle) rules.set(nftRuleKey(table.family, table.name, chain, Number(handle[2])), handle[1] as string);
    // A rule line without a handle (policy comment, `devices = ...`) is not a rule.
  });
  if (table !== undefined || otherDepth !== 0)
    throw new ObserveParseError(host, command, 'ends inside a table (unbalanced braces; was the output cut short?)');
  return { rules, headers };
}

/**
 * Parses a host's nftables ruleset from both listings: structure from the JSON, exact rule text
 * from the `-a` listing (`text` optional; without it rules carry only `summary`).
 *
 * @throws ObserveParseError naming `host` and the command on bad output.
 * @example
 * parseNftRuleset({ json, text }, 'h2').rules[0].text // 'udp dport 4789 drop'
 */
export function parseNftRuleset(out: { json: string; text?: string }, host: string): NftRuleset {
  const ruleset = parseNftJson(out.json, host);
  if (out.text === undefined) return ruleset;
  const t = parseNftText(out.text, host);
  for (const r of ruleset.rules) {
    const text = t.rules.get(nftRuleKey(r.family, r.table, r.chain, r.handle));
    if (text !== undefined) r.text = text;
  }
  for (const c of ruleset.chains) {
    const h = t.headers.get(nftChainKey(c.family, c.table, c.name));
    if (h !== undefined) c.headerText = h;
  }
  return ruleset;
}
