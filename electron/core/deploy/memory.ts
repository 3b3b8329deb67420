/**
 * What a long-lived app (the desktop app, `serve`) remembers between deploy runs: the hosts each
 * drawing last left converged. It is only a guess about the next run and never stands in for a look
 * at the host: a host expected converged is observed first WITHOUT the topology's lock, and ends
 * `unchanged` only when that look finds nothing to change (runner.ts, `unchangedAtFirstLook`);
 * anything else goes the locked way from the start, as if nothing were remembered. So an unchanged
 * re-apply takes no lock and sends no release, and a wrong guess costs one read-only look.
 */
import { createHash } from 'node:crypto';
import type { Topology } from '../../../shared/model';
import type { DeployAction, HostOutcome } from './types';

/** The drawing as one comparable word: any edit (an MTU, a peer, a name) makes another. */
export function drawingDigest(t: Topology): string {
  return createHash('sha256').update(JSON.stringify(t)).digest('base64url');
}

export class DeployMemory {
  /** `topologyId \0 hostId` -> digest of the drawing the host was last seen converged with. */
  private readonly converged = new Map<string, string>();

  private static key(topologyId: string, hostId: string): string {
    return `${topologyId}\0${hostId}`;
  }

  /** The host was last seen converged with exactly this drawing. */
  expectsConverged(topologyId: string, hostId: string, digest: string): boolean {
    return this.converged.get(DeployMemory.key(topologyId, hostId)) === digest;
  }

  /**
   * Records how a run left a host: converged (apply, status or preview found or made it match the
   * drawing) or anything else (forgotten: a destroy, a failure, steps still pending).
   */
  record(topologyId: string, hostId: string, digest: string, action: DeployAction, outcome: HostOutcome): void {
    const key = DeployMemory.key(topologyId, hostId);
    if (action !== 'destroy' && (outcome === 'unchanged' || outcome === 'applied')) this.converged.set(key, digest);
    else this.converged.delete(key);
  }
}
