/**
 * `vxlan-studio plan <file>`: prints the per-host plan from scratch (or its teardown) as runnable
 * POSIX sh scripts or as JSON, or the files a network manager needs to keep the overlay across
 * reboots. Reads only the file: no network access, nothing runs on any host.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatIssues, parseTopologyText, type Host, type Topology } from '../../../shared/model';
import type { Diagnostic } from '../../../shared/validate/diagnostic';
import { desiredHostState } from '../../../shared/plan/desired';
import { renderPersist, type PersistManager } from '../../../shared/plan/persist';
import {
  argvToShell,
  compilePlan,
  compileTeardown,
  hostScript,
  shellComment,
  stepLine,
  type HostPlan,
  type Plan,
} from '../../../shared/plan';
import { boolFlag, parseArgs, stringFlag, UsageError } from '../args';
import { EXIT_BAD_INPUT, EXIT_OK, type CliIo, type Command } from '../command';

const USAGE = `Usage: vxlan-studio plan <file> [--host NAME] [--format FORMAT] [--teardown]

Prints what VXLAN Studio would run on each host to build the topology from scratch, without
connecting to any host. Each sh script is runnable on its host as root ("sh plan-host-a.sh").

Options:
  --host NAME         only this host (its display name, or its id)
  --format sh         one #!/bin/sh script per host, with set -e (default)
  --format json       a stable JSON object: hosts, steps (argv, shell line, description, inverse)
  --format networkd   the files that keep the overlay across reboots under systemd-networkd;
           netplan    likewise for netplan, ifupdown2, classic ifupdown or NetworkManager (nm):
           ifupdown2  each file under a "# ==> host H: PATH (mode M)" line, then the commands
           ifupdown   that make the manager read them. Hosts with "persist": "none" get a note.
           nm
  --teardown          the teardown instead: remove everything this topology created (only links
                      carrying its mark; extra bridge ports are detached, never deleted)

Exit codes: 0 plan printed, 2 bad input (unreadable or invalid file, unknown host, a plan error
such as an unknown peer address).`;

/** Version of the JSON output shape; bump on any incompatible change. */
export const PLAN_JSON_VERSION = 1;

function sshTarget(host: Host): string {
  const port = host.ssh.port === 22 ? '' : `:${host.ssh.port}`;
  return `${host.ssh.user}@${host.ssh.host}${port}${host.ssh.jump === undefined ? '' : ` via ${host.ssh.jump}`}`;
}

function diagnosticLine(d: Diagnostic): string {
  return `${d.severity}: ${d.path}: ${d.message}${d.hint === undefined ? '' : ` (${d.hint})`}`;
}

function findHost(t: Topology, name: string): Host {
  const host = t.hosts.find((h) => h.name === name) ?? t.hosts.find((h) => h.id === name);
  if (host === undefined) {
    const names = t.hosts.map((h) => h.name);
    throw new UsageError(
      names.length === 0
        ? `--host ${JSON.stringify(name)}: the topology has no hosts`
        : `--host ${JSON.stringify(name)} is not a host of this topology; hosts: ${names.join(', ')}`,
    );
  }
  return host;
}

function scriptFor(t: Topology, hp: HostPlan, teardown: boolean): string {
  const host = t.hosts.find((h) => h.id === hp.hostId) as Host;
  const header = [
    `VXLAN Studio ${teardown ? 'teardown' : 'plan'} for host ${hp.hostName} (id ${hp.hostId}) of topology ${t.name} (id ${t.id})`,
    `Run on that host as root: ssh ${sshTarget(host)}${host.sudo ? ' (commands use sudo -n)' : ''}`,
  ];
  return hostScript(hp, { header, sudo: host.sudo });
}

/**
 * What `plan --format sh` prints: every host's script, each closed by an end comment. Every line
 * that carries drawn text goes through `shellComment`/`argvToShell`, so the whole output can be fed
 * to one `sh` and runs exactly the plan's steps.
 */
export function printedScripts(t: Topology, plan: Plan, teardown: boolean): string {
  return plan.hosts
    .map(
      (hp) =>
        `${scriptFor(t, hp, teardown)}${shellComment(`end of ${teardown ? 'teardown' : 'plan'} for host ${hp.hostName}`)}\n`,
    )
    .join('\n');
}

/** `--format` values that print a network manager's files, and the manager each names. */
export const PERSIST_FORMATS: Readonly<Record<string, PersistManager>> = {
  networkd: 'systemd-networkd',
  netplan: 'netplan',
  ifupdown2: 'ifupdown2',
  ifupdown: 'ifupdown',
  nm: 'networkmanager',
};

/**
 * What `plan --format networkd|netplan|...` prints: per host, each file under a header comment
 * naming host, path and mode, then the reload commands; a host kept runtime-only gets a note.
 * Diagnostics (what the manager cannot express) come back apart, for stderr.
 */
export function printedPersistFiles(
  t: Topology,
  plan: Plan,
  manager: PersistManager,
): { text: string; diagnostics: Array<{ hostName: string; diagnostic: Diagnostic }> } {
  const out: string[] = [];
  const diagnostics: Array<{ hostName: string; diagnostic: Diagnostic }> = [];
  for (const hp of plan.hosts) {
    const host = t.hosts.find((h) => h.id === hp.hostId) as Host;
    if (host.persist === 'none') {
      out.push(`${shellComment(`==> host ${hp.hostName}: persist is "none": runtime only, no files (the overlay is lost at reboot)`)}
`);
      continue;
    }
    const r = renderPersist(desiredHostState(t, hp.hostId), manager);
    for (const diagnostic of r.diagnostics) diagnostics.push({ hostName: hp.hostName, diagnostic });
    const setting = host.persist === 'auto' || host.persist === manager ? '' : ` (its persist setting is ${host.persist})`;
    const files = r.files.map(
      (f) => `${shellComment(`==> host ${hp.hostName}: ${f.path} (mode ${f.mode.toString(8).padStart(4, '0')})${setting}`)}
${f.content}`,
    );
    const reload = r.reload.map(argvToShell);
    files.push(`${shellComment(`==> host ${hp.hostName}: then run`)}
${reload.length > 0 ? `${reload.join('\n')}\n` : '# nothing\n'}`);
    out.push(files.join('\n'));
  }
  return { text: out.join('\n'), diagnostics };
}

function jsonFor(t: Topology, plan: Plan, teardown: boolean): string {
  const out = {
    format: 'vxlan-studio-plan',
    version: PLAN_JSON_VERSION,
    topologyId: plan.topologyId,
    teardown,
    diagnostics: plan.diagnostics,
    hosts: plan.hosts.map((hp) => {
      const host = t.hosts.find((h) => h.id === hp.hostId) as Host;
      return {
        hostId: hp.hostId,
        hostName: hp.hostName,
        ssh: { host: host.ssh.host, port: host.ssh.port, user: host.ssh.user },
        sudo: host.sudo,
        diagnostics: hp.diagnostics,
        steps: hp.steps.map((s) => ({
          kind: s.kind,
          target: s.target,
          description: s.description,
          argv: s.argv,
          shell: stepLine(s, { sudo: host.sudo }),
          inverse: s.inverse.map((argv) => ({ argv, shell: argvToShell(argv) })),
          ...(s.guards === undefined ? {} : { guards: s.guards }),
        })),
      };
    }),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

export const planCommand: Command = {
  name: 'plan',
  usage: USAGE,
  run(argv: readonly string[], io: CliIo): Promise<number> {
    const args = parseArgs(argv, { host: 'string', format: 'string', teardown: 'boolean' });
    const [file, ...extra] = args.positionals;
    if (file === undefined) throw new UsageError('missing <file>: the topology (*.vxlan.json) to plan');
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const format = stringFlag(args, 'format') ?? 'sh';
    const manager = PERSIST_FORMATS[format];
    if (format !== 'sh' && format !== 'json' && manager === undefined)
      throw new UsageError(
        `--format must be sh or json (the plan), or ${Object.keys(PERSIST_FORMATS).join(', ')} (a network manager's files), got ${JSON.stringify(format)}`,
      );
    if (manager !== undefined && boolFlag(args, 'teardown'))
      throw new UsageError(`--teardown prints the teardown script; it has no ${format} files (use --format sh)`);
    const teardown = boolFlag(args, 'teardown');

    const filePath = path.resolve(io.cwd, file);
    let text: string;
    try {
      text = readFileSync(filePath, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      io.err(
        `vxlan-studio plan: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)}`,
      );
      return Promise.resolve(EXIT_BAD_INPUT);
    }
    const parsed = parseTopologyText(text);
    if (!parsed.ok) {
      io.err(`vxlan-studio plan: ${file} is not a valid topology:\n${formatIssues(parsed.issues)}`);
      return Promise.resolve(EXIT_BAD_INPUT);
    }
    const t = parsed.topology;
    const hostName = stringFlag(args, 'host');
    const hostIds = hostName === undefined ? undefined : [findHost(t, hostName).id];

    const plan = teardown ? compileTeardown(t, { hostIds }) : compilePlan(t, { hostIds });
    const problems = [
      ...plan.diagnostics.map(diagnosticLine),
      ...plan.hosts.flatMap((h) => h.diagnostics.map((d) => `${h.hostName}: ${diagnosticLine(d)}`)),
    ];
    const hasError =
      plan.diagnostics.some((d) => d.severity === 'error') ||
      plan.hosts.some((h) => h.diagnostics.some((d) => d.severity === 'error'));
    if (hasError) {
      io.err(`vxlan-studio plan: ${file} cannot be planned:\n${problems.join('\n')}`);
      return Promise.resolve(EXIT_BAD_INPUT);
    }
    if (manager !== undefined) {
      const { text, diagnostics } = printedPersistFiles(t, plan, manager);
      problems.push(...diagnostics.map(({ hostName, diagnostic }) => `${hostName}: ${diagnosticLine(diagnostic)}`));
      if (problems.length > 0) io.err(problems.join('\n'));
      io.out(text);
      // A host whose names cannot be written for this manager got no files: not a usable result.
      return Promise.resolve(diagnostics.some((x) => x.diagnostic.severity === 'error') ? EXIT_BAD_INPUT : EXIT_OK);
    }
    if (problems.length > 0) io.err(problems.join('\n'));

    if (format === 'json') io.out(jsonFor(t, plan, teardown));
    else io.out(printedScripts(t, plan, teardown));
    return Promise.resolve(EXIT_OK);
  },
};
