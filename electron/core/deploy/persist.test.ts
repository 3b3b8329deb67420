/**
 * Planning the network manager's files: which manager (detected, explicit, none), which writes and
 * removals with which inverses, and the files that are never ours to touch. The files are the real
 * renderers' (shared/plan/persist).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PersistProbe } from '../../../shared/observe';
import { TopologySchema, type Host, type Topology } from '../../../shared/model';
import { desiredFromIndex, indexTopology, type DesiredHostState } from '../../../shared/plan';
import { markLine, PERSIST_MARK_PREFIX, renderPersist } from '../../../shared/plan/persist';
import {
  MARKED_FUNCTION,
  SHOW_FUNCTION,
  claimByFiles,
  fileOwnedBy,
  planPersist,
  removeFileArgv,
  writeFileArgv,
  type HostFile,
  type PersistRead,
} from './persist';

const topology: Topology = TopologySchema.parse(JSON.parse(readFileSync('examples/textbook.vxlan.json', 'utf8')));
const host = topology.hosts[0] as Host;
const desired: DesiredHostState = {
  ...desiredFromIndex(indexTopology(topology, { [host.id]: { underlayInterface: 'eth0' } }), host.id),
  underlayInterface: 'eth0',
};
const mark = markLine(desired);
const render = renderPersist;

const NETWORKD_ETH0 = 'ADMIN_STATE=configured\nNETWORK_FILE=/etc/systemd/network/10-eth0.network\n';
const observed = { links: [{ name: 'eth0', ifindex: 2, mtu: 1500, up: true }], addresses: [], fdb: [] };

function read(p: Partial<PersistProbe>, marked: HostFile[] = [], foreign: string[] = []): PersistRead {
  return {
    probe: { networkdRunning: false, networkdLinks: {}, netplan: [], interfacesD: [], tools: [], ...p },
    marked,
    foreign,
  };
}
const networkd = (marked: HostFile[] = [], foreign: string[] = []): PersistRead =>
  read({ networkdRunning: true, networkdLinks: { '2': NETWORKD_ETH0 } }, marked, foreign);

function plan(r: PersistRead, opts: { action?: 'apply' | 'destroy' | 'status'; persist?: string } = {}) {
  const h = (opts.persist === undefined ? host : { ...host, persist: opts.persist }) as Host;
  return planPersist({ host: h, topologyId: topology.id, action: opts.action ?? 'apply', desired, observed, read: r, render });
}

/** The files as they are once written. */
const rendered = render(desired, 'systemd-networkd', { underlayNetworkFile: '/etc/systemd/network/10-eth0.network' });
const written = (): HostFile[] => rendered.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode }));
const each = (kind: string): string[] => rendered.files.map(() => kind);

describe('planPersist', () => {
  it('writes the detected manager files, then reloads it, and says the host is persistent via it', () => {
    const p = plan(networkd());
    expect(p.report.manager).toBe('systemd-networkd');
    expect(p.report.detected).toBe('systemd-networkd');
    expect(p.steps.map((s) => s.kind)).toEqual([...each('file-write'), 'persist-reload']);
    expect(p.steps.at(-1)?.argv).toEqual(['networkctl', 'reload']);
    expect(p.report.files.map((f) => f.change)).toEqual(each('create'));
    // networkd's file for the underlay (from its state file) gets our drop-in next to it.
    expect(p.steps.map((s) => s.target)).toContain(`/etc/systemd/network/10-eth0.network.d/60-vxlan-studio-${topology.id}.conf`);
    expect(p.report.files[0]?.diff).toContain(`--- /dev/null\n+++ ${p.report.files[0]?.path}\n`);
    // Undoing the first write (run last in an undo) removes the file and reloads again.
    expect(p.steps[0]?.inverse).toEqual([removeFileArgv(p.steps[0]?.target ?? '', topology.id), ['networkctl', 'reload']]);
  });

  it('has nothing to do when our files are as rendered, and verify sees no drift', () => {
    const p = plan(networkd(written()));
    expect(p.steps).toEqual([]);
    expect(p.report.files).toEqual([]);
    expect(p.stepsFor(written())).toEqual([]);
  });

  it('shows a changed file as a diff and restores the old content on undo', () => {
    const files = written();
    const old = { ...(files[0] as HostFile), content: `${(files[0] as HostFile).content}Kind=old\n` };
    const p = plan(networkd([old, ...files.slice(1)]));
    expect(p.steps.map((s) => s.kind)).toEqual(['file-write', 'persist-reload']);
    expect(p.steps[0]?.inverse[0]).toEqual(writeFileArgv(old.path, old.content, old.mode, topology.id));
    expect(p.report.files[0]?.change).toBe('update');
    expect(p.report.files[0]?.diff).toMatch(/^-Kind=old$/m);
  });

  it('counts a file changed or missing on the host as drift in the read-back', () => {
    const p = plan(networkd(written()));
    expect(p.stepsFor(written().slice(1)).map((s) => s.kind)).toEqual(['file-write']);
  });

  it('removes our file the drawing no longer needs but leaves another drawing and unmarked files alone', () => {
    const stale: HostFile = {
      path: '/etc/systemd/network/60-vxlan-studio-vxlan999.netdev',
      content: `${mark}\n[NetDev]\n`,
      mode: 0o644,
    };
    const other: HostFile = {
      path: '/etc/systemd/network/60-vxlan-studio-other.netdev',
      content: `${PERSIST_MARK_PREFIX} for vxlan-studio:${topology.id}-2\n`,
      mode: 0o644,
    };
    const p = plan(networkd([...written(), stale, other], ['/etc/systemd/network/10-eth0.network']));
    expect(p.steps.map((s) => [s.kind, s.target])).toEqual([
      ['file-remove', stale.path],
      ['persist-reload', 'systemd-networkd'],
    ]);
    expect(p.steps[0]?.inverse[0]).toEqual(writeFileArgv(stale.path, stale.content, stale.mode, topology.id));
  });

  it('refuses the host when a file it would write exists without our mark', () => {
    const target = written()[0]?.path ?? '';
    const p = plan(networkd([], [target]));
    expect(p.steps).toEqual([]);
    expect(p.diagnostics.map((d) => [d.code, d.severity])).toEqual([['PERSIST_FILE_NOT_OURS', 'error']]);
    expect(p.report.manager).toBeUndefined();
  });

  it('is runtime only with a warning when auto finds no manager it can trust', () => {
    const p = plan(read({}));
    expect(p.steps).toEqual([]);
    expect(p.report.manager).toBeUndefined();
    expect(p.report.runtimeOnly).toContain('no manager can be trusted: runtime only');
    expect(p.diagnostics.map((d) => [d.code, d.severity])).toEqual([['PERSIST_RUNTIME_ONLY', 'warning']]);
  });

  it('is an error for the host when the drawing names a manager that is not there', () => {
    const p = plan(read({}), { persist: 'systemd-networkd' });
    expect(p.diagnostics.map((d) => [d.code, d.severity, d.path])).toEqual([
      ['PERSIST_MANAGER_MISSING', 'error', `${desired.hostPath}.persist`],
    ]);
    expect(p.steps).toEqual([]);
  });

  it('with persist "none", writes nothing and removes the files an earlier deploy wrote', () => {
    const p = plan(networkd(written()), { persist: 'none' });
    expect(p.report.runtimeOnly).toBe('persist is "none" for this host');
    expect(p.diagnostics).toEqual([]);
    expect(p.steps.map((s) => s.kind)).toEqual([...each('file-remove'), 'persist-reload']);
  });

  it('destroy removes every file of the drawing and reloads the manager that reads them', () => {
    const p = plan(networkd(written()), { action: 'destroy' });
    expect(p.steps.map((s) => s.kind)).toEqual([...each('file-remove'), 'persist-reload']);
    expect(p.stepsFor([])).toEqual([]);
  });

  it('destroy on a netplan host reloads netplan only: generate first, so networkd does not re-make our devices', () => {
    const yaml = 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth0:\n      dhcp4: true\n';
    const netplanEth0 = 'ADMIN_STATE=configured\nNETWORK_FILE=/run/systemd/network/10-netplan-eth0.network\n';
    const files = render(desired, 'netplan', {}).files.map((f) => ({ path: f.path, content: f.content, mode: f.mode }));
    const onHost = read(
      {
        networkdRunning: true,
        networkdLinks: { '2': netplanEth0 },
        netplan: [{ path: '/etc/netplan/01-eth0.yaml', text: yaml }],
      },
      files,
    );
    // Both of netplan's directories hold files of ours: the YAML and networkd drop-ins beside it.
    expect(new Set(files.map((f) => f.path.split('/')[2]))).toEqual(new Set(['netplan', 'systemd']));
    const p = plan(onHost, { action: 'destroy' });
    expect(p.report.detected).toBe('netplan');
    expect(p.steps.filter((s) => s.kind === 'persist-reload').map((s) => s.argv.join(' '))).toEqual([
      'netplan generate',
      'networkctl reload',
    ]);
  });
});

describe('fileOwnedBy', () => {
  it('reads the drawing from the mark line, not from a drawing whose id merely starts the same', () => {
    expect(fileOwnedBy(`${PERSIST_MARK_PREFIX} for vxlan-studio:lab\n`, 'lab')).toBe(true);
    expect(fileOwnedBy(`${PERSIST_MARK_PREFIX} for vxlan-studio:lab-2\n`, 'lab')).toBe(false);
    expect(fileOwnedBy(`# vxlan-studio:lab\n`, 'lab')).toBe(false);
    expect(fileOwnedBy(`${PERSIST_MARK_PREFIX} (vxlan-studio:lab); do not edit\n`, 'lab')).toBe(true);
    expect(fileOwnedBy(`${PERSIST_MARK_PREFIX} (vxlan-studio:lab-2); do not edit\n`, 'lab')).toBe(false);
  });
});

describe('claimByFiles', () => {
  const bridge = desired.links.find((l) => l.kind === 'bridge')?.name ?? '';
  const state = (alias?: string) => ({
    links: [{ name: bridge, ifindex: 5, kind: 'bridge', mtu: 1500, up: true, ...(alias === undefined ? {} : { alias }) }],
    addresses: [],
    fdb: [],
  });
  it('marks a device without alias that a file of this drawing names (the manager made it at boot)', () => {
    const c = claimByFiles(state(), desired, written(), topology.id);
    expect(c.state.links[0]?.alias).toBe(desired.mark);
    expect(c.steps.map((s) => [s.kind, s.target, s.inverse])).toEqual([
      ['link-alias', bridge, [['ip', 'link', 'set', bridge, 'alias', '']]],
    ]);
  });
  it('claims nothing without a file of ours naming it, nor a device carrying any alias', () => {
    expect(claimByFiles(state(), desired, [], topology.id).steps).toEqual([]);
    const others = written().map((f) => ({ ...f, content: f.content.replace(`(${desired.mark})`, `(${desired.mark}-2)`) }));
    expect(claimByFiles(state(), desired, others, topology.id).steps).toEqual([]);
    expect(claimByFiles(state("admin's"), desired, written(), topology.id).steps).toEqual([]);
  });
});

describe('the mark test the probe runs on each file (shell builtins only)', () => {
  it('says a file is ours exactly when one of its first five lines holds the mark prefix, as head | grep -F did', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vxs-marked-'));
    try {
      const files: Record<string, string> = {
        first: `# ${PERSIST_MARK_PREFIX} demo\n[NetDev]\n`,
        fifth: `a\nb\nc\nd\n  # ${PERSIST_MARK_PREFIX} demo\n`,
        sixth: `a\nb\nc\nd\ne\n# ${PERSIST_MARK_PREFIX} demo\n`,
        'no-newline': `#!/bin/sh\n# ${PERSIST_MARK_PREFIX} demo`,
        glob: `# vxlan-studio*\n`,
        empty: '',
      };
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
      const verdicts = [...Object.keys(files), 'missing'].map((name) => {
        const script = `prefix=$1; ${MARKED_FUNCTION}\nmarked "$2" && echo yes || echo no`;
        return [
          name,
          execFileSync('sh', ['-c', script, 'sh', PERSIST_MARK_PREFIX, path.join(dir, name)], { encoding: 'utf8' }).trim(),
        ];
      });
      expect(verdicts).toEqual([
        ['first', 'yes'],
        ['fifth', 'yes'],
        ['sixth', 'no'],
        ['no-newline', 'yes'],
        ['glob', 'no'],
        ['empty', 'no'],
        ['missing', 'no'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the show function the probe prints manager files with (shell builtins only)', () => {
  it('prints every file exactly as cat does', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vxs-show-'));
    try {
      const files: Record<string, string> = {
        plain: 'auto lo\niface lo inet loopback\n',
        'no-newline': 'auto eth0\niface eth0 inet dhcp',
        spaces: '  leading\ttab and trailing   \n\n\nblank lines above\n',
        backslashes: 'a \\\n continued \\n and \\t\n',
        crlf: 'network:\r\n  version: 2\r\n',
        percent: '%s %d %% $HOME `x` $(y)\n',
        empty: '',
        'only-newlines': '\n\n',
      };
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
      const script = `${SHOW_FUNCTION}\nshow "$1"`;
      for (const name of Object.keys(files)) {
        const file = path.join(dir, name);
        const shown = execFileSync('sh', ['-c', script, 'sh', file], { encoding: 'utf8' });
        expect(shown, name).toBe(execFileSync('cat', [file], { encoding: 'utf8' }));
      }
      expect(execFileSync('sh', ['-c', script, 'sh', path.join(dir, 'missing')], { encoding: 'utf8' })).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
