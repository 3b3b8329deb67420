/**
 * Parsers for iproute2's JSON output. Schemas are lenient: unknown fields pass through (iproute2 adds
 * fields between versions) and only what the diff needs is required. Bad output throws an
 * `ObserveParseError` that names the host, the command and the field.
 */
import { z } from 'zod';
import type { ObservedAddress, ObservedFdbEntry, ObservedHostState, ObservedLink, ObservedVxlan } from './state';

/**
 * The read-only commands whose output `parseObserved` reads, as argv (run them with `argvToShell`
 * from shared/plan when a shell is in the way). `ip -d addr show` lists every link with its details
 * (`-d` adds `linkinfo`: kind, VXLAN parameters) AND its addresses, so one process reads what
 * `ip -d link show` and `ip addr show` read in two (every observe of every host runs it).
 */
export const OBSERVE_COMMANDS = {
  link: ['ip', '-j', '-d', 'addr', 'show'],
  fdb: ['bridge', '-j', 'fdb', 'show'],
} as const satisfies Record<string, readonly string[]>;

export type ObserveCommand = keyof typeof OBSERVE_COMMANDS;

/**
 * Raw stdout of each `OBSERVE_COMMANDS` entry. `addr`: the output of a separate `ip -j addr show`
 * (outputs recorded that way); absent, the addresses are read from `link`.
 */
export type ObserveOutput = Record<ObserveCommand, string> & { addr?: string };

/** The outputs gathered by command name, once every `OBSERVE_COMMANDS` entry is there; else undefined. */
export function completeObserveOutput(parts: Partial<Record<string, string>>): ObserveOutput | undefined {
  const { link, fdb, addr } = parts;
  if (link === undefined || fdb === undefined) return undefined;
  return addr === undefined ? { link, fdb } : { link, fdb, addr };
}

/** The separate address command of recorded outputs (`ObserveOutput.addr`). */
const ADDR_COMMAND = 'ip -j addr show';

/** Bad or unexpected output from a host command. */
export class ObserveParseError extends Error {
  constructor(
    readonly host: string,
    readonly command: string,
    readonly detail: string,
  ) {
    super(`host ${host}: output of \`${command}\` ${detail}`);
    this.name = 'ObserveParseError';
  }
}

/** `linkinfo.info_data` of a VXLAN device (ip-link(8) "VXLAN Type Support"). */
const VxlanInfoDataSchema = z
  .object({
    id: z.number().int(),
    port: z.number().int(),
    link: z.string().optional(),
    local: z.string().optional(),
    local6: z.string().optional(),
    remote: z.string().optional(),
    remote6: z.string().optional(),
    group: z.string().optional(),
    group6: z.string().optional(),
    ttl: z.number().int().optional(),
    learning: z.boolean().optional(),
    external: z.boolean().optional(),
  })
  .passthrough();

/** The one field of a bridge's `linkinfo.info_data` read; anything else about it passes. */
const BridgeInfoDataSchema = z.object({ vlan_filtering: z.number().optional() }).passthrough();

const LinkSchema = z
  .object({
    ifindex: z.number().int(),
    ifname: z.string().min(1),
    flags: z.array(z.string()).default([]),
    mtu: z.number().int(),
    master: z.string().optional(),
    link: z.string().nullish(),
    operstate: z.string().optional(),
    ifalias: z.string().optional(),
    linkinfo: z
      .object({
        info_kind: z.string().optional(),
        info_data: z.unknown().optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

const AddrInfoSchema = z
  .object({
    family: z.string(),
    local: z.string().optional(),
    prefixlen: z.number().int().optional(),
    scope: z.string().optional(),
  })
  .passthrough();

const AddrLinkSchema = z
  .object({
    ifname: z.string().min(1),
    addr_info: z.array(AddrInfoSchema).default([]),
  })
  .passthrough();

const FdbSchema = z
  .object({
    mac: z.string(),
    ifname: z.string().min(1),
    dst: z.string().optional(),
    master: z.string().optional(),
    flags: z.array(z.string()).default([]),
    state: z.string().optional(),
  })
  .passthrough();

function commandText(which: ObserveCommand | 'addr'): string {
  return which === 'addr' ? ADDR_COMMAND : OBSERVE_COMMANDS[which].join(' ');
}

function zodPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') || '(top level)';
}

/** Parses one command's stdout as a JSON array of `schema` items, or throws naming host, command and field. */
function parseArray<S extends z.ZodType>(
  host: string,
  which: ObserveCommand | 'addr',
  text: string,
  schema: S,
): Array<z.infer<S>> {
  const command = commandText(which);
  const trimmed = text.trim();
  if (trimmed === '') throw new ObserveParseError(host, command, 'is empty (expected a JSON array; is iproute2 too old for -j?)');
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch (err) {
    const head = trimmed.slice(0, 60).replace(/[^\x20-\x7e]/g, '?');
    throw new ObserveParseError(
      host,
      command,
      `is not JSON (${err instanceof Error ? err.message : String(err)}); it starts with ${JSON.stringify(head)}`,
    );
  }
  const parsed = z.array(schema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? zodPath(issue.path) : '(top level)';
    throw new ObserveParseError(host, command, `has an unexpected shape at ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function toVxlan(host: string, ifname: string, data: unknown): ObservedVxlan {
  const parsed = VxlanInfoDataSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ObserveParseError(
      host,
      commandText('link'),
      `has unexpected VXLAN data for ${ifname} at linkinfo.info_data${issue ? zodPath(issue.path) : ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const d = parsed.data;
  const vx: ObservedVxlan = { vni: d.id, port: d.port, learning: d.learning ?? true };
  const local = d.local ?? d.local6;
  const remote = d.remote ?? d.remote6;
  const group = d.group ?? d.group6;
  if (d.link !== undefined) vx.dev = d.link;
  if (local !== undefined) vx.local = local;
  if (remote !== undefined) vx.remote = remote;
  if (group !== undefined) vx.group = group;
  // The kernel reports 0 for "inherit/auto" (ip-link(8): `ttl auto`).
  if (d.ttl !== undefined && d.ttl !== 0) vx.ttl = d.ttl;
  if (d.external === true) vx.external = true;
  return vx;
}

/** Device kinds whose traffic leaves through their parent (`ip link add link PARENT ... type KIND`). */
const STACKED_KINDS = new Set(['vlan', 'macvlan', 'macvtap', 'ipvlan', 'ipvtap']);

/** Parses the links of `ip -j -d addr show` (or `ip -j -d link show`) output. */
export function parseLinks(text: string, host: string): ObservedLink[] {
  return parseArray(host, 'link', text, LinkSchema).map((l) => {
    const link: ObservedLink = { name: l.ifname, ifindex: l.ifindex, mtu: l.mtu, up: l.flags.includes('UP') };
    const kind = l.linkinfo?.info_kind;
    if (kind !== undefined) link.kind = kind;
    if (l.ifalias !== undefined && l.ifalias !== '') link.alias = l.ifalias;
    if (l.master !== undefined) link.master = l.master;
    // Stacked devices only: a veth's `link` is its peer, which carries nothing of this device's traffic.
    if (typeof l.link === 'string' && kind !== undefined && STACKED_KINDS.has(kind)) link.parent = l.link;
    if (l.operstate !== undefined) link.operstate = l.operstate;
    if (kind === 'vxlan') link.vxlan = toVxlan(host, l.ifname, l.linkinfo?.info_data);
    if (kind === 'bridge' && BridgeInfoDataSchema.safeParse(l.linkinfo?.info_data).data?.vlan_filtering === 1)
      link.vlanFiltering = true;
    return link;
  });
}

/**
 * Parses the addresses of `ip -j [-d] addr show` output (`which`: the command it came from, for
 * errors); entries without an address (e.g. a bare `inet6` stub) are skipped.
 */
export function parseAddresses(text: string, host: string, which: 'link' | 'addr' = 'addr'): ObservedAddress[] {
  const out: ObservedAddress[] = [];
  for (const l of parseArray(host, which, text, AddrLinkSchema)) {
    for (const a of l.addr_info) {
      if ((a.family !== 'inet' && a.family !== 'inet6') || a.local === undefined || a.prefixlen === undefined) continue;
      const addr: ObservedAddress = { ifname: l.ifname, cidr: `${a.local}/${a.prefixlen}`, family: a.family };
      if (a.scope !== undefined) addr.scope = a.scope;
      out.push(addr);
    }
  }
  return out;
}

/** Parses `bridge -j fdb show` output. MACs are lowercased so comparisons are exact. */
export function parseFdb(text: string, host: string): ObservedFdbEntry[] {
  return parseArray(host, 'fdb', text, FdbSchema).map((f) => {
    const e: ObservedFdbEntry = { ifname: f.ifname, mac: f.mac.toLowerCase(), flags: f.flags };
    if (f.dst !== undefined) e.dst = f.dst;
    if (f.master !== undefined) e.master = f.master;
    if (f.state !== undefined) e.state = f.state;
    return e;
  });
}

/**
 * Turns the three command outputs of one host into typed observed state.
 *
 * @throws ObserveParseError naming `ctx.host` and the command when an output is empty, not JSON, or
 *   not shaped like iproute2's (e.g. `host web-1: output of \`ip -j addr show\` is not JSON (...)`).
 */
export function parseObserved(out: ObserveOutput, ctx: { host: string }): ObservedHostState {
  return {
    links: parseLinks(out.link, ctx.host),
    addresses: out.addr === undefined ? parseAddresses(out.link, ctx.host, 'link') : parseAddresses(out.addr, ctx.host),
    fdb: parseFdb(out.fdb, ctx.host),
  };
}
