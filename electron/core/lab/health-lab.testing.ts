/**
 * A deployed lab watched by the health poller, for the tests that break a host (a firewall, a
 * smaller MTU, a frozen sshd) and check what the health round names and what its fix brings back:
 * a lab under a random name, the overlay deployed over SSH with the deploy runner, a poller whose
 * rounds run over the same SSH pool, and the teardown of all of it after the suite, also when a test
 * or the set-up fails. Test code only.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { Finding } from '../../../shared/diagnose/types';
import type { Topology } from '../../../shared/model';
import { argvToShell } from '../../../shared/plan';
import { runDeploy } from '../deploy/runner';
import { createDeploySsh, type DeploySsh } from '../deploy/ssh-setup';
import { applyFindingFix } from '../health/fix';
import { HealthPoller, type HealthRoundResult } from '../health/poller';
import { sshHealthTransport } from '../health/transport';
import { labDown, labUp } from './lab';
import { removeLockFiles } from './lab-check';
import { labSshOptions } from './ssh-options';
import type { LabState } from './state';
import { labTopology } from './topology';
import { randomLabName } from './with-lab';

export interface HealthLabOptions {
  /** Prefix of the lab's random name, to tell which test made it. */
  tag: string;
  hosts: number;
  /** Time a host gets to answer a round (HealthPollerOptions.pollTimeoutMs). */
  pollTimeoutMs: number;
  /** The topology to deploy, made once the lab is up (it may change the lab first); default `labTopology(lab)`. */
  topology?: (lab: LabState) => Promise<Topology>;
}

export interface HealthLab {
  readonly name: string;
  readonly lab: LabState;
  readonly topology: Topology;
  readonly ssh: DeploySsh;
  /** The suite's poller: its rounds keep what earlier ones learnt (path MTU, backoff). */
  readonly poller: HealthPoller;
  /** A poller of its own over the same SSH pool, nothing cached from earlier rounds; the caller stops it. */
  newPoller: () => HealthPoller;
  /** Rounds (at most `max`) until one has a finding `pick` takes: those findings, how many rounds, the last round. */
  roundsUntil: (
    pick: (f: Finding) => boolean,
    max: number,
  ) => Promise<{ findings: Finding[]; rounds: number; last: HealthRoundResult }>;
  /** Rounds (at most 2) until a FIREWALL_BLOCKS_VXLAN finding shows, with every other one of that round. */
  firewallFindings: () => Promise<{ findings: Finding[]; last: HealthRoundResult }>;
  /** The finding's fix through the product's fix path (health/fix.ts), then one round: every tunnel up, no firewall finding. */
  fixAndCheck: (f: Finding) => Promise<void>;
  /** The finding's fix as shell lines, host after host. */
  fixLines: (f: Finding) => string[];
}

/**
 * Registers the suite's `beforeAll` (lab up, deploy, poller) and `afterAll` (poller stopped, SSH
 * closed, lab down, lock files removed); call it inside `describe`. The returned object's lab,
 * topology, ssh and poller are there from the suite's first test on.
 */
export function useHealthLab(options: HealthLabOptions): HealthLab {
  const name = randomLabName(options.tag);
  let lab: LabState | undefined;
  let topology: Topology | undefined;
  let ssh: DeploySsh | undefined;
  let poller: HealthPoller | undefined;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the health lab has no ${what} yet: use it inside a test, after beforeAll`);
    return value;
  };

  const fixture: HealthLab = {
    name,
    get lab() {
      return ready(lab, 'lab');
    },
    get topology() {
      return ready(topology, 'topology');
    },
    get ssh() {
      return ready(ssh, 'SSH');
    },
    get poller() {
      return ready(poller, 'poller');
    },
    newPoller: () =>
      new HealthPoller({
        topology: fixture.topology,
        transport: sshHealthTransport(fixture.ssh.pool),
        pollTimeoutMs: options.pollTimeoutMs,
        adaptive: false,
      }),
    roundsUntil: async (pick, max) => {
      let last: HealthRoundResult | undefined;
      for (let i = 1; i <= max; i++) {
        last = await fixture.poller.runRound();
        const findings = last.findings.filter(pick);
        if (findings.length > 0) return { findings, rounds: i, last };
      }
      return { findings: [], rounds: max, last: last as HealthRoundResult };
    },
    firewallFindings: async () => {
      const { findings, last } = await fixture.roundsUntil((f) => f.code === 'FIREWALL_BLOCKS_VXLAN', 2);
      return { findings, last };
    },
    fixAndCheck: async (f) => {
      const fixed = await applyFindingFix(fixture.topology, f, fixture.ssh.connect);
      expect(fixed.ok, JSON.stringify(fixed.hosts)).toBe(true);
      const after = await fixture.poller.runRound();
      expect(after.view.pairs.filter((p) => p.status !== 'ok').map((p) => [p.from, p.to, p.status])).toEqual([]);
      expect(after.findings.filter((x) => x.code === 'FIREWALL_BLOCKS_VXLAN')).toEqual([]);
    },
    fixLines: (f) => (f.fix?.hosts ?? []).flatMap((h) => h.steps.map((s) => argvToShell(s.argv))),
  };

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: options.hosts })).state;
    topology = options.topology ? await options.topology(lab) : labTopology(lab);
    ssh = createDeploySsh(labSshOptions(lab));
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    if (!r.ok)
      throw new Error(`the deploy failed: ${JSON.stringify(r.hosts.map((h) => [h.hostName, h.outcome, h.error?.message]))}`);
    poller = fixture.newPoller();
  }, 180_000);

  afterAll(async () => {
    await poller?.stop();
    await ssh?.close();
    await labDown(name);
    await removeLockFiles([`lab-${name}`]);
  }, 120_000);

  return fixture;
}
