import { describe, expect, it } from 'vitest';
import type { Step } from '../../../shared/plan';
import { inverseSteps } from './steps';

const step = (kind: Step['kind'], target: string, inverse: string[][]): Step => ({
  argv: ['do', target],
  description: `${kind} ${target}`,
  inverse,
  kind,
  target,
});

describe('inverseSteps', () => {
  it('undoes the runtime steps newest first, then the manager files newest first, so the reload runs last', () => {
    const steps = [
      step('link-add', 'br100', [['ip', 'link', 'del', 'br100']]),
      step('addr-add', 'br100', [['ip', 'addr', 'del', '10.0.0.1/24', 'dev', 'br100']]),
      step('file-write', '/etc/a', [
        ['rm', '/etc/a'],
        ['networkctl', 'reload'],
      ]),
      step('file-write', '/etc/b', [['rm', '/etc/b']]),
      step('persist-reload', 'systemd-networkd', []),
    ];
    expect(inverseSteps(steps).map((s) => s.argv.join(' '))).toEqual([
      'ip addr del 10.0.0.1/24 dev br100',
      'ip link del br100',
      'rm /etc/b',
      'rm /etc/a',
      'networkctl reload',
    ]);
  });
});
