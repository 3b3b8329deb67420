/**
 * Where to import from: `[USER@]HOST[:PORT]` as typed on a command line or in the app's host list,
 * and inventory hosts, both as the SSH settings of a drawing's host.
 */
import { HostSchema, SshTargetSchema, type Host, type SshAuth, type Topology } from '../model';
import { importLayout } from './layout';
import type { InventoryHost } from './inventory';

/** SSH settings of one host to import (the `ssh` of `ImportHostInput`), with its display name. */
export interface ImportTarget {
  name: string;
  ssh: { host: string; port: number; user: string; auth: SshAuth };
  sudo: boolean;
}

/** What applies to every target that does not say otherwise. */
export interface TargetDefaults {
  user?: string;
  /** Private key file for hosts that name none. */
  identity?: string;
}

function authOf(identity: string | undefined): SshAuth {
  return identity === undefined ? { type: 'agent' } : { type: 'identity-file', path: identity };
}

/**
 * Parses `[USER@]HOST[:PORT]` (an IPv6 address in brackets: `[fd00::1]:2222`).
 *
 * @returns the target, or a sentence saying what is wrong with `text`
 * @example
 * parseSshTarget('admin@192.168.1.10:2222') // { name: '192.168.1.10', ssh: { host: '192.168.1.10', port: 2222, user: 'admin', auth: { type: 'agent' } }, sudo: false }
 */
export function parseSshTarget(text: string, defaults: TargetDefaults = {}): ImportTarget | string {
  const m = /^(?:([^@\s]+)@)?(\[[0-9A-Fa-f:.]+\]|[^@\s:[\]]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return `"${text}" is not [USER@]HOST[:PORT]`;
  const host = (m[2] as string).replace(/^\[|\]$/g, '');
  const user = m[1] ?? defaults.user ?? 'root';
  const parsed = SshTargetSchema.safeParse({
    host,
    port: m[3] === undefined ? 22 : Number(m[3]),
    user,
    auth: authOf(defaults.identity),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `"${text}": ${String(issue?.path[0] ?? 'host')} ${issue?.message ?? 'is not valid'}`;
  }
  const { jump: _jump, ...ssh } = parsed.data;
  return { name: host, ssh, sudo: user !== 'root' };
}

/** An inventory host as an import target: its own user, port and key, else the defaults. */
export function inventoryTarget(h: InventoryHost, defaults: TargetDefaults = {}): ImportTarget {
  const user = h.user ?? defaults.user ?? 'root';
  return {
    name: h.name,
    ssh: { host: h.address, port: h.port ?? 22, user, auth: authOf(h.identityFile ?? defaults.identity) },
    // A non-root login reaches ip(8) through sudo, as Ansible's become does.
    sudo: user !== 'root' || h.become === true,
  };
}

/**
 * Adds hosts to a drawing (no segments, no memberships: the user connects them), each with an id
 * made of its name, placed in a column under the hosts already there. Hosts whose name or SSH
 * host the drawing already has are left out and returned in `skipped`.
 */
export function addTargetHosts(
  t: Topology,
  targets: readonly ImportTarget[],
): { topology: Topology; added: string[]; skipped: string[] } {
  const ids = new Set<string>([...t.hosts.map((h) => h.id), ...t.segments.map((s) => s.id), ...t.memberships.map((m) => m.id)]);
  const added: Host[] = [];
  const skipped: string[] = [];
  for (const target of targets) {
    const known = [...t.hosts, ...added].some(
      (h) => h.name === target.name || (h.ssh.host === target.ssh.host && h.ssh.port === target.ssh.port),
    );
    if (known) {
      skipped.push(target.name);
      continue;
    }
    const base =
      target.name
        .replace(/[^A-Za-z0-9_-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 56) || 'host';
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    ids.add(id);
    added.push(HostSchema.parse({ id, name: target.name.slice(0, 64), ssh: target.ssh, sudo: target.sudo }));
  }
  const below = Math.max(-160, ...t.hosts.map((h) => t.layout.positions[h.id]?.y ?? -160));
  const column = importLayout({ hosts: added, segments: [] }).positions;
  const positions = { ...t.layout.positions };
  for (const h of added) {
    const p = column[h.id] ?? { x: 0, y: 0 };
    positions[h.id] = { x: p.x, y: below + 160 + p.y };
  }
  return {
    topology: { ...t, hosts: [...t.hosts, ...added], layout: { ...t.layout, positions } },
    added: added.map((h) => h.name),
    skipped,
  };
}
