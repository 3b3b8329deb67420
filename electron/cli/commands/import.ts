/**
 * `vxlan-studio import --ssh [USER@]HOST[:PORT]... [--inventory FILE [--group G]] --out FILE`: reads
 * what hosts already run (read-only, the observe of status and apply), writes it as a drawing and
 * prints the import report. `--json` prints exactly one JSON object.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors/catalogue';
import {
  formatImportReport,
  inventoryHosts,
  inventoryTarget,
  parseInventory,
  parseSshTarget,
  type ImportReport,
  type ImportTarget,
} from '../../../shared/import';
import { serializeTopology } from '../../../shared/model';
import { createDeploySsh, importFromHosts, type UnreadHost } from '../../core/deploy';
import { boolFlag, listFlag, parseArgs, stringFlag, UsageError } from '../args';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, type CliIo, type Command } from '../command';
import { loadLabOption } from '../lab-option';
import { askHidden, isInteractive } from './prompt';

const USAGE = `Usage: vxlan-studio import --ssh [USER@]HOST[:PORT]... [--inventory FILE [--group G]] --out FILE
       [--user USER] [--identity FILE] [--known-hosts FILE] [--accept-new-host-keys] [--lab NAME]
       [--name NAME] [--force] [--json]

Reads the VXLAN devices, bridges, addresses and flood entries the hosts already have (made by hand
as in the primer, or by an earlier drawing) over SSH, changing nothing, and writes them as a drawing:
one segment per VNI and port, flood mode from remote / group / all-zero FDB entries, each host's
device, bridge, address and bridge ports. Whatever the drawing cannot say (a VLAN-aware bridge, a
flood entry to a host not imported, one VNI on two ports...) is listed as a warning; nothing is
dropped silently. Devices marked by one earlier drawing keep that drawing's id, so it owns them again.

Options:
  --ssh [USER@]HOST[:PORT]  a host to import (repeat for more; an IPv6 address in brackets)
  --inventory FILE        the hosts of an Ansible inventory (INI or YAML): ansible_host, ansible_user,
                          ansible_port, ansible_ssh_private_key_file, ansible_become
  --group G               only the inventory's group G (with its children)
  --out FILE              the drawing to write (*.vxlan.json); an existing file is kept unless --force
  --force                 overwrite --out
  --user USER             login for hosts that name none (default root; not root means sudo)
  --identity FILE         private key for hosts that name none (default: ssh-agent)
  --known-hosts FILE      trusted host keys, OpenSSH format (default ~/.config/vxlan-studio/known_hosts,
                          or the lab's with --lab; ~/.ssh/known_hosts is read too unless --lab)
  --accept-new-host-keys  trust and record the key of a host seen for the first time (a CHANGED key
                          is always refused)
  --lab NAME              connect through lab NAME's controller namespace
  --name NAME             the drawing's name (default "Imported from <hosts>")
  --json                  one JSON object on stdout (schema below); no prompts

Exit codes: 0 every host was read and the drawing written (warnings do not change it), 1 some host
could not be read (the drawing of the others is written; none when no host answered), 2 bad input
(option, target, inventory, or --out exists).

--json schema (version 1):
  { "version": 1, "ok": bool, "exitCode": 0|1|2, "out": path|null,
    "report": { "topologyId", "idFrom": "mark"|"new", "hosts": [ { "name", "devices": [...] } ],
                "segments": [ { "id", "vni", "port", "flood", "members": [...] } ],
                "warnings": [ { "code", "message", "host"?, "device"? } ] }|null,
    "unreachable": [ { "name", "error": { "code", "message" } } ], "error": { "code", "message" }|null }`;

const SPEC = {
  ssh: 'list',
  inventory: 'string',
  group: 'string',
  out: 'string',
  force: 'boolean',
  user: 'string',
  identity: 'string',
  'known-hosts': 'string',
  'accept-new-host-keys': 'boolean',
  lab: 'string',
  name: 'string',
  json: 'boolean',
} as const;

interface ImportJson {
  version: 1;
  ok: boolean;
  exitCode: number;
  out: string | null;
  report: ImportReport | null;
  unreachable: Array<{ name: string; error: { code: string; message: string } }>;
  error: { code: string; message: string } | null;
}

function json(
  code: number,
  out: string | null,
  report: ImportReport | null,
  unread: UnreadHost[],
  error?: { code: string; message: string },
): string {
  const value: ImportJson = {
    version: 1,
    ok: code === EXIT_OK,
    exitCode: code,
    out,
    report,
    unreachable: unread.map((u) => ({ name: u.name, error: { code: u.error.code, message: u.error.message } })),
    error: error === undefined ? null : { code: error.code, message: error.message },
  };
  return JSON.stringify(value);
}

/** The hosts named by --ssh and --inventory, each once. */
function targetsOf(args: ReturnType<typeof parseArgs>, cwd: string): ImportTarget[] {
  const defaults = {
    ...(stringFlag(args, 'user') === undefined ? {} : { user: stringFlag(args, 'user') as string }),
    ...(stringFlag(args, 'identity') === undefined
      ? {}
      : { identity: path.resolve(cwd, stringFlag(args, 'identity') as string) }),
  };
  const targets: ImportTarget[] = [];
  for (const text of listFlag(args, 'ssh')) {
    const t = parseSshTarget(text, defaults);
    if (typeof t === 'string') throw new UsageError(`--ssh ${t}`);
    targets.push(t);
  }
  const inventory = stringFlag(args, 'inventory');
  const group = stringFlag(args, 'group');
  if (group !== undefined && inventory === undefined) throw new UsageError('--group needs --inventory');
  if (inventory !== undefined) {
    const file = path.resolve(cwd, inventory);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const inv = parseInventory(text, inventory);
    for (const h of inventoryHosts(inv, inventory, group)) {
      // A key path in the inventory is relative to the directory Ansible runs in; take the inventory's.
      const key =
        h.identityFile === undefined
          ? undefined
          : path.resolve(path.dirname(file), h.identityFile.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
      targets.push(inventoryTarget(key === undefined ? h : { ...h, identityFile: key }, defaults));
    }
  }
  if (targets.length === 0) throw new UsageError('no hosts: give --ssh [USER@]HOST[:PORT] or --inventory FILE');
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.ssh.host}:${t.ssh.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let asJson = argv.includes('--json');
  try {
    const args = parseArgs(argv, SPEC);
    asJson = boolFlag(args, 'json');
    if (args.positionals.length > 0)
      throw new UsageError(`unexpected argument "${args.positionals[0] ?? ''}" (hosts go after --ssh)`);
    const outFlag = stringFlag(args, 'out');
    if (outFlag === undefined) throw new UsageError('missing --out FILE (the drawing to write)');
    const out = path.resolve(io.cwd, outFlag);
    if (existsSync(out) && !boolFlag(args, 'force')) throw new UsageError(`${out} exists; give --force to overwrite it`);
    const targets = targetsOf(args, io.cwd);
    const knownHostsFlag = stringFlag(args, 'known-hosts');
    const interactive = !asJson && isInteractive();
    const ssh = createDeploySsh({
      ...(await loadLabOption(stringFlag(args, 'lab'))),
      ...(knownHostsFlag === undefined ? {} : { knownHostsFile: path.resolve(io.cwd, knownHostsFlag) }),
      hostKeyPolicy: boolFlag(args, 'accept-new-host-keys') ? 'accept-new' : 'refuse',
      ...(interactive
        ? {
            credentials: {
              passphrase: (host: string, keyPath: string) => askHidden(`Passphrase for ${keyPath} (${host}): `),
              password: (host: string, user: string) => askHidden(`Password for ${user}@${host}: `),
            },
          }
        : {}),
    });
    let imported;
    try {
      const name = stringFlag(args, 'name');
      imported = await importFromHosts(targets, ssh.connect, name === undefined ? {} : { name });
    } finally {
      await ssh.close();
    }
    const { result, unread } = imported;
    const code = unread.length > 0 ? EXIT_FAILED : EXIT_OK;
    if (result !== undefined) writeFileSync(out, serializeTopology(result.topology));
    if (asJson) io.out(json(code, result === undefined ? null : out, result?.report ?? null, unread));
    else {
      for (const u of unread) io.err(`vxlan-studio import: ${u.name}: ${u.error.message} (${u.error.code})`);
      if (result === undefined) io.err('vxlan-studio import: no host could be read; nothing was written.');
      else io.out(`${formatImportReport(result.report)}\nWrote ${out}.`);
    }
    return code;
  } catch (err) {
    const bad = err instanceof UsageError || (err instanceof AppError && err.data.code === 'INVENTORY_INVALID');
    if (!asJson) {
      if (err instanceof AppError && bad) throw new UsageError(err.message);
      throw err;
    }
    const code = bad ? EXIT_BAD_INPUT : EXIT_FAILED;
    const message = err instanceof Error ? err.message : String(err);
    const error = err instanceof AppError ? err.data : { code: bad ? 'BAD_INPUT' : 'INTERNAL', message };
    io.out(json(code, null, null, [], error));
    return code;
  }
}

export const importCommand: Command = { name: 'import', usage: USAGE, run };
