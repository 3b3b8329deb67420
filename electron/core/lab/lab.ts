/**
 * The netns lab: N hosts as network namespaces behind a router namespace, each with its own
 * hostname and sshd, plus a controller namespace that reaches only the lab.
 *
 * ```
 *  vxs<name>-ctl  eth0 172.30.0.10 ── ctl ┐
 *                                         │  vxs<name>-rt (ip_forward=1, no default route)
 *  vxs<name>-h1   eth0 172.30.1.11 ── v1 ─┤ br1 172.30.1.1/24   (odd hosts)
 *  vxs<name>-h3   eth0 172.30.1.13 ── v3 ─┤
 *  vxs<name>-h2   eth0 172.30.2.12 ── v2 ─┤ br2 172.30.2.1/24   (even hosts)
 * ```
 *
 * Every veth is created from inside the router namespace with its peer moved straight into the host
 * namespace (`ip -n <rt> link add v1 type veth peer name eth0 netns <h1>`), so nothing of the lab
 * ever appears in the root namespace. Teardown finds everything by name prefix and /proc, so it
 * works with a missing or broken lab.json.
 *
 * Every host also has the lab users (users.ts): non-root logins that exist only inside the hosts'
 * sshd mount namespaces, for real password login and real sudo.
 */
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mapLimit, runOk } from './exec';
import {
  addNamespaces,
  deleteNamespaces,
  listNamespaces,
  pidsInNamespaces,
  processesMentioning,
  selfAndAncestors,
  terminatePids,
} from './netns';
import { LabError, preflight, type ToolPaths } from './preflight';
import { assertLabName, labPrefix, planLab, underlayNeighbours, type LabPlan, type LabSpec } from './spec';
import { holderPid, prepareHostRoot, startHostNamespace } from './host-ns';
import {
  assertManagerInstalled,
  IFUPDOWN2_CONF,
  managerEtcFiles,
  rebootManagedHost,
  startManager,
  waitForUnderlay,
  writeManagerEtc,
  type RebootResult,
  type UnderlayConfig,
} from './managers';
import {
  generateKey,
  hostBinds,
  knownHostsLine,
  sshdPaths,
  sshdStatus,
  startSshd,
  stopSshd,
  writeSshdConfig,
  type SshdStatus,
} from './sshd';
import {
  LAB_STATE_ROOT,
  LAB_STATE_VERSION,
  labStateDir,
  listStateDirs,
  readLabState,
  writeLabState,
  labManager,
  type LabHostState,
  type LabManager,
  type LabState,
} from './state';
import { LAB_USERS, makeLabUsers } from './users';

export interface LabOptions {
  /** Progress lines for a CLI; silent by default. */
  log?: (line: string) => void;
  /** Directory holding every lab's state dir; default /run/vxlan-studio/labs. */
  stateRoot?: string;
}

export interface LabUpResult {
  state: LabState;
  /** True when a lab with the same name and layout was already up and was kept. */
  reused: boolean;
}

/** Runs `ip -n <ns> -batch -` with one command per line: one process per namespace instead of one per command. */
async function ipBatch(tools: ToolPaths, namespace: string, lines: readonly string[]): Promise<void> {
  await runOk(tools['ip'] ?? 'ip', ['-n', namespace, '-batch', '-'], { input: `${lines.join('\n')}\n`, timeoutMs: 30_000 });
}

/** Runs a fixed shell snippet inside a namespace (arguments passed as "$1"..., never interpolated). */
async function nsSh(tools: ToolPaths, namespace: string, script: string, ...args: string[]): Promise<string> {
  return runOk(tools['ip'] ?? 'ip', ['netns', 'exec', namespace, '/bin/sh', '-c', script, 'sh', ...args], { timeoutMs: 30_000 });
}

function stateFromPlan(plan: LabPlan, stateDir: string, manager: LabManager): LabState {
  return {
    version: LAB_STATE_VERSION,
    name: plan.name,
    prefix: plan.prefix,
    createdAt: new Date().toISOString(),
    stateDir,
    routerNamespace: plan.routerNamespace,
    subnets: plan.subnets,
    controller: plan.controller,
    keys: {
      clientKey: join(stateDir, 'client_ed25519'),
      clientPublicKey: join(stateDir, 'client_ed25519.pub'),
      knownHosts: join(stateDir, 'known_hosts'),
      authorizedKeys: join(stateDir, 'authorized_keys'),
    },
    hosts: plan.hosts.map((h) => ({ ...h, hostname: h.name, sshd: sshdPaths(stateDir, h.name) })),
    users: [],
    manager,
  };
}

/** True when a lab on disk has every lab user (a lab made by an older version has none, and is rebuilt). */
function hasLabUsers(state: LabState): boolean {
  return (
    state.etc !== undefined && LAB_USERS.every((spec) => state.users.some((u) => u.name === spec.name && u.uid === spec.uid))
  );
}

/** True when a lab on disk has exactly the hosts, addresses and network manager the plan asks for. */
function sameLayout(state: LabState, plan: LabPlan, manager: LabManager): boolean {
  const key = (h: { name: string; address: string; prefixLength: number }): string => `${h.name}=${h.address}/${h.prefixLength}`;
  return (
    labManager(state) === manager &&
    state.hosts.map(key).join(',') === plan.hosts.map(key).join(',') &&
    state.controller.address === plan.controller.address &&
    state.controller.network === plan.controller.network
  );
}

/**
 * Brings a lab up. If a lab of that name is already up with the same layout, it is kept (any dead
 * sshd restarted) and `reused` is true; a lab of that name in any other shape, or half built, is torn
 * down and rebuilt. A failure while building tears down what was built and rethrows.
 */
export async function labUp(spec: LabSpec, options: LabOptions = {}): Promise<LabUpResult> {
  const tools = preflight();
  const plan = planLab(spec);
  const log = options.log ?? ((): void => undefined);
  const root = options.stateRoot ?? LAB_STATE_ROOT;
  const manager = spec.manager ?? 'none';
  await assertManagerInstalled(manager);

  const existing = await readLabState(plan.name, root);
  const namespaces = (await listNamespaces()).filter((n) => n.startsWith(plan.prefix));
  if (existing.kind === 'ok' && sameLayout(existing.state, plan, manager) && hasLabUsers(existing.state)) {
    const wanted = [
      existing.state.routerNamespace,
      existing.state.controller.namespace,
      ...existing.state.hosts.map((h) => h.namespace),
    ];
    if (wanted.every((n) => namespaces.includes(n))) {
      for (const host of existing.state.hosts) {
        if ((await sshdStatus(host)) === 'stopped') {
          log(`restarting sshd on ${host.name}`);
          await startHost(tools, existing.state, host);
        }
      }
      return { state: existing.state, reused: true };
    }
  }
  if (existing.kind !== 'missing' || namespaces.length > 0) {
    log(`lab "${plan.name}" exists in another shape or half built: tearing it down first`);
    await labDown(plan.name, options);
  }

  const state = stateFromPlan(plan, labStateDir(plan.name, root), manager);
  try {
    await build(tools, plan, state, log);
  } catch (err) {
    log(`building lab "${plan.name}" failed; tearing down what was built`);
    await labDown(plan.name, options).catch(() => undefined);
    throw err;
  }
  return { state, reused: false };
}

async function build(tools: ToolPaths, plan: LabPlan, state: LabState, log: (line: string) => void): Promise<void> {
  const manager = labManager(state);
  await mkdir(state.stateDir, { recursive: true, mode: 0o700 });
  // Written first so that `status` and `down` see the lab even while it is being built.
  await writeLabState(state);

  log(`creating ${plan.hosts.length + 2} namespaces with prefix ${plan.prefix}`);
  await addNamespaces(tools['ip'] ?? 'ip', [
    plan.routerNamespace,
    plan.controller.namespace,
    ...plan.hosts.map((h) => h.namespace),
  ]);

  log('wiring the router, bridges and veths');
  const rt: string[] = ['link set lo up'];
  for (const s of plan.subnets) {
    rt.push(
      `link add ${s.bridge} address ${s.mac} type bridge mcast_snooping 0`,
      // Setting the MTU by hand pins it (BROPT_MTU_SET_BY_USER): a lowered port MTU (the MTU fault)
      // then stays a drop on that port instead of shrinking the whole subnet's MTU. A set to the
      // current value is a no-op in the kernel, hence two steps.
      `link set ${s.bridge} mtu 1499`,
      `link set ${s.bridge} mtu 1500`,
      `addr add ${s.gateway}/${s.prefixLength} dev ${s.bridge}`,
      `link set ${s.bridge} up`,
    );
  }
  const ctl = plan.controller;
  rt.push(
    `link add ${ctl.routerPort} address ${ctl.gatewayMac} type veth peer name ${ctl.interface} address ${ctl.mac} netns ${ctl.namespace}`,
    `addr add ${ctl.gateway}/${ctl.prefixLength} dev ${ctl.routerPort}`,
    `link set ${ctl.routerPort} up`,
  );
  for (const h of plan.hosts) {
    const bridge = plan.subnets[h.subnetIndex - 1]?.bridge ?? '';
    rt.push(
      `link add ${h.routerPort} mtu ${h.mtu} type veth peer name ${h.interface} address ${h.mac} netns ${h.namespace}`,
      `link set ${h.routerPort} master ${bridge}`,
      `link set ${h.routerPort} up`,
    );
  }
  const neighbours = underlayNeighbours(plan);
  const neighLines = (ns: string): string[] =>
    (neighbours.get(ns) ?? []).map((n) => `neigh replace ${n.address} lladdr ${n.mac} dev ${n.device} nud permanent`);
  rt.push(...neighLines(plan.routerNamespace));
  await ipBatch(tools, plan.routerNamespace, rt);
  await nsSh(tools, plan.routerNamespace, 'echo 1 > /proc/sys/net/ipv4/ip_forward');

  await ipBatch(tools, ctl.namespace, [
    'link set lo up',
    `link set ${ctl.interface} up`,
    `addr add ${ctl.address}/${ctl.prefixLength} dev ${ctl.interface}`,
    `route add default via ${ctl.gateway}`,
    ...neighLines(ctl.namespace),
  ]);
  if (manager === 'none') {
    await mapLimit(plan.hosts, 4, (h) =>
      ipBatch(tools, h.namespace, [
        'link set lo up',
        `link set ${h.interface} mtu ${h.mtu} up`,
        `addr add ${h.address}/${h.prefixLength} dev ${h.interface}`,
        `route add default via ${h.gateway}`,
        ...neighLines(h.namespace),
      ]),
    );
  } else {
    // The host's manager configures eth0 from its own files at "boot" (managers.ts).
    log(`writing the underlay as ${manager} config in each host's /etc`);
    const ifupdown2Conf = manager === 'ifupdown2' ? await readFile(IFUPDOWN2_CONF, 'utf8') : '';
    await mapLimit(plan.hosts, 4, async (h) => {
      const host = state.hosts.find((x) => x.name === h.name) as LabHostState;
      const underlay: UnderlayConfig = {
        interface: h.interface,
        address: h.address,
        prefixLength: h.prefixLength,
        gateway: h.gateway,
        mtu: h.mtu,
        neighbours: (neighbours.get(h.namespace) ?? []).map((n) => ({ address: n.address, mac: n.mac })),
      };
      await prepareHostRoot(host);
      await writeManagerEtc(host, managerEtcFiles(manager, underlay, ifupdown2Conf));
      await ipBatch(tools, h.namespace, ['link set lo up']);
    });
  }

  log('generating keys');
  const clientPub = await generateKey(tools, state.keys.clientKey, `vxlan-studio-lab-${plan.name}-client`);
  // Readable by all: sshd reads AuthorizedKeysFile as the user logging in, and the lab users are not root.
  await writeFile(state.keys.authorizedKeys, `${clientPub}\n`, { mode: 0o644 });
  await chmod(state.keys.authorizedKeys, 0o644);
  const hostKeys = await mapLimit(state.hosts, 4, (h) =>
    generateKey(tools, h.sshd.hostKey, `vxlan-studio-lab-${plan.name}-${h.name}`),
  );
  await writeFile(
    state.keys.knownHosts,
    state.hosts.map((h, i) => `${knownHostsLine(h.address, hostKeys[i] ?? '')}\n`).join(''),
    {
      mode: 0o644,
    },
  );

  log(`making the lab users ${LAB_USERS.map((u) => u.name).join(', ')} (they exist only inside the lab hosts)`);
  const { users, etc } = await makeLabUsers(tools, state.stateDir);
  state.users = users;
  state.etc = etc;
  await writeLabState(state);

  log(`starting ${state.hosts.length} sshd${manager === 'none' ? '' : ` and ${manager}`}`);
  for (const h of state.hosts) await writeSshdConfig(state, h);
  const pids = await mapLimit(state.hosts, 8, (h) => startHost(tools, state, h));
  state.hosts.forEach((h, i) => (h.sshd.pid = pids[i]));
  await writeLabState(state);
}

export interface LabDownResult {
  name: string;
  namespaces: string[];
  /** Pids stopped (sshd and anything else left running in the lab's namespaces). */
  killed: number[];
  stateDirRemoved: boolean;
}

/**
 * Removes a lab completely: every process in its namespaces and every sshd started with its
 * config (found through /proc even when lab.json is gone), every namespace with its prefix (which
 * takes the veths, bridges and nftables tables with it), and its state dir.
 */
export async function labDown(name: string, options: LabOptions = {}): Promise<LabDownResult> {
  const tools = preflight();
  assertLabName(name);
  const log = options.log ?? ((): void => undefined);
  const prefix = labPrefix(name);
  const stateDir = labStateDir(name, options.stateRoot ?? LAB_STATE_ROOT);
  const namespaces = (await listNamespaces()).filter((n) => n.startsWith(prefix));

  const pids = new Set<number>([...(await pidsInNamespaces(namespaces)).values()].flat());
  // An sshd whose namespace was already deleted still names its config in the state dir.
  for (const p of await processesMentioning(`${stateDir}/`)) pids.add(p.pid);
  // A test runner started inside the lab's controller namespace must survive tearing that lab down.
  for (const pid of await selfAndAncestors()) pids.delete(pid);
  if (pids.size > 0) log(`stopping ${pids.size} processes of lab "${name}"`);
  await terminatePids([...pids]);

  for (const ns of namespaces) log(`deleting namespace ${ns}`);
  await deleteNamespaces(tools['ip'] ?? 'ip', namespaces);
  let stateDirRemoved = false;
  try {
    await rm(stateDir, { recursive: true, force: true });
    stateDirRemoved = true;
  } catch {
    stateDirRemoved = false;
  }
  return { name, namespaces, killed: [...pids], stateDirRemoved };
}

/**
 * Names of labs on this machine: those with a state dir, and those whose router or controller
 * namespace exists without one (left over by a crash).
 */
export async function listLabs(options: LabOptions = {}): Promise<string[]> {
  preflight();
  const names = new Set(await listStateDirs(options.stateRoot ?? LAB_STATE_ROOT));
  for (const ns of await listNamespaces()) {
    const m = /^vxs([a-z0-9]{1,12})-(rt|ctl)$/.exec(ns);
    if (m) names.add(m[1] as string);
  }
  return [...names].sort();
}

/** Removes every lab `listLabs` finds. */
export async function labDownAll(options: LabOptions = {}): Promise<LabDownResult[]> {
  const results: LabDownResult[] = [];
  for (const name of await listLabs(options)) results.push(await labDown(name, options));
  return results;
}

/** Reads a lab that is up, or throws a `LabError` saying how to make it. */
export async function getLab(name: string, options: LabOptions = {}): Promise<LabState> {
  preflight();
  assertLabName(name);
  const read = await readLabState(name, options.stateRoot ?? LAB_STATE_ROOT);
  if (read.kind === 'ok') return read.state;
  if (read.kind === 'corrupt')
    throw new LabError(`lab "${name}" has a broken state file (${read.reason}); run \`sudo npm run lab -- down --name ${name}\``);
  throw new LabError(`there is no lab named "${name}": start one with \`sudo npm run lab -- up 3 --name ${name}\``);
}

/** Finds a host of a lab by name (or `h<index>`), or throws naming the hosts there are. */
export function labHost(state: LabState, hostName: string): LabHostState {
  const host = state.hosts.find((h) => h.name === hostName);
  if (!host)
    throw new LabError(`lab "${state.name}" has no host "${hostName}" (hosts: ${state.hosts.map((h) => h.name).join(', ')})`);
  return host;
}

export interface LabHostStatus {
  host: LabHostState;
  namespace: boolean;
  sshd: SshdStatus;
}

export interface LabStatus {
  name: string;
  /** 'ok' with a readable lab.json, else why not. */
  state: 'ok' | 'missing' | 'corrupt';
  problem?: string;
  namespaces: string[];
  lab?: LabState;
  hosts: LabHostStatus[];
}

/** The state of one lab: its namespaces and, per host, whether the namespace and sshd are there. */
export async function labStatus(name: string, options: LabOptions = {}): Promise<LabStatus> {
  preflight();
  assertLabName(name);
  const namespaces = (await listNamespaces()).filter((n) => n.startsWith(labPrefix(name)));
  const read = await readLabState(name, options.stateRoot ?? LAB_STATE_ROOT);
  if (read.kind !== 'ok') {
    return { name, state: read.kind, ...(read.kind === 'corrupt' ? { problem: read.reason } : {}), namespaces, hosts: [] };
  }
  const hosts = await Promise.all(
    read.state.hosts.map(async (host) => ({
      host,
      namespace: namespaces.includes(host.namespace),
      sshd: await sshdStatus(host),
    })),
  );
  return { name, state: 'ok', namespaces, lab: read.state, hosts };
}

/**
 * Starts a host's sshd. When the host's namespace is gone (or was never made) on a lab with a
 * network manager, the namespace is made first, the manager started and its underlay awaited, as
 * at boot; otherwise `startSshd` makes or joins the namespace itself. Returns the listener pid.
 */
async function startHost(tools: ToolPaths, state: LabState, host: LabHostState): Promise<number> {
  if (labManager(state) !== 'none' && (await holderPid(host)) === undefined) {
    await startHostNamespace(tools, host, await hostBinds(host, state.etc), []);
    await startManager(tools, host, labManager(state));
    await waitForUnderlay(tools, host, labManager(state));
  }
  return startSshd(tools, host, state.etc);
}

/** (Re)starts a host's sshd, e.g. after a test killed it; returns the new listener pid. */
export async function restartSshd(state: LabState, hostName: string): Promise<number> {
  const tools = preflight();
  const host = labHost(state, hostName);
  await stopSshd(host);
  return startHost(tools, state, host);
}

/**
 * Reboots a host's network (managers.ts `rebootManagedHost`): the manager stops, every link but lo
 * and the underlay is deleted, nftables flushed, the manager's underlay config and runtime state
 * flushed, and the manager starts again from the host's /etc. sshd keeps running (its listener
 * is bound to the underlay address, which comes back), so SSH works again once the manager is up.
 */
export async function rebootHost(state: LabState, hostName: string): Promise<RebootResult> {
  const tools = preflight();
  return rebootManagedHost(tools, labHost(state, hostName), labManager(state));
}

/**
 * Gives a host a new host key and restarts its sshd, WITHOUT updating the lab's known_hosts: what
 * a reinstalled (or impersonated) server looks like to a client. Returns the new public key line.
 */
export async function rotateHostKey(state: LabState, hostName: string): Promise<string> {
  const tools = preflight();
  const host = labHost(state, hostName);
  const pub = await generateKey(tools, host.sshd.hostKey, `vxlan-studio-lab-${state.name}-${host.name}-rotated`);
  await stopSshd(host);
  await startHost(tools, state, host);
  return pub;
}
