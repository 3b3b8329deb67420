/**
 * What the runner refuses before it contacts any host: a drawing with errors for apply and status,
 * and for destroy too when its text is unsafe (a line break in a name, an SSH host that is a list).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TopologySchema, type Topology } from '../../../shared/model';
import { runDeploy } from './runner';

function textbook(): Topology {
  return TopologySchema.parse(JSON.parse(readFileSync('examples/textbook.vxlan.json', 'utf8')));
}

describe('runDeploy refuses unsafe drawings before connecting', () => {
  const cases: Array<[string, (t: Topology) => void]> = [
    [
      'a host name with a line break',
      (t) => void ((t.hosts[0] as Topology['hosts'][number]).name = 'host-a\ntouch /tmp/PWNED #'),
    ],
    ['an SSH host that is a list', (t) => void ((t.hosts[1] as Topology['hosts'][number]).ssh.host = 'h1,h2')],
  ];
  for (const action of ['apply', 'destroy', 'status'] as const) {
    it.each(cases)(`${action}: %s`, async (_, spoil) => {
      const t = textbook();
      spoil(t);
      const connected: string[] = [];
      const connect = (host: { name: string }): never => {
        connected.push(host.name);
        throw new Error('must not connect');
      };
      await expect(runDeploy({ action, topology: t, connect: connect })).rejects.toMatchObject({
        data: { code: 'TOPOLOGY_INVALID' },
      });
      expect(connected).toEqual([]);
    });
  }

  it('destroy still runs on a drawing whose errors are only about the overlay (a duplicate VNI)', async () => {
    const t = textbook();
    t.segments.push({ ...(t.segments[0] as Topology['segments'][number]), id: 'dup', name: 'dup' });
    const connected: string[] = [];
    const connect = (host: { name: string }): Promise<never> => {
      connected.push(host.name);
      return Promise.reject(new Error('offline'));
    };
    const r = await runDeploy({ action: 'destroy', topology: t, connect: connect });
    expect(connected.sort()).toEqual(['host-a', 'host-b']);
    expect(r.hosts.map((h) => h.error?.code)).toEqual(['SSH_UNREACHABLE', 'SSH_UNREACHABLE']);
  });
});
