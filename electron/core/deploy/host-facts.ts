/**
 * Facts a deploy gathers per host in round trip 1 (underlay interface, address and MTU; the SSH
 * path), and how they reach the peers' plans: a host whose underlay address is "auto" is known only
 * once it has answered, so its peers wait for it on the board.
 */
import type { Topology } from '../../../shared/model';
import type { HostFacts } from '../../../shared/plan';

/**
 * The peer addresses a host routes to for its underlay facts (`ip -j route get` the first one):
 * the underlay addresses of the peers it shares a segment with.
 */
export function peersOf(t: Topology, hostId: string): string[] {
  const segs = new Set(t.memberships.filter((m) => m.hostId === hostId).map((m) => m.segmentId));
  const out: string[] = [];
  for (const m of t.memberships) {
    if (m.hostId === hostId || !segs.has(m.segmentId)) continue;
    const h = t.hosts.find((x) => x.id === m.hostId);
    if (h && h.underlay.address !== 'auto' && !out.includes(h.underlay.address)) out.push(h.underlay.address);
  }
  // A peer whose address is "auto": route to its SSH address instead (usually the same path).
  if (out.length === 0) {
    for (const m of t.memberships) {
      if (m.hostId === hostId || !segs.has(m.segmentId)) continue;
      const h = t.hosts.find((x) => x.id === m.hostId);
      if (h && /^[0-9a-fA-F:.]+$/.test(h.ssh.host)) out.push(h.ssh.host);
    }
  }
  return out;
}

/** Facts of hosts gathered in round trip 1 feed their peers' plans ("auto" underlay addresses). */
export class FactsBoard {
  private readonly facts = new Map<string, HostFacts>();
  private readonly waiters = new Map<string, Array<() => void>>();
  set(hostId: string, f: HostFacts | undefined): void {
    this.facts.set(hostId, f ?? {});
    for (const w of this.waiters.get(hostId) ?? []) w();
    this.waiters.delete(hostId);
  }
  /** Marks a host as done gathering (no facts) unless it already posted some, so no peer waits forever. */
  settle(hostId: string): void {
    if (!this.facts.has(hostId)) this.set(hostId, undefined);
  }
  get(hostId: string): HostFacts | undefined {
    return this.facts.get(hostId);
  }
  async waitFor(hostIds: string[]): Promise<void> {
    await Promise.all(
      hostIds.map((id) =>
        this.facts.has(id)
          ? Promise.resolve()
          : new Promise<void>((r) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), r])),
      ),
    );
  }
  all(): Record<string, HostFacts> {
    return Object.fromEntries(this.facts);
  }
}
