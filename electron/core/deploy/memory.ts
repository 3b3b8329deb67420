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
import type { Prepared } from './scripts';
import type { HostFacts } from '../../../shared/plan';
import type { DeployAction, HostDeployResult, HostOutcome } from './types';
import type { WatchArmed } from './watch';

/** A host's armed watch (watch.ts), and what the read it was armed for found. */
export interface HostWatch extends WatchArmed {
  prep: Prepared;
  /** That read planned (converged) for a run of `key` (runner.ts `plannedKey`): what the plan filled in. */
  planned?: WatchPlanned;
}

/** A converged plan of a watch's read, kept so an unchanged re-apply need not plan it again. */
export interface WatchPlanned {
  key: string;
  facts: HostFacts;
  result: Pick<HostDeployResult, 'persist' | 'diagnostics' | 'stale' | 'digest'>;
}

/** The drawing as one comparable word: any edit (an MTU, a peer, a name) makes another. */
export function drawingDigest(t: Topology): string {
  return createHash('sha256').update(JSON.stringify(t)).digest('base64url');
}

export class DeployMemory {
  /** `topologyId \0 hostId` -> digest of the drawing the host was last seen converged with. */
  private readonly converged = new Map<string, string>();
  /** `topologyId \0 hostId` -> the host's armed watch, while the host is expected converged. */
  private readonly watches = new Map<string, HostWatch>();
  /** Watches being armed after a run (not waited for by the run). */
  private readonly arming = new Set<Promise<unknown>>();

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
    // Steps ran or the host is not converged: what the watch's read found is no longer the host.
    if (outcome !== 'unchanged' || !this.converged.has(key)) this.watches.delete(key);
  }

  /** The host's watch, when it is expected converged with `digest`. */
  watchOf(topologyId: string, hostId: string, digest: string): HostWatch | undefined {
    return this.expectsConverged(topologyId, hostId, digest) ? this.watches.get(DeployMemory.key(topologyId, hostId)) : undefined;
  }

  /** Keeps a watch armed for a read that found the host converged with `digest` (ignored if no longer expected). */
  setWatch(topologyId: string, hostId: string, digest: string, watch: HostWatch): void {
    if (this.expectsConverged(topologyId, hostId, digest)) this.watches.set(DeployMemory.key(topologyId, hostId), watch);
  }

  /** Forgets the host's watch (its answer could not be used). */
  forgetWatch(topologyId: string, hostId: string): void {
    this.watches.delete(DeployMemory.key(topologyId, hostId));
  }

  /** Tracks a watch being armed after a run; `settled` waits for all of them. */
  track(p: Promise<unknown>): void {
    const done = p.catch(() => undefined).finally(() => this.arming.delete(done));
    this.arming.add(done);
  }

  /** Resolves when every watch being armed after a run has been armed (or failed). */
  async settled(): Promise<void> {
    while (this.arming.size > 0) await Promise.all([...this.arming]);
  }
}
