/** The element lists as the checks see them, what they compute once per element, and field paths. */
import type { Host, Membership, Segment } from '../model';
import type { IpFamily, ParsedCidr } from './ip';
import type { Location } from './report';

/**
 * The objects of an element list with their file indexes kept: a drawing being edited may hold
 * anything, and a non-object entry (already reported by the schema pass) leaves a hole that
 * `forEach` skips, so the remaining checks still report the right `hosts[i]` paths.
 *
 * Each element loses the fields the schema pass refused (an object where a name belongs, say):
 * they are reported there already, and the semantic checks below must never compare, index or
 * print a value of the wrong type.
 */
export function elementsOf<T>(list: unknown, name: string, refused: ReadonlySet<string>): T[] {
  if (!Array.isArray(list)) return [];
  const out = new Array<T>(list.length);
  list.forEach((el: unknown, i) => {
    if (typeof el !== 'object' || el === null || Array.isArray(el)) return;
    if (refused.size === 0) out[i] = el as T;
    else out[i] = Object.fromEntries(Object.entries(el).filter(([key]) => !refused.has(`${name}[${i}].${key}`))) as T;
  });
  return out;
}

/** Everything the checks need about one host, computed once. */
export interface HostInfo {
  host: Host;
  index: number;
  /** Parsed explicit underlay address, when valid. */
  underlay?: { family: IpFamily; normalized: string };
  underlayIf?: string;
}

export interface MemberInfo {
  m: Membership;
  index: number;
  host?: HostInfo;
  segment?: { s: Segment; index: number };
  /** Parsed overlay address, when valid. */
  addr?: ParsedCidr;
}

export const hostPath = (i: number, field: string): string => `hosts[${i}].${field}`;
export const segPath = (i: number, field: string): string => `segments[${i}].${field}`;
export const memPath = (i: number, field: string): string => `memberships[${i}].${field}`;

const KINDS = { hosts: 'host', segments: 'segment', memberships: 'membership' } as const;

/** Locates a semantic check's path (`memberships[2].address`) in the checked lists: the element and its id. */
export function elementLocator(lists: {
  hosts: readonly Host[];
  segments: readonly Segment[];
  memberships: readonly Membership[];
}): (path: string) => Location {
  return (path) => {
    const m = /^(hosts|segments|memberships)\[(\d+)\]/.exec(path);
    if (!m) return { elementKind: 'topology' };
    const list = m[1] as keyof typeof KINDS;
    const element: { id?: unknown } | undefined = lists[list][Number(m[2])];
    const id = element?.id;
    return typeof id === 'string' ? { elementKind: KINDS[list], elementId: id } : { elementKind: KINDS[list] };
  };
}
