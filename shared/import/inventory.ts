/**
 * Ansible inventories (INI and YAML) -> the hosts to import or to place on the canvas, with the SSH
 * settings Ansible itself would use (`ansible_host`, `ansible_user`, `ansible_port`,
 * `ansible_ssh_private_key_file`, `ansible_become`). Only what reaching a host needs is read; other
 * variables pass unread. Bad input is an `INVENTORY_INVALID` error naming file and line.
 *
 * Variable precedence as Ansible's: host variables over group variables; a child group's over its
 * parent's; groups of one depth in name order (docs.ansible.com "How variables are merged").
 */
import { isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import { AppError } from '../errors/catalogue';

/** One host of an inventory, with the settings that reach it. */
export interface InventoryHost {
  /** Inventory name (what Ansible calls `inventory_hostname`). */
  name: string;
  /** Where SSH connects: `ansible_host`, else the name. */
  address: string;
  port?: number;
  user?: string;
  /** `ansible_ssh_private_key_file`. */
  identityFile?: string;
  /** `ansible_become` is true. */
  become?: boolean;
  /** Every group the host is in, ancestors included, `all` first. */
  groups: string[];
}

export interface Inventory {
  hosts: InventoryHost[];
  /** Every group, with its direct hosts and children. */
  groups: Map<string, { hosts: string[]; children: string[] }>;
}

/** Raw inventory data before variables are merged. */
interface Raw {
  groups: Map<string, { hosts: string[]; children: string[]; vars: Record<string, string> }>;
  hostVars: Map<string, Record<string, string>>;
  /** Host names in the order first seen. */
  order: string[];
}

function fail(file: string, line: number | undefined, message: string): never {
  const where = line === undefined ? file : `${file} line ${line}`;
  throw new AppError('INVENTORY_INVALID', `${where}: ${message}`, line === undefined ? { file } : { file, line });
}

function group(raw: Raw, name: string): { hosts: string[]; children: string[]; vars: Record<string, string> } {
  let g = raw.groups.get(name);
  if (!g) raw.groups.set(name, (g = { hosts: [], children: [], vars: {} }));
  return g;
}

function addHost(raw: Raw, groupName: string, host: string, vars: Record<string, string>): void {
  const g = group(raw, groupName);
  if (!g.hosts.includes(host)) g.hosts.push(host);
  if (!raw.hostVars.has(host)) {
    raw.hostVars.set(host, {});
    raw.order.push(host);
  }
  Object.assign(raw.hostVars.get(host) as Record<string, string>, vars);
}

/**
 * Expands Ansible host ranges: `web[01:03]` -> web01 web02 web03 (leading zeros kept),
 * `db-[a:c]` -> db-a db-b db-c, `[1:9:4]` with a stride. Names without brackets stay as they are.
 *
 * @throws Error with a sentence when a range is malformed (the caller adds file and line).
 */
export function expandHostRange(pattern: string): string[] {
  const m = /^(.*?)\[([^\]]*)\](.*)$/.exec(pattern);
  if (!m) return [pattern];
  const [, head = '', spec = '', tail = ''] = m;
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) throw new Error(`range [${spec}] must be [start:end] or [start:end:stride]`);
  const [start = '', end = '', strideText = '1'] = parts;
  if (!/^[1-9]\d{0,3}$/.test(strideText)) throw new Error(`range [${spec}] has a bad stride "${strideText}"`);
  const stride = Number(strideText);
  const values: string[] = [];
  if (/^\d{1,6}$/.test(start) && /^\d{1,6}$/.test(end)) {
    const width = start.length > 1 && start.startsWith('0') ? start.length : 0;
    const [a, b] = [Number(start), Number(end)];
    if (a > b) throw new Error(`range [${spec}] runs backwards`);
    if ((b - a) / stride >= 10_000) throw new Error(`range [${spec}] makes more than 10000 hosts`);
    for (let i = a; i <= b; i += stride) values.push(String(i).padStart(width, '0'));
  } else if (/^[a-z]$/i.test(start) && /^[a-z]$/i.test(end)) {
    const [a, b] = [start.charCodeAt(0), end.charCodeAt(0)];
    if (a > b) throw new Error(`range [${spec}] runs backwards`);
    for (let i = a; i <= b; i += stride) values.push(String.fromCharCode(i));
  } else {
    throw new Error(`range [${spec}] must be numbers (01:10) or single letters (a:f)`);
  }
  return values.flatMap((v) => expandHostRange(`${head}${v}${tail}`));
}

/** Splits a host or vars line into words the way Ansible's shlex does: quotes group, `#` starts a comment. */
function words(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (const ch of line) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '#' && !has) break;
    else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (quote !== undefined) throw new Error(`unclosed ${quote} quote`);
  if (has) out.push(cur);
  return out;
}

function keyValues(ws: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const w of ws) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new Error(`"${w}" is not key=value`);
    vars[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return vars;
}

const GROUP_NAME = /^[A-Za-z0-9_.-]+$/;

/** `name` or `name:port` (one colon, digits); a bracketed IPv6 `[addr]:port` too. */
function hostAndPort(word: string): { host: string; port?: string } {
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(word);
  if (v6) return v6[2] === undefined ? { host: v6[1] as string } : { host: v6[1] as string, port: v6[2] };
  const m = /^([^:]+):(\d+)$/.exec(word);
  return m ? { host: m[1] as string, port: m[2] } : { host: word };
}

function parseIni(text: string, file: string): Raw {
  const raw: Raw = { groups: new Map(), hostVars: new Map(), order: [] };
  group(raw, 'all');
  let section: { name: string; kind: 'hosts' | 'vars' | 'children' } = { name: 'ungrouped', kind: 'hosts' };
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    const n = i + 1;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    if (line.startsWith('[')) {
      const m = /^\[([^\]:]+)(?::(vars|children))?\]$/.exec(line);
      if (!m || !GROUP_NAME.test(m[1] as string))
        fail(file, n, `"${line}" is not a section header ([group], [group:vars] or [group:children])`);
      section = { name: m[1] as string, kind: (m[2] as 'vars' | 'children' | undefined) ?? 'hosts' };
      group(raw, section.name);
      return;
    }
    let ws: string[];
    try {
      ws = words(line);
    } catch (err) {
      fail(file, n, (err as Error).message);
    }
    if (ws.length === 0) return;
    try {
      if (section.kind === 'vars') Object.assign(group(raw, section.name).vars, keyValues(ws));
      else if (section.kind === 'children') {
        if (ws.length !== 1 || !GROUP_NAME.test(ws[0] as string)) throw new Error(`"${line}" is not one group name`);
        const g = group(raw, section.name);
        if (!g.children.includes(ws[0] as string)) g.children.push(ws[0] as string);
        group(raw, ws[0] as string);
      } else {
        const [first = '', ...rest] = ws;
        const vars = keyValues(rest);
        const hp = hostAndPort(first);
        if (hp.port !== undefined && vars.ansible_port === undefined) vars.ansible_port = hp.port;
        for (const h of expandHostRange(hp.host)) addHost(raw, section.name, h, vars);
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      fail(file, n, (err as Error).message);
    }
  });
  return raw;
}

/** A YAML scalar as text (numbers and booleans as YAML wrote them); undefined for maps and lists. */
function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  return v === null ? '' : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function parseYaml(text: string, file: string): Raw {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) fail(file, first.linePos?.[0].line, first.message.split('\n')[0] ?? 'is not valid YAML');
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as YamlNode | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  const raw: Raw = { groups: new Map(), hostVars: new Map(), order: [] };
  group(raw, 'all');
  const varsOf = (node: unknown, what: string): Record<string, string> => {
    if (node === null || (isScalar(node) && node.value === null)) return {};
    if (!isMap(node)) fail(file, lineOf(node), `${what} must be a mapping of variables`);
    const vars: Record<string, string> = {};
    for (const pair of node.items) {
      const key = scalarText(pair.key);
      if (key === undefined) fail(file, lineOf(pair.key), `a variable name in ${what} must be a plain word`);
      const value = scalarText(pair.value);
      // Lists and maps are valid Ansible values but never SSH settings: they pass unread.
      if (value !== undefined) vars[key] = value;
    }
    return vars;
  };
  const walkGroup = (name: string, node: unknown, line: number | undefined): void => {
    if (!GROUP_NAME.test(name)) fail(file, line, `"${name}" is not a group name`);
    const g = group(raw, name);
    if (node === null || (isScalar(node) && node.value === null)) return;
    if (!isMap(node)) fail(file, lineOf(node) ?? line, `group ${name} must be a mapping with hosts, children or vars`);
    for (const pair of node.items) {
      const key = scalarText(pair.key);
      if (key === 'hosts') {
        if (isScalar(pair.value) && pair.value.value === null) continue;
        if (!isMap(pair.value))
          fail(file, lineOf(pair.value) ?? lineOf(pair.key), `hosts of group ${name} must be a mapping of host names`);
        for (const hp of pair.value.items) {
          const hostName = scalarText(hp.key);
          if (hostName === undefined || hostName === '') fail(file, lineOf(hp.key), `a host of group ${name} has no name`);
          const vars = varsOf(hp.value, `host ${hostName}`);
          const split = hostAndPort(hostName);
          if (split.port !== undefined && vars.ansible_port === undefined) vars.ansible_port = split.port;
          let names: string[];
          try {
            names = expandHostRange(split.host);
          } catch (err) {
            fail(file, lineOf(hp.key), (err as Error).message);
          }
          for (const h of names) addHost(raw, name, h, vars);
        }
      } else if (key === 'children') {
        if (isScalar(pair.value) && pair.value.value === null) continue;
        if (!isMap(pair.value))
          fail(file, lineOf(pair.value) ?? lineOf(pair.key), `children of group ${name} must be a mapping of groups`);
        for (const cp of pair.value.items) {
          const child = scalarText(cp.key);
          if (child === undefined) fail(file, lineOf(cp.key), `a child group of ${name} has no name`);
          if (!g.children.includes(child)) g.children.push(child);
          walkGroup(child, cp.value, lineOf(cp.key));
        }
      } else if (key === 'vars') {
        Object.assign(g.vars, varsOf(pair.value, `vars of group ${name}`));
      } else {
        fail(file, lineOf(pair.key), `group ${name} has "${key ?? '?'}"; a group holds only hosts, children and vars`);
      }
    }
  };
  const top = doc.contents;
  if (top === null || (isScalar(top) && top.value === null)) return raw;
  if (!isMap(top)) fail(file, lineOf(top), 'a YAML inventory is a mapping of groups (usually "all:")');
  for (const pair of top.items as Array<Pair<unknown, unknown>>) {
    const name = scalarText(pair.key);
    if (name === undefined) fail(file, lineOf(pair.key), 'a top-level group has no name');
    walkGroup(name, pair.value, lineOf(pair.key));
  }
  return raw;
}

/** True when the text reads as a YAML inventory (`---` or a first line `name:`), not INI. */
function looksLikeYaml(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return first !== undefined && (first.startsWith('---') || /^[A-Za-z0-9_.-]+:\s*(#.*)?$/.test(first.trimEnd()));
}

/** Depth of every group below `all` (the longest path), for variable precedence. */
function depths(raw: Raw): Map<string, number> {
  const depth = new Map<string, number>([['all', 0]]);
  const visit = (name: string, d: number, path: string[]): void => {
    if (path.includes(name)) return; // A cycle; Ansible refuses it, we just stop.
    if ((depth.get(name) ?? -1) < d) depth.set(name, d);
    for (const c of raw.groups.get(name)?.children ?? []) visit(c, d + 1, [...path, name]);
  };
  visit('all', 0, []);
  for (const name of raw.groups.keys()) if (!depth.has(name)) visit(name, 1, []);
  return depth;
}

function parents(raw: Raw): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, g] of raw.groups) for (const c of g.children) out.set(c, [...(out.get(c) ?? []), name]);
  return out;
}

function toInventory(raw: Raw, file: string): Inventory {
  const depth = depths(raw);
  const up = parents(raw);
  const hosts: InventoryHost[] = raw.order.map((name) => {
    const groups = new Set<string>(['all']);
    const stack = [...raw.groups].filter(([, g]) => g.hosts.includes(name)).map(([n]) => n);
    while (stack.length > 0) {
      const g = stack.pop() as string;
      if (groups.has(g) && g !== 'all') continue;
      groups.add(g);
      stack.push(...(up.get(g) ?? []));
    }
    const ordered = [...groups].sort((a, b) => (depth.get(a) ?? 1) - (depth.get(b) ?? 1) || a.localeCompare(b));
    const vars: Record<string, string> = {};
    for (const g of ordered) Object.assign(vars, raw.groups.get(g)?.vars);
    Object.assign(vars, raw.hostVars.get(name));
    return settings(name, vars, ordered, file);
  });
  const groups = new Map([...raw.groups].map(([n, g]) => [n, { hosts: [...g.hosts], children: [...g.children] }]));
  return { hosts, groups };
}

function settings(name: string, vars: Record<string, string>, groups: string[], file: string): InventoryHost {
  const pick = (...keys: string[]): string | undefined => keys.map((k) => vars[k]).find((v) => v !== undefined && v !== '');
  const h: InventoryHost = { name, address: pick('ansible_host', 'ansible_ssh_host') ?? name, groups };
  const port = pick('ansible_port', 'ansible_ssh_port');
  if (port !== undefined) {
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
      fail(file, undefined, `host ${name}: ansible_port "${port}" is not a port 1-65535`);
    h.port = Number(port);
  }
  const user = pick('ansible_user', 'ansible_ssh_user');
  if (user !== undefined) h.user = user;
  const key = pick('ansible_ssh_private_key_file', 'ansible_private_key_file');
  if (key !== undefined) h.identityFile = key;
  const become = pick('ansible_become');
  if (become !== undefined && /^(true|yes|on|1)$/i.test(become)) h.become = true;
  return h;
}

/**
 * Parses an Ansible inventory, INI or YAML (told apart by the first line: `---` or `name:` is YAML).
 *
 * @param file the file name, for error messages only
 * @throws AppError `INVENTORY_INVALID` naming file and line, e.g. `hosts.ini line 4: "x" is not key=value`
 * @example
 * parseInventory('[web]\nweb[01:02] ansible_user=admin\n', 'hosts.ini').hosts.map((h) => [h.name, h.user])
 * // [['web01', 'admin'], ['web02', 'admin']]
 */
export function parseInventory(text: string, file: string): Inventory {
  return toInventory(looksLikeYaml(text) ? parseYaml(text, file) : parseIni(text, file), file);
}

/**
 * The hosts of `group` (its children's included), or every host without a group.
 *
 * @throws AppError `INVENTORY_INVALID` when the group is not in the inventory, naming the groups it has
 */
export function inventoryHosts(inv: Inventory, file: string, groupName?: string): InventoryHost[] {
  if (groupName === undefined || groupName === 'all') return inv.hosts;
  if (!inv.groups.has(groupName))
    fail(
      file,
      undefined,
      `has no group "${groupName}" (groups: ${[...inv.groups.keys()].filter((g) => g !== 'all').join(', ') || 'none'})`,
    );
  return inv.hosts.filter((h) => h.groups.includes(groupName));
}
