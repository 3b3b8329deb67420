/**
 * What a review's digest covers, so an apply runs exactly what was reviewed (Terraform's rule: apply
 * the saved plan, or refuse when the world moved): a host's observed state and its planned steps, as
 * one canonical text. The hash itself (sha256) is taken where a hash function is at hand (the deploy
 * runner, in Node): shared/ stays pure and synchronous, and the renderer only carries the digest.
 */
import type { ObservedHostState } from '../observe/state';
import type { Step } from './types';

/**
 * JSON with object keys in sorted order and `undefined` members left out, so the same value always
 * gives the same text whatever order its keys were built in.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, { d: undefined, c: 'x' }] }) // '{"a":[true,{"c":"x"}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The canonical text a host's review digest is taken of: every link with the settings a plan reads
 * (name, ifindex, kind, alias, MTU, master, parent, up, VXLAN parameters), every address but the
 * kernel-made link-local ones, every FDB entry the kernel did not learn from traffic, and the planned
 * steps in order (argv, kind, target, prune). Left out on purpose: what moves on its own while
 * nobody changes the host (operational state, link-local addresses appearing after DAD, learned
 * MACs), which would make every apply "changed since review".
 */
export function reviewDigestText(observed: ObservedHostState, steps: readonly Step[]): string {
  const links = observed.links
    .map((l) => ({
      name: l.name,
      ifindex: l.ifindex,
      kind: l.kind,
      alias: l.alias,
      mtu: l.mtu,
      master: l.master,
      parent: l.parent,
      up: l.up,
      vxlan: l.vxlan,
    }))
    .sort((a, b) => byText(a.name, b.name));
  const addresses = observed.addresses
    .filter((a) => a.scope !== 'link')
    .map((a) => `${a.ifname} ${a.cidr}`)
    .sort(byText);
  const fdb = observed.fdb
    .filter((e) => e.state !== undefined)
    .map((e) => canonicalJson({ ...e, flags: [...e.flags].sort(byText) }))
    .sort(byText);
  const planned = steps.map((s) => ({ argv: s.argv, kind: s.kind, target: s.target, prune: s.prune }));
  return canonicalJson({ links, addresses, fdb, steps: planned });
}
