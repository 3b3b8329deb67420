/** Hosts: names, underlay addresses, declared bridges, the SSH target, and "auto" underlays of peers. */
import type { Host } from '../model';
import { hostPath, type HostInfo, type MemberInfo } from './elements';
import { isMulticast, parseAddress } from './ip';
import type { Add } from './report';
import { sshHostProblem, firstControlCharacter } from './text';

/** Names, underlay addresses and bridges of each host; returns the hosts by id for the later checks. */
export function checkHosts(hosts: readonly Host[], add: Add): Map<string, HostInfo> {
  const hostById = new Map<string, HostInfo>();
  const hostByName = new Map<string, number>();
  const hostByUnderlay = new Map<string, number>();
  hosts.forEach((host, index) => {
    const info: HostInfo = { host, index };
    const underlayIf = host.underlay?.interface;
    if (typeof underlayIf === 'string' && underlayIf !== 'auto') info.underlayIf = underlayIf;
    if (!hostById.has(host.id)) hostById.set(host.id, info);

    const first = hostByName.get(host.name);
    if (first !== undefined) {
      add('HOST_NAME_DUPLICATE', hostPath(index, 'name'), `Host name "${host.name}" is also used by hosts[${first}]`);
    } else hostByName.set(host.name, index);

    const address = host.underlay?.address;
    if (typeof address === 'string' && address !== 'auto') {
      const parsed = parseAddress(address);
      if (typeof parsed === 'string') {
        add('UNDERLAY_ADDRESS_INVALID', hostPath(index, 'underlay.address'), `Underlay address ${parsed}`);
      } else if (isMulticast(parsed.normalized) || /^(0\.0\.0\.0|::|255\.255\.255\.255)$/.test(parsed.normalized)) {
        add(
          'UNDERLAY_ADDRESS_NOT_UNICAST',
          hostPath(index, 'underlay.address'),
          `Underlay address ${parsed.normalized} is not a unicast address a VTEP can send from`,
        );
      } else {
        info.underlay = parsed;
        const dup = hostByUnderlay.get(parsed.normalized);
        if (dup !== undefined) {
          add(
            'UNDERLAY_ADDRESS_DUPLICATE',
            hostPath(index, 'underlay.address'),
            `Underlay address ${parsed.normalized} is also used by hosts[${dup}]`,
          );
        } else hostByUnderlay.set(parsed.normalized, index);
      }
    }

    const bridges = Array.isArray(host.bridges) ? host.bridges : [];
    const seenBridge = new Set<string>();
    bridges.forEach((bridge, j) => {
      if (seenBridge.has(bridge)) {
        add('BRIDGE_DUPLICATE', hostPath(index, `bridges[${j}]`), `Bridge "${bridge}" is declared twice on host "${host.name}"`);
      }
      seenBridge.add(bridge);
      if (bridge === info.underlayIf) {
        add(
          'BRIDGE_IS_UNDERLAY',
          hostPath(index, `bridges[${j}]`),
          `Bridge "${bridge}" has the name of the underlay interface of host "${host.name}"`,
        );
      }
    });
  });
  return hostById;
}

/** `ssh.host` is written into known_hosts and given to the SSH client: it must be one host, never a pattern or list. */
export function checkSshHosts(hosts: readonly Host[], add: Add): void {
  hosts.forEach((host, i) => {
    const target: unknown = host.ssh?.host;
    if (typeof target !== 'string' || firstControlCharacter(target) !== undefined) return;
    const problem = sshHostProblem(target);
    if (problem === undefined) return;
    add('SSH_HOST_INVALID', hostPath(i, 'ssh.host'), `ssh.host ${problem} (got ${JSON.stringify(target.slice(0, 60))})`);
  });
}

/**
 * Point-to-point and unicast-mesh configure peers by their underlay address (`remote`, `bridge fdb
 * ... dst`), so an "auto" address must be read from the host before a plan can be complete.
 */
export function checkAutoUnderlay(
  hosts: readonly Host[],
  hostById: ReadonlyMap<string, HostInfo>,
  members: readonly MemberInfo[],
  add: Add,
): void {
  const needy = new Map<string, Set<string>>();
  for (const mi of members) {
    const mode = mi.segment?.s.flood?.mode;
    if (!mi.host || (mode !== 'point-to-point' && mode !== 'unicast-mesh')) continue;
    if (mi.host.host.underlay?.address !== 'auto') continue;
    const set = needy.get(mi.host.host.id) ?? new Set<string>();
    set.add(mi.segment?.s.name ?? '');
    needy.set(mi.host.host.id, set);
  }
  hosts.forEach((h, index) => {
    const names = needy.get(h.id);
    if (!names || hostById.get(h.id)?.host !== h) return;
    add(
      'UNDERLAY_ADDRESS_AUTO',
      hostPath(index, 'underlay.address'),
      `Host "${h.name}" has underlay address "auto" but is a peer in ${[...names].map((n) => `"${n}"`).join(', ')}; its address will be read from the host at deploy time`,
    );
  });
}
