/**
 * Human-readable lab summaries for the CLI: a table of hosts, namespaces, underlay addresses, SSH
 * targets and key paths, plus the exact command to try SSH from the controller.
 */
import type { LabStatus } from './lab';
import type { SshdStatus } from './sshd';
import { labManager, labStateFile, type LabState, type LabUserState } from './state';

/** Left-aligned text table; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** What `sudo -n` does for a lab user, in words. */
export function describeSudo(sudo: LabUserState['sudo']): string {
  switch (sudo) {
    case 'nopasswd':
      return 'runs as root (NOPASSWD: ALL)';
    case 'password':
      return 'fails: sudo wants a password';
    case 'not-on-path':
      return 'fails: no sudo on its PATH';
    case 'not-installed':
      return 'fails: sudo is not installed on this machine';
  }
}

/**
 * The lab users' table. Passwords are not printed (output ends up in logs and terminals); the
 * line under the table says where they are.
 */
export function formatLabUsers(state: LabState): string[] {
  if (state.users.length === 0) return [];
  const rows = state.users.map((u) => [u.name, String(u.uid), u.login.join(' + '), describeSudo(u.sudo)]);
  const withPassword = state.users.filter((u) => u.password !== undefined).map((u) => u.name);
  return [
    '',
    'users on every host (the client key logs each in; they exist only inside the lab hosts):',
    formatTable(['USER', 'UID', 'LOGIN', 'SUDO -N'], rows),
    ...(withPassword.length > 0
      ? [
          `password of ${withPassword.join(', ')}: "password" in users[] of ${labStateFile(state.stateDir)} (readable by root only)`,
        ]
      : []),
  ];
}

/** The lab table printed by `lab up` and `lab status`. */
export function formatLab(state: LabState, sshd?: ReadonlyMap<string, SshdStatus>): string {
  const header = ['HOST', 'NAMESPACE', 'UNDERLAY', 'GATEWAY', 'SSH TARGET', ...(sshd ? ['SSHD'] : [])];
  const rows = state.hosts.map((h) => [
    h.name,
    h.namespace,
    `${h.interface} ${h.address}/${h.prefixLength}`,
    h.gateway,
    `root@${h.address}`,
    ...(sshd ? [sshd.get(h.name) ?? 'unknown'] : []),
  ]);
  const first = state.hosts[0];
  return [
    `lab "${state.name}": ${state.hosts.length} host(s) on ${state.subnets.map((s) => `${s.network}/${s.prefixLength}`).join(' + ')}, router ${state.routerNamespace}`,
    `controller: ${state.controller.namespace} (${state.controller.address}/${state.controller.prefixLength}, reaches only the lab)`,
    `network manager on every host: ${labManager(state) === 'none' ? 'none (eth0 set up with ip commands)' : labManager(state)}`,
    '',
    formatTable(header, rows),
    ...formatLabUsers(state),
    '',
    `client key:   ${state.keys.clientKey}`,
    `known_hosts:  ${state.keys.knownHosts}`,
    `state dir:    ${state.stateDir}`,
    ...(first
      ? [
          '',
          'try:',
          `  sudo ip netns exec ${state.controller.namespace} ssh -F /dev/null -i ${state.keys.clientKey} -o UserKnownHostsFile=${state.keys.knownHosts} root@${first.address} hostname`,
        ]
      : []),
  ].join('\n');
}

/** `lab status` for one lab, including labs whose state file is missing or broken. */
export function formatLabStatus(status: LabStatus): string {
  if (!status.lab) {
    const why = status.state === 'missing' ? 'no lab.json' : `broken lab.json: ${status.problem ?? ''}`;
    return [
      `lab "${status.name}": ${why}; namespaces left: ${status.namespaces.join(', ') || 'none'}`,
      `remove it with: sudo npm run lab -- down --name ${status.name}`,
    ].join('\n');
  }
  const sshd = new Map(status.hosts.map((h) => [h.host.name, h.namespace ? h.sshd : ('no namespace' as SshdStatus)]));
  return formatLab(status.lab, sshd);
}
