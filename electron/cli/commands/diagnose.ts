/**
 * `vxlan-studio diagnose <file>`: one health round over SSH (the same poller as the app) and its
 * diagnosis: findings with code, severity, hosts, pair, segment, evidence and fix. Changes nothing.
 */
import path from 'node:path';
import type { HealthFinding, HealthView } from '../../../shared/api/contract';
import { AppError } from '../../../shared/errors/catalogue';
import type { Topology } from '../../../shared/model';
import { createDeploySsh } from '../../core/deploy/ssh-setup';
import { HealthPoller, sshHealthTransport, type HealthRoundResult } from '../../core/health';
import type { SshPool } from '../../core/ssh';
import { boolFlag, parseArgs, stringFlag, UsageError } from '../args';
import { topologyArgument } from '../inputs';
import { loadLabOption } from '../lab-option';
import { loadSshConfigOption, SSH_CONFIG_USAGE } from '../ssh-config-option';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, type CliIo, type Command } from '../command';

const USAGE = `Usage: vxlan-studio diagnose <file> [--json] [--lab NAME] [--identity FILE] [--known-hosts FILE]
       [-F FILE] [--accept-new-host-keys] [--timeout MS]

Runs one health round on every host of the topology over SSH (links and VXLAN parameters, FDB,
counters, firewall rules, underlay and overlay pings to every peer, DF-bit MTU probes, path-MTU
search where a DF probe fails) and prints the findings: code, severity, hosts, pair and segment,
the evidence (the exact firewall rule, ping lines, counters) and the fix. Changes nothing.

Options:
  --json                  one JSON object on stdout (schema below)
  --lab NAME              connect through lab NAME's controller namespace (sudo)
  --identity FILE         log in with this private key (instead of the topology's auth)
  --known-hosts FILE      trusted host keys, OpenSSH format (default ~/.config/vxlan-studio/known_hosts,
                          or the lab's with --lab)
${SSH_CONFIG_USAGE}
  --accept-new-host-keys  trust and record the key of a host seen for the first time
  --timeout MS            time each host gets to answer, 1000-120000 (default 5000)

Exit codes: 0 healthy (no error finding), 1 at least one error finding, 2 bad input.

--json schema (version 1):
  { "version": 1, "topology": id|null, "ok": bool, "exitCode": 0|1|2, "error": { "code", "message" }|null,
    "round": { "at", "durationMs", "hosts": [ { "hostId", "state", "message"?, "driftSteps" } ],
               "pairs": [ { "segmentId", "from", "to", "status", "rttMs"?, "pathMtu"? } ],
               "memberships": [ { "membershipId", "hostId", "segmentId", "status", "reachable", "peers", "badges" } ] }|null,
    "findings": [ { "id", "code", "severity", "title", "message", "hosts", "pair"?, "segmentId"?,
                    "evidence": [ { "label", "value" } ], "fix"?: { "description", "hosts": [ { "hostId", "steps": [ { "shell", "description" } ] } ] } } ] }`;

const SPEC = {
  json: 'boolean',
  lab: 'string',
  identity: 'string',
  'known-hosts': 'string',
  F: 'string',
  'accept-new-host-keys': 'boolean',
  timeout: 'string',
} as const;

function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1000 || n > 120_000)
    throw new UsageError(`--timeout must be a number of milliseconds 1000-120000, got "${text}"`);
  return n;
}

/** Human-readable findings report. */
export function formatFindings(t: Topology, view: HealthView): string {
  const name = (id: string): string => t.hosts.find((h) => h.id === id)?.name ?? id;
  const seg = (id: string): string => t.segments.find((s) => s.id === id)?.name ?? id;
  const lines: string[] = [];
  lines.push(`Hosts: ${view.hosts.map((h) => `${name(h.hostId)} ${h.state}`).join(', ')}`);
  for (const s of t.segments) {
    const ps = view.pairs.filter((p) => p.segmentId === s.id);
    if (ps.length === 0) continue;
    const ok = ps.filter((p) => p.status === 'ok').length;
    lines.push(`Segment ${s.name} (VNI ${s.vni}): ${ok}/${ps.length} tunnel directions healthy`);
  }
  if (view.findings.length === 0) {
    lines.push('', 'No findings: every host answers and every tunnel carries full-size frames.');
    return lines.join('\n');
  }
  const one = (f: HealthFinding): string[] => {
    const out = [`${f.severity.toUpperCase()} ${f.code}: ${f.title}`];
    const where = [`hosts ${f.hosts.map(name).join(', ')}`];
    if (f.pair) where.push(`pair ${name(f.pair[0])} -> ${name(f.pair[1])}`);
    if (f.segmentId !== undefined) where.push(`segment ${seg(f.segmentId)}`);
    out.push(`  ${where.join('; ')}`);
    out.push(`  ${f.message}`);
    for (const e of f.evidence) out.push(`  evidence: ${e.label}: ${e.value.split('\n').join('\n            ')}`);
    if (f.fix) {
      out.push(`  fix: ${f.fix.description}`);
      for (const h of f.fix.hosts) for (const s of h.steps) out.push(`    on ${name(h.hostId)}: ${s.shell}`);
    }
    return out;
  };
  lines.push('');
  for (const f of view.findings) lines.push(...one(f), '');
  return lines.join('\n').trimEnd();
}

/**
 * One health round over an open pool: reachability, tunnels, DF probes, firewall and drift, with
 * findings. Shared by `diagnose` and `status`, so both print the same findings.
 */
export async function healthRound(
  topology: Topology,
  pool: SshPool,
  identity: string | undefined,
  timeoutMs?: number,
): Promise<HealthRoundResult> {
  const poller = new HealthPoller({
    topology,
    transport: sshHealthTransport(pool, identity === undefined ? {} : { identity }),
    adaptive: false,
    ...(timeoutMs === undefined ? {} : { pollTimeoutMs: timeoutMs }),
  });
  return poller.runRound();
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let json = argv.includes('--json');
  let topology: Topology | undefined;
  const fail = (code: number, err: { code: string; message: string }): number => {
    if (json)
      io.out(
        JSON.stringify({
          version: 1,
          topology: topology?.id ?? null,
          ok: false,
          exitCode: code,
          error: err,
          round: null,
          findings: [],
        }),
      );
    else io.err(`vxlan-studio diagnose: ${err.message}${code === EXIT_BAD_INPUT ? '\n(see vxlan-studio diagnose --help)' : ''}`);
    return code;
  };
  try {
    const args = parseArgs(argv, SPEC);
    json = boolFlag(args, 'json');
    topology = topologyArgument(args, io.cwd);
    const timeout = parseTimeout(stringFlag(args, 'timeout'));
    const identityFlag = stringFlag(args, 'identity');
    const identity = identityFlag === undefined ? undefined : path.resolve(io.cwd, identityFlag);
    const knownHosts = stringFlag(args, 'known-hosts');
    const labReach = await loadLabOption(stringFlag(args, 'lab'));
    const sshConfig = await loadSshConfigOption(stringFlag(args, 'F'), io.cwd, stringFlag(args, 'lab') !== undefined);
    const ssh = createDeploySsh({
      ...(sshConfig === undefined ? {} : { sshConfig }),
      // --known-hosts wins over the lab's file.
      ...labReach,
      ...(knownHosts === undefined ? {} : { knownHostsFile: path.resolve(io.cwd, knownHosts) }),
      hostKeyPolicy: boolFlag(args, 'accept-new-host-keys') ? 'accept-new' : 'refuse',
    });
    try {
      const r = await healthRound(topology, ssh.pool, identity, timeout);
      const exitCode = r.view.findings.some((f) => f.severity === 'error') ? EXIT_FAILED : EXIT_OK;
      if (json) {
        const { hosts, pairs, memberships, at, durationMs } = r.view;
        io.out(
          JSON.stringify({
            version: 1,
            topology: topology.id,
            ok: exitCode === EXIT_OK,
            exitCode,
            error: null,
            round: { at, durationMs, hosts, pairs, memberships },
            findings: r.view.findings,
          }),
        );
      } else {
        io.out(formatFindings(topology, r.view));
        for (const [host, problems] of Object.entries(r.problems)) for (const p of problems) io.err(`warning: ${host}: ${p}`);
      }
      return exitCode;
    } finally {
      await ssh.close();
    }
  } catch (err) {
    if (err instanceof UsageError) return fail(EXIT_BAD_INPUT, { code: 'BAD_INPUT', message: err.message });
    if (err instanceof AppError) return fail(EXIT_FAILED, { code: err.data.code, message: err.data.message });
    return fail(EXIT_FAILED, { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) });
  }
}

export const diagnoseCommand: Command = {
  name: 'diagnose',
  usage: USAGE,
  run,
};
