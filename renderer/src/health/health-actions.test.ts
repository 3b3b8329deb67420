import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient, HealthFinding, ResponseOf, Result } from '../../../shared/api/contract';
import { serializeTopology } from '../../../shared/model';
import { setApiClient } from '../api/backend';
import { setSegmentMtu, updateHost } from '../editor/topology-ops';
import { meshTemplate } from '../files/templates';
import { useStore } from '../store/store';
import { applyConfirmedFix, requestFix } from './health-actions';

type FixResult = Result<ResponseOf<'health.applyFix'>>;

/** An API whose `health.applyFix` answers only when the test says so (the fix runs on the hosts meanwhile). */
function pendingFixApi(): { api: ApiClient; answer: (r: FixResult) => void; asked: Promise<void> } {
  let answer: (r: FixResult) => void = () => undefined;
  let asked: () => void = () => undefined;
  const askedP = new Promise<void>((resolve) => (asked = resolve));
  const api: ApiClient = {
    call: ((method: string) => {
      if (method !== 'health.applyFix') throw new Error(`unexpected call ${method}`);
      asked();
      return new Promise<FixResult>((resolve) => (answer = resolve));
    }) as ApiClient['call'],
    on: () => () => undefined,
  };
  return { api, answer: (r) => answer(r), asked: askedP };
}

afterEach(() => {
  useStore.getState().setHealthFix(null);
  useStore.getState().clearHealth();
});

describe('the MTU fix', () => {
  it('changes the segment MTU as one field edit: an edit made while the fix runs survives it, and Undo takes back only the MTU', async () => {
    const s = () => useStore.getState();
    s().loadDocument(meshTemplate(3), null);
    const polled = s().topology;
    const segment = polled.segments[0];
    const host = polled.hosts[0];
    if (!segment || !host) throw new Error('template without a segment or host');
    const finding: HealthFinding = {
      id: `MTU_EXCEEDS_PATH|${segment.id}|-|-`,
      code: 'MTU_EXCEEDS_PATH',
      severity: 'error',
      title: 'The path MTU is too small for the overlay',
      message: 'Full-size frames are dropped.',
      hosts: polled.hosts.map((h) => h.id),
      segmentId: segment.id,
      evidence: [],
      fix: {
        description: 'Lower the segment MTU to 1350',
        hosts: polled.hosts.map((h) => ({
          hostId: h.id,
          steps: [
            {
              argv: ['ip', 'link', 'set', 'br', 'mtu', '1350'],
              shell: 'ip link set br mtu 1350',
              description: 'mtu',
              kind: 'link-mtu',
            },
          ],
        })),
        topology: { segmentId: segment.id, mtu: 1350 },
      },
    };
    useStore.setState({ healthFindings: { [finding.id]: finding }, healthFindingIds: [finding.id] });
    const { api, answer, asked } = pendingFixApi();
    setApiClient(api);

    requestFix(finding.id);
    const applying = applyConfirmedFix();
    await asked;
    // While the hosts are being fixed, the user renames a host in the inspector.
    s().commit(updateHost(s().topology, host.id, (h) => ({ ...h, name: 'renamed-meanwhile' })));
    // The backend answers with the file it polled, corrected: it knows nothing of the rename.
    answer({
      ok: true,
      value: {
        ok: true,
        hosts: polled.hosts.map((h) => ({ hostId: h.id, outcome: 'applied' as const, applied: 1 })),
        topology: serializeTopology(setSegmentMtu(polled, segment.id, 1350)),
      },
    });
    await applying;

    expect(s().healthFix).toMatchObject({ stage: 'done', ok: true });
    expect(s().topology.segments[0]?.mtu).toBe(1350);
    expect(s().topology.hosts[0]?.name).toBe('renamed-meanwhile');
    s().undo();
    expect(s().topology.segments[0]?.mtu).toBe(segment.mtu);
    expect(s().topology.hosts[0]?.name).toBe('renamed-meanwhile');
  });
});
