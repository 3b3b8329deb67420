/** A health round of the mesh template (files/templates.ts `meshTemplate`), for renderer tests. */
import type { HealthView } from '../../../shared/api/contract';

/** The mesh template's hosts. */
export const MESH_HOSTS = ['host-1', 'host-2', 'host-3'];

/** Round `n` where every host answers and every tunnel works, except `down`'s SSH when given. */
export function meshHealthRound(n: number, down: string | null): HealthView {
  return {
    pollId: 'poll-0001',
    round: n,
    at: '2026-11-25T05:40:07.000Z',
    durationMs: 40,
    hosts: MESH_HOSTS.map((hostId) =>
      hostId === down
        ? { hostId, state: 'unreachable' as const, driftSteps: 0 }
        : { hostId, state: 'ok' as const, driftSteps: 0 },
    ),
    pairs: [],
    memberships: MESH_HOSTS.map((hostId, i) => ({
      membershipId: `m-${i + 1}`,
      hostId,
      segmentId: 'vni-200',
      status: hostId === down ? ('none' as const) : ('all' as const),
      reachable: hostId === down ? 0 : 2,
      peers: 2,
      badges: [],
    })),
    findings: [],
  };
}
