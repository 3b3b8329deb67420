import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NET_DEV_FUNCTION, parseNetDev } from './net-dev-counters';

describe('interface counters from /proc/net/dev', () => {
  it('are printed by the shell with builtins exactly as the kernel wrote them, and parsed per device', () => {
    const r = spawnSync('sh', ['-c', `${NET_DEV_FUNCTION}\nvxs_ctr`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(readFileSync('/proc/net/dev', 'utf8').split('\n').slice(0, 2));
    const lo = parseNetDev(r.stdout, 'here').find((c) => c.name === 'lo');
    expect(lo?.rx.packets).toBeGreaterThan(0);
  });

  it('reads rx and tx bytes, packets, errors and drops from their columns', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      'vxlan100:  44474     148    1    2    0     0          0         0    44310     140    3    4    0     0       0          0',
      '',
    ].join('\n');
    expect(parseNetDev(text, 'h1')).toEqual([
      {
        name: 'vxlan100',
        ifindex: 0,
        rx: { bytes: 44474, packets: 148, errors: 1, dropped: 2 },
        tx: { bytes: 44310, packets: 140, errors: 3, dropped: 4 },
      },
    ]);
    expect(() => parseNetDev('eth0: 1 2 3\n', 'h1')).toThrow(/host h1: output of `\/proc\/net\/dev` has a device line/);
  });
});
