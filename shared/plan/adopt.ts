/**
 * Devices an admin made by hand (no mark of ours, no other drawing's) that the drawing names: one
 * whose settings match the drawing exactly is adopted (our mark is set, the link is not touched, so
 * its traffic goes on); one that differs is explained field by field and left alone, unless the
 * user chose to replace devices made by hand (`replaceForeign`): then it is deleted and re-created.
 */
import { ALL_ZERO_MAC, type ObservedHostState, type ObservedLink } from '../observe/state';
import { parseAddress, parseCidr } from '../validate/ip';
import type { DesiredHostState, DesiredLink } from './types';

/** One setting that differs between a device made by hand and the drawing. */
export interface ForeignDifference {
  field: string;
  /** The value on the host, as people read it. */
  host: string;
  /** The value in the drawing. */
  drawn: string;
}

const norm = (a: string | undefined): string | undefined => {
  if (a === undefined) return undefined;
  const p = parseAddress(a);
  return typeof p === 'string' ? a : p.normalized;
};

const normCidr = (c: string): string => {
  const p = parseCidr(c);
  return typeof p === 'string' ? c : `${p.address}/${p.prefix}`;
};

const show = (v: string | number | boolean | undefined, none = 'none'): string =>
  v === undefined ? none : typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v);

/**
 * Every setting of `have` (made by hand) that differs from the drawn `want`: kind, the VXLAN
 * parameters (VNI, port, dev, local, remote, group, TTL, learning), MTU, master, and overlay
 * addresses or head-end FDB entries the host has that the drawing does not (adopting would silently
 * remove them). Missing addresses and entries are no difference: they are added as usual.
 *
 * @example
 * formatDifferences(foreignDifferences(want, have, desired, observed)) // 'VNI 101 on the host, 100 drawn'
 */
export function foreignDifferences(
  want: DesiredLink,
  have: ObservedLink,
  desired: DesiredHostState,
  observed: ObservedHostState,
): ForeignDifference[] {
  const out: ForeignDifference[] = [];
  const differ = (field: string, host: string | number | boolean | undefined, drawn: string | number | boolean | undefined) => {
    if (host !== drawn) out.push({ field, host: show(host), drawn: show(drawn) });
  };
  if (have.kind !== want.kind) {
    differ('kind', have.kind, want.kind);
    return out;
  }
  const w = want.vxlan;
  const h = have.vxlan;
  if (w !== undefined) {
    if (h === undefined) return [{ field: 'VXLAN parameters', host: '(unreadable)', drawn: `VNI ${w.vni}` }];
    differ('VNI', h.vni, w.vni);
    differ('port', h.port, w.port);
    // An unknown drawn dev ("auto" without facts) matches any.
    if (w.dev !== undefined) differ('dev', h.dev, w.dev);
    differ('local', norm(h.local), norm(w.local));
    differ('remote', norm(h.remote), norm(w.remote));
    differ('group', norm(h.group), norm(w.group));
    if (h.ttl !== w.ttl) out.push({ field: 'TTL', host: show(h.ttl, 'auto'), drawn: show(w.ttl, 'auto') });
    differ('learning', h.learning, w.learning);
  }
  if (want.mtu !== undefined) differ('MTU', have.mtu, want.mtu);
  differ('master', have.master, want.master);
  const drawnAddr = new Set(desired.addresses.filter((a) => a.ifname === want.name).map((a) => normCidr(a.cidr)));
  for (const a of observed.addresses) {
    // Kernel-made IPv6 link-local addresses come with every device that is up.
    if (a.ifname !== want.name || a.scope === 'link' || drawnAddr.has(normCidr(a.cidr))) continue;
    out.push({ field: 'address', host: a.cidr, drawn: 'none' });
  }
  const drawnFdb = new Set(desired.fdb.filter((f) => f.ifname === want.name).map((f) => f.dst));
  // The kernel's own default entry for `remote` / `group` is part of the device, not an extra.
  for (const a of [h?.remote, h?.group]) if (a !== undefined) drawnFdb.add(norm(a) as string);
  for (const e of observed.fdb) {
    if (e.ifname !== want.name || e.mac !== ALL_ZERO_MAC || e.dst === undefined) continue;
    if (!drawnFdb.has(norm(e.dst) as string)) out.push({ field: 'flood entry', host: `dst ${e.dst}`, drawn: 'none' });
  }
  return out;
}

/**
 * The differences as one sentence fragment, each "<field> <host value> on the host, <drawn> drawn".
 *
 * @example
 * formatDifferences([{ field: 'VNI', host: '101', drawn: '100' }]) // 'VNI 101 on the host, 100 drawn'
 */
export function formatDifferences(diffs: readonly ForeignDifference[]): string {
  return diffs.map((d) => `${d.field} ${d.host} on the host, ${d.drawn} drawn`).join('; ');
}
