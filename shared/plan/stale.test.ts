/**
 * Devices the drawing no longer has (pruned only on request) and devices of other drawings (never
 * touched), on state recorded from a real kernel (shared/observe/fixtures): every fixture namespace
 * also holds vxlan400, a device of the drawing `another-topology`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTopologyText, type Topology } from '../model';
import { parseObserved, type ObservedHostState } from '../observe';
import { argvToShell, desiredHostState, diffHost, otherDrawings, pruneChoice, type Step } from './index';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = path.join(ROOT, 'shared/observe/fixtures');

function observed(name: string): ObservedHostState {
  const read = (kind: string): string => readFileSync(path.join(FIXTURES, `${name}.${kind}.json`), 'utf8');
  return parseObserved({ link: read('link'), addr: read('addr'), fdb: read('fdb') }, { host: name });
}

function mixed(): Topology {
  const r = parseTopologyText(readFileSync(path.join(FIXTURES, 'mixed.vxlan.json'), 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.topology;
}

const lines = (steps: Step[]): string[] => steps.map((s) => argvToShell(s.argv));

/** The recorded host with one link's alias set to `alias` (as another drawing's deploy would have left it). */
function withAlias(state: ObservedHostState, name: string, alias: string): ObservedHostState {
  return { ...state, links: state.links.map((l) => (l.name === name ? { ...l, alias } : l)) };
}

const desired = desiredHostState(mixed(), 'h1');

describe('devices of this drawing that it no longer has', () => {
  it('are deleted only by prune-marked steps: without pruning they stay and are named, with pruning they go', () => {
    const { steps } = diffHost(desired, observed('drift-stale-marked'));
    expect(steps.filter((s) => s.prune === true).map((s) => [argvToShell(s.argv), s.description])).toEqual([
      ['ip link del vxlan999', 'delete vxlan999 (no longer drawn)'],
    ]);
    expect(pruneChoice(steps, false)).toEqual({ steps: [], stale: ['vxlan999'] });
    expect(lines(pruneChoice(steps, true).steps)).toEqual(['ip link del vxlan999']);
  });

  it('a segment removed from the drawing leaves its device as a prune step, and the rest of the plan converges without it', () => {
    const t = mixed();
    const fewer = { ...t, memberships: t.memberships.filter((m) => m.id !== 'h1-mc') };
    const { steps } = diffHost(desiredHostState(fewer, 'h1'), observed('mixed-h1'));
    expect(steps.map((s) => [argvToShell(s.argv), s.prune === true])).toEqual([['ip link del vxlan300', true]]);
    expect(pruneChoice(steps, false)).toEqual({ steps: [], stale: ['vxlan300'] });
  });

  it('a device renamed in the drawing replaces the old one whatever the prune choice (the kernel allows one device per VNI and port)', () => {
    const t = mixed();
    const renamed = { ...t, memberships: t.memberships.map((m) => (m.id === 'h1-mc' ? { ...m, device: 'vx-mc' } : m)) };
    const { steps } = diffHost(desiredHostState(renamed, 'h1'), observed('mixed-h1'));
    const kept = pruneChoice(steps, false);
    expect(kept.stale).toEqual([]);
    expect(lines(kept.steps).slice(0, 2)).toEqual([
      'ip link del vxlan300',
      'ip link add vx-mc type vxlan id 300 group 239.1.1.1 dev eth0 ttl 5 dstport 4790',
    ]);
    expect(kept.steps[0]?.description).toBe('delete vxlan300 (replaced by vx-mc (VNI 300, port 4790))');
  });
});

describe('devices of another drawing', () => {
  it('are never touched, and each is named in an info note', () => {
    for (const name of ['mixed-h1', 'drift-stale-marked', 'drift-missing-device']) {
      const state = observed(name);
      for (const prune of [false, true]) {
        expect(
          pruneChoice(diffHost(desired, state).steps, prune).steps.map((s) => s.target),
          name,
        ).not.toContain('vxlan400');
      }
      expect(otherDrawings(desired, state), name).toEqual([
        {
          code: 'PLAN_OTHER_DRAWING',
          severity: 'info',
          message: 'vxlan400 belongs to drawing another-topology; left alone',
          elementKind: 'host',
          elementId: 'h1',
          path: 'hosts[0]',
        },
      ]);
    }
  });

  it('a device name this drawing wants but another drawing owns is a clash naming that drawing, and nothing is planned on it', () => {
    const state = withAlias(observed('mixed-h1'), 'vxlan300', 'vxlan-studio:lab-b-1f2e3d4c');
    const { steps, diagnostics } = diffHost(desired, state);
    expect(steps.map((s) => s.target)).not.toContain('vxlan300');
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'PLAN_NAME_CLASH',
        severity: 'error',
        path: 'memberships[5]',
        message: 'h1 already has an interface vxlan300 (vxlan) that belongs to drawing lab-b-1f2e3d4c; it is left alone',
      }),
    ]);
    // The clash is the error; the same device gets no second "left alone" note.
    expect(otherDrawings(desired, state).map((d) => d.message)).toEqual([
      'vxlan400 belongs to drawing another-topology; left alone',
    ]);
  });

  it("a bridge port that is another drawing's device is not enslaved: a clash naming that drawing", () => {
    const state = withAlias(
      {
        ...observed('mixed-h1'),
        links: observed('mixed-h1').links.map((l) => (l.name === 'tap0' ? { ...l, master: undefined } : l)),
      },
      'tap0',
      'vxlan-studio:other-1',
    );
    const { steps, diagnostics } = diffHost(desired, state);
    expect(steps.map((s) => s.target)).not.toContain('tap0');
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'PLAN_NAME_CLASH',
        path: 'memberships[2].bridgePorts[0]',
        message: expect.stringContaining('belongs to drawing other-1') as string,
      }),
    ]);
  });
});
