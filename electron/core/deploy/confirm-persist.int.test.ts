/**
 * Commit-confirmed apply on hosts whose underlay a real systemd-networkd manages: the change writes
 * networkd's files with the links, and the revert armed on each host gives back both, so a host that
 * nobody confirms is back to its exact snapshot: links, addresses, FDB entries and the files of
 * /etc/systemd/network (ours gone, the admin's untouched), with networkd reloaded. What the hosts
 * hold is read from inside them (iproute2 in the namespace, the files through the host's own /etc),
 * never through the tool under test. Root only.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../../shared/model';
import { allStates, settledStates, until } from '../lab/host-state.testing';
import { hostRunOk, hostShell } from '../lab/netns-exec';
import { isRoot } from '../lab/preflight';
import type { LabState } from '../lab/state';
import { randomLabName } from '../lab/with-lab';
import { runConfirm } from './confirm-run';
import {
  ADMIN_NETDEV,
  ADMIN_NETDEV_TEXT,
  NETWORKD_DIR,
  ownMachineIds,
  persistLabDown,
  persistLabUp,
  slowNetworkdReload,
  writeAdminNetdev,
} from './persist-lab.testing';
import { runDeploy } from './runner';
import type { DeploySsh } from './ssh-setup';

const root = isRoot();
if (!root) console.log('confirm-persist.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run it with sudo');
const suite = root ? describe : describe.skip;

/**
 * The window of the runs the tests wait out: it must outlast the deploy, the test's look at the change
 * and a confirm (7.4 s measured at load 50 on 2 cores), and no more, since each such test waits it out.
 */
const WINDOW_S = 20;

/** Every entry under the host's networkd directory: type, mode and path, and each file's content. */
async function etcFiles(lab: LabState, host: string): Promise<string> {
  return hostRunOk(lab, host, [
    'sh',
    '-c',
    'find "$1" -printf "%y %m %p\\n" | sort | while read -r t m p; do echo "$t $m $p"; [ "$t" = f ] && cat "$p"; done; true',
    'sh',
    NETWORKD_DIR,
  ]);
}

async function allEtcFiles(lab: LabState): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of lab.hosts) out[h.name] = await etcFiles(lab, h.name);
  return out;
}

/** The links networkd knows on the host (`networkctl list`: name and type). */
async function networkdLinks(lab: LabState, host: string): Promise<string[]> {
  const out = await hostRunOk(lab, host, ['networkctl', 'list', '--no-legend', '--no-pager']);
  return out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).slice(1, 3).join(' '))
    .filter((l) => l !== '')
    .sort();
}

suite('commit-confirmed apply with persistent files (systemd-networkd)', () => {
  const name = randomLabName('cfp');
  let lab: LabState;
  let topology: Topology;
  let ssh: DeploySsh;
  let before: Record<string, unknown>;
  let beforeFiles: Record<string, string>;
  let beforeNetworkd: Record<string, string[]>;

  beforeAll(async () => {
    ({ lab, topology, ssh } = await persistLabUp({ name, hosts: 2, manager: 'networkd' }));
    // The admin's own file: never ours to touch, in the change or its revert.
    await writeAdminNetdev(lab);
    await ownMachineIds(lab);
    before = await settledStates(lab);
    beforeFiles = await allEtcFiles(lab);
    beforeNetworkd = {};
    for (const h of lab.hosts) beforeNetworkd[h.name] = await networkdLinks(lab, h.name);
  }, 180_000);
  afterAll(() => persistLabDown(name, ssh, [topology?.id ?? '']), 120_000);

  // A test that fails with a run armed leaves the next one nothing to refuse.
  afterEach(async () => {
    await runConfirm({ action: 'revert', topology, connect: ssh.connect });
  }, 120_000);

  const applyArmed = async (seconds: number): Promise<Awaited<ReturnType<typeof runDeploy>>> => {
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect, confirmWithin: seconds });
    expect(r.hosts.map((h) => [h.hostName, h.outcome, h.confirm?.runId !== undefined, h.error?.message])).toEqual(
      lab.hosts.map((h) => [h.name, 'applied', true, undefined]),
    );
    // Our files were written with the links, next to the admin's.
    for (const h of r.hosts) {
      const written = h.persist?.files.map((f) => f.path) ?? [];
      expect(written.length).toBeGreaterThan(0);
      const present = await hostShell(lab, h.hostName, 'for f in "$@"; do [ -f "$f" ] || echo "$f"; done', written);
      expect(present.stdout).toBe('');
      expect(await hostRunOk(lab, h.hostName, ['cat', ADMIN_NETDEV])).toBe(ADMIN_NETDEV_TEXT);
    }
    return r;
  };

  it('with nobody confirming, every host goes back to its exact snapshot by itself, files included, and networkd is reloaded', async () => {
    // Not the 10 s minimum: on a loaded machine the hosts reverted before the test had seen the change.
    const r = await applyArmed(WINDOW_S);
    expect(await allEtcFiles(lab)).not.toEqual(beforeFiles);
    // Each host's own timer reverts it at its deadline; the test only watches from inside the hosts.
    const deadline = Math.max(...r.hosts.map((h) => h.confirm?.deadlineEpoch ?? 0));
    await until(() => Promise.resolve(Date.now() / 1000 > deadline + 1), 60_000);
    await until(
      async () =>
        JSON.stringify(await allEtcFiles(lab)) === JSON.stringify(beforeFiles) &&
        JSON.stringify(await allStates(lab)) === JSON.stringify(before),
      60_000,
    );
    expect(await allEtcFiles(lab)).toEqual(beforeFiles);
    expect(await allStates(lab)).toEqual(before);
    for (const h of lab.hosts) expect(await networkdLinks(lab, h.name)).toEqual(beforeNetworkd[h.name]);
    // The next contact reports the revert: every command undone (the reload too) and back to the snapshot.
    const s = await runDeploy({ action: 'status', topology, connect: ssh.connect });
    for (const h of s.hosts) {
      expect(h.reverted?.map((x) => [x.by, x.failed, x.restored])).toEqual([['timer', 0, true]]);
      // One command per file written (its removal), and networkd's reload after them (the first write's second inverse).
      const files = r.hosts.find((x) => x.hostId === h.hostId)?.persist?.files.length ?? -1;
      const undone = h.reverted?.[0]?.undone ?? [];
      expect(undone.filter((u) => u.startsWith(`undo: write ${NETWORKD_DIR}/`))).toHaveLength(files + 1);
    }
  }, 240_000);

  it('a revert that cannot give a file back (an admin took its path over) says the host is NOT back to its snapshot', async () => {
    const r = await applyArmed(60);
    const [first, second] = lab.hosts.map((h) => h.name);
    const taken = r.hosts[0]?.persist?.files.find((f) => f.path.endsWith('.network'))?.path ?? '';
    expect(taken).not.toBe('');
    // The file is no longer ours (no mark): the revert leaves it where it is.
    await hostShell(lab, first ?? '', 'printf "[Match]\\nName=nothing0\\n" > "$1"', [taken]);
    try {
      const rv = await runConfirm({ action: 'revert', topology, connect: ssh.connect });
      expect(rv.hosts.map((h) => [h.hostName, h.outcome, h.reverted.map((x) => [x.by, x.restored])])).toEqual([
        [first, 'reverted', [['request', false]]],
        [second, 'reverted', [['request', true]]],
      ]);
      expect(rv.ok).toBe(false);
      expect(await hostRunOk(lab, first ?? '', ['cat', taken])).toBe('[Match]\nName=nothing0\n');
    } finally {
      // The admin's file goes whatever the outcome, so the next test starts from the snapshot.
      await hostRunOk(lab, first ?? '', ['rm', '-f', taken]);
    }
    expect(await allEtcFiles(lab)).toEqual(beforeFiles);
  }, 240_000);

  it('a revert by request says the host is back when networkd finishes re-applying only after its reload answered', async () => {
    await applyArmed(60);
    const slow = lab.hosts[1]?.name ?? '';
    const undo = await slowNetworkdReload(lab, slow);
    try {
      const rv = await runConfirm({ action: 'revert', topology, connect: ssh.connect });
      expect(rv.hosts.map((h) => [h.hostName, h.outcome, h.reverted.map((x) => [x.by, x.restored])])).toEqual(
        lab.hosts.map((h) => [h.name, 'reverted', [['request', true]]]),
      );
      expect(rv.ok).toBe(true);
    } finally {
      await undo();
    }
    expect(await allEtcFiles(lab)).toEqual(beforeFiles);
    expect(await settledStates(lab)).toEqual(before);
  }, 240_000);

  it('a confirmed run keeps its files (and links) past the deadline', async () => {
    const r = await applyArmed(WINDOW_S);
    const c = await runConfirm({ action: 'confirm', topology, connect: ssh.connect });
    expect(c.hosts.map((h) => h.outcome)).toEqual(lab.hosts.map(() => 'confirmed'));
    const files = await allEtcFiles(lab);
    expect(files).not.toEqual(beforeFiles);
    const deadline = Math.max(...r.hosts.map((h) => h.confirm?.deadlineEpoch ?? 0));
    await until(() => Promise.resolve(Date.now() / 1000 > deadline + 3), 90_000);
    expect(await allEtcFiles(lab)).toEqual(files);
    const s = await runDeploy({ action: 'status', topology, connect: ssh.connect });
    expect(s.hosts.map((h) => [h.outcome, h.reverted ?? [], h.confirm])).toEqual(
      lab.hosts.map(() => ['unchanged', [], undefined]),
    );
    const d = await runDeploy({ action: 'destroy', topology, connect: ssh.connect });
    expect(d.hosts.map((h) => h.outcome)).toEqual(lab.hosts.map(() => 'applied'));
    expect(await allEtcFiles(lab)).toEqual(beforeFiles);
  }, 240_000);
});
