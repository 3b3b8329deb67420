/**
 * The health methods of the API contract, called the way every transport calls them (`dispatch`,
 * which validates requests and responses), against a deployed lab over SSH: polling streams
 * `health.changed` only on change, and a finding's fix is applied by id. Root only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOf, HealthView } from '../../../shared/api/contract';
import { serializeTopology } from '../../../shared/model';
import { runDeploy } from '../deploy';
import { netnsConnector } from '../lab/netns-executor';
import { removeLockFiles } from '../lab/lab-check';
import {
  blockUdp,
  FAULT_TABLE,
  FAULT_TABLE_FAMILY,
  isRoot,
  labDown,
  labHost,
  labSshOptions,
  labTopology,
  labUp,
  nsRun,
  randomLabName,
  type LabState,
} from '../lab/index';
import { dispatch, type Handlers } from './dispatch';
import { createHealthService } from './health-handlers';

const root = isRoot();
if (!root)
  console.log(
    'health-handlers.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo',
  );
const suite = root ? describe : describe.skip;

suite('health.* over the API contract against a deployed lab', () => {
  const name = randomLabName('hapi');
  let lab: LabState;
  let text: string;
  const changes: HealthView[] = [];
  let service: ReturnType<typeof createHealthService>;
  const call = async <T>(method: string, request: unknown): Promise<T> => {
    const r = (await dispatch(service.handlers as unknown as Handlers, method, request)) as {
      ok: boolean;
      value: T;
      error?: unknown;
    };
    if (!r.ok) throw new Error(`${method} failed: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  const waitFor = async (pred: (v: HealthView) => boolean, ms: number): Promise<HealthView | undefined> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const hit = changes.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  };

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 3 })).state;
    const t = labTopology(lab);
    text = serializeTopology(t);
    const r = await runDeploy({ action: 'apply', topology: t, connect: netnsConnector(lab) });
    if (!r.ok) throw new Error('deploy failed');
    service = createHealthService({
      ...labSshOptions(lab),
      emit: (event, payload) => event === 'health.changed' && changes.push(payload as EventOf<'health.changed'>),
    });
  }, 180_000);
  afterAll(async () => {
    await service?.close();
    await labDown(name);
    await removeLockFiles([`lab-${name}`]);
  }, 120_000);

  it('streams a first all-green view, then nothing while nothing changes', async () => {
    const { pollId } = await call<{ pollId: string }>('health.start', { topology: text, intervalMs: 1000 });
    const first = await waitFor(() => true, 15_000);
    expect(first?.pollId).toBe(pollId);
    expect(first?.memberships.map((m) => m.status)).toEqual(['all', 'all', 'all']);
    await new Promise((r) => setTimeout(r, 3000));
    expect(changes).toHaveLength(1);
    const snap = await call<HealthView>('health.snapshot', { now: true });
    expect(snap.round).toBeGreaterThan(1);
  }, 60_000);

  it('streams the firewall finding when h2 drops VXLAN, and health.applyFix by its id brings every tunnel back', async () => {
    await blockUdp(lab, 'h2');
    try {
      const red = await waitFor((v) => v.findings.some((f) => f.code === 'FIREWALL_BLOCKS_VXLAN'), 20_000);
      const finding = red?.findings.find((f) => f.code === 'FIREWALL_BLOCKS_VXLAN');
      expect(finding?.fix?.hosts[0]?.steps[0]?.shell).toMatch(
        /^nft insert rule inet vxlan_studio_lab input position \d+ ip saddr/,
      );
      changes.length = 0;
      const fixed = await call<{ ok: boolean }>('health.applyFix', { findingId: finding?.id ?? '' });
      expect(fixed.ok).toBe(true);
      const green = await waitFor((v) => v.memberships.every((m) => m.status === 'all') && v.findings.length === 0, 20_000);
      expect(green).toBeDefined();
    } finally {
      await nsRun(labHost(lab, 'h2').namespace, ['nft', 'delete', 'table', FAULT_TABLE_FAMILY, FAULT_TABLE]);
    }
  }, 90_000);

  it('health.update polls the edited drawing: a host joined to the segment is reported unreachable (a poll timeout here), and removing it again is all green', async () => {
    const t = labTopology(lab);
    const [first, seg] = [t.hosts[0], t.segments[0]];
    if (!first || !seg) throw new Error('the lab topology has no host or segment');
    // An SSH target that never resolves (RFC 6761 .invalid), dialled from the lab's controller like every other.
    const added = { ...first, id: 'h9', name: 'h9', ssh: { ...first.ssh, host: 'h9.invalid' }, bridges: [] };
    const joined = { id: 'h9-member', hostId: 'h9', segmentId: seg.id, bridgePorts: [] };
    const running = await call<HealthView | null>('health.snapshot', {});
    const edited = serializeTopology({ ...t, hosts: [...t.hosts, added], memberships: [...t.memberships, joined] });
    // Same poller, same poll id: the UI keeps its view and only the new parts start grey.
    expect(await call('health.update', { topology: edited })).toEqual({ pollId: running?.pollId });
    const seen = await waitFor(
      (v) => v.hosts.some((h) => h.hostId === 'h9' && h.state !== 'ok' && h.state !== 'unknown'),
      20_000,
    );
    expect(seen?.findings.some((f) => f.code === 'HOST_UNREACHABLE' && f.hosts.includes('h9'))).toBe(true);
    expect(seen?.memberships.map((m) => m.membershipId)).toContain('h9-member');

    changes.length = 0;
    await call('health.update', { topology: text });
    const green = await waitFor(
      (v) => v.hosts.length === 3 && v.findings.length === 0 && v.memberships.every((m) => m.status === 'all'),
      20_000,
    );
    expect(green).toBeDefined();
  }, 60_000);

  it('pauses (no round runs) and stops', async () => {
    await call('health.pause', {});
    const before = (await call<HealthView | null>('health.snapshot', {}))?.round;
    await new Promise((r) => setTimeout(r, 2500));
    expect((await call<HealthView | null>('health.snapshot', {}))?.round).toBe(before);
    expect(await call('health.stop', {})).toEqual({ stopped: true });
  }, 30_000);
});
