import { describe, expect, it } from 'vitest';
import { parseTopologyText, serializeTopology } from '../../../shared/model';
import { validateTopology } from '../../../shared/validate';
import { planLab } from './spec';
import { LAB_STATE_VERSION, type LabState } from './state';
import { labTopology } from './topology';

/** The state `labUp` would record for a plan (no kernel needed to test the topology writer). */
function fakeState(hosts: number): LabState {
  const plan = planLab({ name: 'unit', hosts });
  const dir = '/run/vxlan-studio/labs/unit';
  return {
    version: LAB_STATE_VERSION,
    name: plan.name,
    prefix: plan.prefix,
    createdAt: '2026-01-01T00:00:00.000Z',
    stateDir: dir,
    routerNamespace: plan.routerNamespace,
    subnets: plan.subnets,
    controller: plan.controller,
    keys: {
      clientKey: `${dir}/client_ed25519`,
      clientPublicKey: `${dir}/client_ed25519.pub`,
      knownHosts: `${dir}/known_hosts`,
      authorizedKeys: `${dir}/authorized_keys`,
    },
    hosts: plan.hosts.map((h) => ({
      ...h,
      hostname: h.name,
      sshd: {
        config: `${dir}/${h.name}/sshd_config`,
        pidFile: `${dir}/${h.name}/sshd.pid`,
        hostKey: `${dir}/${h.name}/key`,
        log: `${dir}/${h.name}/log`,
      },
    })),
    users: [],
  };
}

describe('labTopology', () => {
  it('writes a topology for the lab that validates without errors and survives a save/load round trip', () => {
    const topology = labTopology(fakeState(5));
    const errors = validateTopology(topology).filter((d) => d.severity === 'error');
    expect(errors).toEqual([]);
    const text = serializeTopology(topology);
    const reread = parseTopologyText(text);
    expect(reread.ok && serializeTopology(reread.topology)).toBe(text);
  });

  it('aims every host at its lab sshd with the lab client key, on eth0 with its underlay address', () => {
    const topology = labTopology(fakeState(3));
    expect(topology.hosts.map((h) => [h.name, h.ssh.host, h.ssh.user, h.ssh.auth, h.underlay])).toEqual(
      ['h1', 'h2', 'h3'].map((name, i) => {
        const address = ['172.30.1.11', '172.30.2.12', '172.30.1.13'][i];
        return [
          name,
          address,
          'root',
          { type: 'identity-file', path: '/run/vxlan-studio/labs/unit/client_ed25519' },
          { interface: 'eth0', address, mtu: 1500 },
        ];
      }),
    );
  });

  it('joins every host to one unicast-mesh segment (VNI 100, MTU 1450) through a bridge with 10.100.0.<i>/24', () => {
    const topology = labTopology(fakeState(3));
    expect(topology.segments).toEqual([
      {
        id: 'seg100',
        name: 'overlay 100',
        vni: 100,
        port: 4789,
        mtu: 1450,
        flood: { mode: 'unicast-mesh' },
        learning: true,
        subnet: '10.100.0.0/24',
      },
    ]);
    expect(topology.memberships.map((m) => `${m.hostId} ${m.bridge ?? ''} ${m.address ?? ''}`)).toEqual([
      'h1 br100 10.100.0.1/24',
      'h2 br100 10.100.0.2/24',
      'h3 br100 10.100.0.3/24',
    ]);
    expect(Object.keys(topology.layout.positions).sort()).toEqual(
      ['seg100', 'h1', 'h2', 'h3', 'bridge:h1:br100', 'bridge:h2:br100', 'bridge:h3:br100'].sort(),
    );
  });
});
