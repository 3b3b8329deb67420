/**
 * `vxlan-studio lab ...`: the netns lab from the command line (`sudo npm run lab -- up 3`).
 */
import { resolve } from 'node:path';
import {
  blockUdp,
  cutSsh,
  formatLab,
  formatLabStatus,
  freezeHostSshd,
  getLab,
  LabError,
  labDown,
  labDownAll,
  LAB_MANAGERS,
  labManager,
  labStateFile,
  labStatus,
  labUp,
  listLabs,
  MAX_HOSTS,
  preflight,
  restoreSsh,
  rebootHost,
  restoreUnderlayMtu,
  setUnderlayMtu,
  thawHostSshd,
  unblockUdp,
  writeLabTopology,
  type LabManager,
  type LabState,
} from '../../core/lab/index';
import { boolFlag, intArg, parseArgs, stringFlag, UsageError, type ParsedArgs } from '../args';
import { EXIT_FAILED, EXIT_OK, type CliIo, type Command } from '../command';

const DEFAULT_NAME = 'demo';

const USAGE = `Usage: sudo vxlan-studio lab <action> [options]      (npm: sudo npm run lab -- <action> ...)

A lab of real Linux hosts on this machine: network namespaces on two routed underlay subnets
(odd hosts on 172.30.1.0/24, even hosts on 172.30.2.0/24), each with its own hostname and sshd,
plus a controller namespace (vxs<name>-ctl) that reaches only the lab. Needs root.

Actions:
  up N [--name NAME] [--manager M] [--write-topology FILE] [--json]
                          make N hosts (1-${MAX_HOSTS}); an identical lab already up is kept.
                          --manager: what configures each host's eth0 from files in its own
                          private /etc: ${LAB_MANAGERS.join(', ')} (default none: plain ip commands)
  down [--name NAME | --all]
                          remove a lab (or every lab), even half-built or without its state file
  status [--name NAME] [--json]
                          list labs and hosts, with each sshd running, frozen or stopped
  topology FILE [--name NAME]
                          write a topology file (1 unicast-mesh segment, VNI 100) aimed at the lab
  fault block HOST [--port P]      drop incoming UDP P (default 4789) on HOST with nftables
  fault unblock HOST [--port P]    remove that rule (all of the lab's rules when --port is omitted)
  fault mtu HOST MTU [--both]      lower the router's end of HOST's underlay link (--both: eth0 too)
  fault mtu-restore HOST           put both ends back to 1500
  fault freeze HOST                SIGSTOP every sshd of HOST (connections hang)
  fault thaw HOST                  SIGCONT them
  fault cut-ssh HOST               drop incoming TCP 22 on HOST with nftables (open sessions hang too)
  fault restore-ssh HOST           remove that rule
  fault reboot HOST                stop the host's network manager, delete every link but lo and
                                   eth0, flush nftables and what the manager configured, start it again

Options:
  --name NAME   lab name, 1-12 lowercase letters/digits (default "${DEFAULT_NAME}"); namespaces are vxs<NAME>-*
  --json        machine-readable output`;

const SPEC = {
  name: 'string',
  all: 'boolean',
  json: 'boolean',
  'write-topology': 'string',
  port: 'string',
  both: 'boolean',
  manager: 'string',
} as const;

function labName(args: ParsedArgs): string {
  return stringFlag(args, 'name') ?? DEFAULT_NAME;
}

function positiveInt(text: string | undefined, what: string, min: number, max: number): number {
  if (text === undefined) throw new UsageError(`missing ${what}`);
  return intArg(text, what, min, max);
}

function managerFlag(args: ParsedArgs): LabManager {
  const text = stringFlag(args, 'manager') ?? 'none';
  const found = LAB_MANAGERS.find((m) => m === text);
  if (found === undefined) throw new UsageError(`--manager must be one of ${LAB_MANAGERS.join(', ')}, not "${text}"`);
  return found;
}

function portFlag(args: ParsedArgs): number | undefined {
  const text = stringFlag(args, 'port');
  return text === undefined ? undefined : positiveInt(text, '--port', 1, 65535);
}

function hostArg(args: ParsedArgs, index: number): string {
  const host = args.positionals[index];
  if (host === undefined) throw new UsageError('missing HOST (a lab host name such as h1)');
  return host;
}

async function up(args: ParsedArgs, io: CliIo): Promise<number> {
  const count = positiveInt(args.positionals[1], 'N (number of hosts)', 1, MAX_HOSTS);
  if (args.positionals.length > 2) throw new UsageError(`unexpected argument "${args.positionals[2] ?? ''}"`);
  const json = boolFlag(args, 'json');
  const { state, reused } = await labUp(
    { name: labName(args), hosts: count, manager: managerFlag(args) },
    json ? {} : { log: (line) => io.err(line) },
  );
  const topologyFile = stringFlag(args, 'write-topology');
  const written = topologyFile === undefined ? undefined : resolve(io.cwd, topologyFile);
  if (written !== undefined) await writeLabTopology(state, written);
  if (json) {
    // The lab users' passwords stay in lab.json (mode 0600), as in `status --json`.
    const lab = { ...state, users: state.users.map(({ password, ...u }) => ({ ...u, hasPassword: password !== undefined })) };
    io.out(
      JSON.stringify({ reused, lab, passwordFile: labStateFile(state.stateDir), ...(written ? { topologyFile: written } : {}) }),
    );
    return EXIT_OK;
  }
  if (reused) io.out(`lab "${state.name}" was already up with this layout; kept it.\n`);
  io.out(formatLab(state));
  if (written !== undefined) io.out(`\ntopology written to ${written}`);
  return EXIT_OK;
}

async function down(args: ParsedArgs, io: CliIo): Promise<number> {
  if (boolFlag(args, 'all') && stringFlag(args, 'name') !== undefined) throw new UsageError('use either --name NAME or --all');
  const results = boolFlag(args, 'all') ? await labDownAll() : [await labDown(labName(args))];
  if (results.length === 0) io.out('no labs to remove');
  for (const r of results) {
    io.out(
      r.namespaces.length === 0 && r.killed.length === 0
        ? `lab "${r.name}": nothing was running`
        : `lab "${r.name}" removed: ${r.namespaces.length} namespace(s), ${r.killed.length} process(es) stopped`,
    );
  }
  return EXIT_OK;
}

async function status(args: ParsedArgs, io: CliIo): Promise<number> {
  const names = stringFlag(args, 'name') !== undefined ? [labName(args)] : await listLabs();
  const statuses = await Promise.all(names.map((n) => labStatus(n)));
  if (boolFlag(args, 'json')) {
    io.out(
      JSON.stringify({
        labs: statuses.map((s) => ({
          name: s.name,
          state: s.state,
          manager: s.lab ? labManager(s.lab) : undefined,
          namespaces: s.namespaces,
          hosts: s.hosts.map((h) => ({
            name: h.host.name,
            namespace: h.host.namespace,
            address: h.host.address,
            namespaceExists: h.namespace,
            sshd: h.sshd,
          })),
          // Passwords stay in lab.json (mode 0600): `passwordFile` says where, `hasPassword` whether.
          users: (s.lab?.users ?? []).map((u) => ({
            name: u.name,
            uid: u.uid,
            home: u.home,
            login: u.login,
            sudo: u.sudo,
            hasPassword: u.password !== undefined,
          })),
          ...(s.lab ? { passwordFile: labStateFile(s.lab.stateDir) } : {}),
        })),
      }),
    );
    return EXIT_OK;
  }
  if (statuses.length === 0) {
    io.out('no labs are up (start one with: sudo npm run lab -- up 3)');
    return EXIT_OK;
  }
  io.out(statuses.map(formatLabStatus).join('\n\n'));
  const unhealthy = statuses.some((s) => s.state !== 'ok' || s.hosts.some((h) => !h.namespace || h.sshd === 'stopped'));
  return unhealthy ? EXIT_FAILED : EXIT_OK;
}

async function fault(args: ParsedArgs, io: CliIo, lab: LabState): Promise<number> {
  const kind = args.positionals[1];
  const host = hostArg(args, 2);
  switch (kind) {
    case 'block': {
      const rule = await blockUdp(lab, host, portFlag(args));
      io.out(`${host}: nft ${rule.family} ${rule.table} chain ${rule.chain}: ${rule.rule}  (handle ${rule.handle})`);
      return EXIT_OK;
    }
    case 'unblock': {
      const removed = await unblockUdp(lab, host, portFlag(args));
      io.out(
        removed.length === 0
          ? `${host}: no lab firewall rule to remove`
          : removed.map((r) => `${host}: removed "${r.rule}"`).join('\n'),
      );
      return EXIT_OK;
    }
    case 'mtu': {
      const mtu = positiveInt(args.positionals[3], 'MTU', 576, 9000);
      await setUnderlayMtu(lab, host, mtu, boolFlag(args, 'both') ? 'both' : 'router');
      io.out(`${host}: underlay MTU ${mtu} on ${boolFlag(args, 'both') ? 'both ends' : 'the router end'} of its link`);
      return EXIT_OK;
    }
    case 'mtu-restore':
      await restoreUnderlayMtu(lab, host);
      io.out(`${host}: underlay MTU back to 1500`);
      return EXIT_OK;
    case 'freeze': {
      const pids = await freezeHostSshd(lab, host);
      io.out(`${host}: froze sshd (pids ${pids.join(' ')})`);
      return EXIT_OK;
    }
    case 'thaw': {
      const pids = await thawHostSshd(lab, host);
      io.out(`${host}: thawed sshd (pids ${pids.join(' ')})`);
      return EXIT_OK;
    }
    case 'cut-ssh': {
      const rule = await cutSsh(lab, host);
      io.out(`${host}: SSH cut: nft ${rule.family} ${rule.table} chain ${rule.chain}: ${rule.rule}  (handle ${rule.handle})`);
      return EXIT_OK;
    }
    case 'restore-ssh': {
      const removed = await restoreSsh(lab, host);
      io.out(removed.length === 0 ? `${host}: SSH was not cut` : `${host}: SSH restored`);
      return EXIT_OK;
    }
    case 'reboot': {
      const r = await rebootHost(lab, host);
      io.out(
        `${host}: rebooted (${r.manager === 'none' ? 'no network manager' : r.manager}); ` +
          `deleted ${r.deleted.length === 0 ? 'no links' : `links ${r.deleted.join(' ')}`}`,
      );
      return EXIT_OK;
    }
    default:
      throw new UsageError(
        `unknown fault "${kind ?? ''}" (block, unblock, mtu, mtu-restore, freeze, thaw, cut-ssh, restore-ssh, reboot)`,
      );
  }
}

export const labCommand: Command = {
  name: 'lab',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgs(argv, SPEC);
    const action = args.positionals[0];
    try {
      // Root and tools first, so no action half-runs (or reads state it cannot see) without them.
      preflight();
      switch (action) {
        case 'up':
          return await up(args, io);
        case 'down':
          return await down(args, io);
        case 'status':
          return await status(args, io);
        case 'topology': {
          const file = args.positionals[1];
          if (file === undefined) throw new UsageError('missing FILE to write the topology to');
          const path = resolve(io.cwd, file);
          await writeLabTopology(await getLab(labName(args)), path);
          io.out(`topology written to ${path}`);
          return EXIT_OK;
        }
        case 'fault':
          return await fault(args, io, await getLab(labName(args)));
        case undefined:
          throw new UsageError('missing action (up, down, status, topology, fault)');
        default:
          throw new UsageError(`unknown action "${action}" (up, down, status, topology, fault)`);
      }
    } catch (err) {
      // Lab errors are written for people (not root, missing package, no such lab): no stack, exit 1.
      if (err instanceof LabError) {
        io.err(`vxlan-studio lab: ${err.message}`);
        return EXIT_FAILED;
      }
      throw err;
    }
  },
};
