/**
 * `vxlan-studio apply|destroy|status <file>`: the deploy runner from the command line. apply and
 * destroy show the per-host diff and ask before changing anything (unless --yes); status only
 * observes and diffs. `--json` prints exactly one JSON object per run on stdout.
 */
import path from 'node:path';
import { AppError } from '../../../shared/errors/catalogue';
import {
  createDeploySsh,
  deployJson,
  formatDiff,
  formatOutcome,
  runDeploy,
  CONFIRM_MAX_SECONDS,
  CONFIRM_MIN_SECONDS,
  DEFAULT_CONCURRENCY,
  type DeployAction,
  type DeploySsh,
  type DeployResult,
} from '../../core/deploy';
import { boolFlag, intArg, parseArgs, stringFlag, UsageError, type ParsedArgs } from '../args';
import { concurrencyOption, topologyArgument } from '../inputs';
import { loadLabOption } from '../lab-option';
import { loadSshConfigOption, SSH_CONFIG_USAGE } from '../ssh-config-option';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, type CliIo, type Command } from '../command';
import { formatFindings, healthRound } from './diagnose';
import { askLine, askHidden, isInteractive } from './prompt';

const VERB: Record<DeployAction, string> = { apply: 'Apply', destroy: 'Destroy', status: 'Status' };

function usage(action: DeployAction): string {
  const what = {
    apply:
      'Converges every host of the topology over SSH: observe, diff, apply the missing steps in order,\nread back. A failed step is undone on its host; other hosts go on.',
    destroy: 'Removes what the topology created on every host (only links carrying its mark), over SSH.',
    status:
      'Observes every host over SSH and shows what apply would change, then runs one health round\n(reachability, tunnels, DF-bit MTU probes, firewall) and prints its findings, as `diagnose` does.\nChanges nothing.',
  }[action];
  const confirm = action === 'status' ? '' : '\n  --yes                   do not ask; needed without a terminal';
  const prune =
    action === 'apply'
      ? '\n  --prune                 also remove the devices this topology created that it no longer has (they\n                          carry its mark); without it they are left in place and listed as "left"'
      : '';
  const replace =
    action === 'apply'
      ? '\n  --replace-foreign       delete and re-create devices made by hand (no mark) whose settings differ\n                          from the drawing; without it they are left alone and named, field by field.\n                          One that matches exactly is adopted either way (marked ours, not re-created)'
      : '';
  const window =
    action === 'apply'
      ? `\n  --confirm-within SECONDS  each host keeps a snapshot and reverts to it by itself after SECONDS
                          (${CONFIRM_MIN_SECONDS}-${CONFIRM_MAX_SECONDS}), even with no SSH session left, unless \`vxlan-studio confirm <file>\`
                          runs first (\`vxlan-studio revert <file>\` reverts now); see "Apply with a safety net"`
      : '';
  return `Usage: vxlan-studio ${action} <file> [--json]${action === 'status' ? '' : ' [--yes]'}${action === 'apply' ? ' [--prune] [--replace-foreign] [--confirm-within SECONDS]' : ''} [--identity FILE] [--known-hosts FILE]
       [-F FILE] [--accept-new-host-keys] [--concurrency N] [--lab NAME]

${what}

Options:
  --json                  one JSON object on stdout (schema below); no prompts${confirm}${prune}${replace}${window}
  --identity FILE         log in with this private key (instead of the topology's auth)
  --known-hosts FILE      trusted host keys, OpenSSH format (default ~/.config/vxlan-studio/known_hosts,
                          or the lab's with --lab; ~/.ssh/known_hosts is read too unless --lab)
${SSH_CONFIG_USAGE}
  --accept-new-host-keys  trust and record the key of a host seen for the first time (a CHANGED key
                          is always refused)
  --concurrency N         hosts at once, 1-256 (default ${DEFAULT_CONCURRENCY}). A host's run mostly waits on the
                          network, so hosts in flight overlap: 40 lab hosts on 2 busy cores took 40 s
                          10 at a time and 26-33 s 40 at a time. SSH handshakes go at most 16 at a
                          time whatever N is, each timed from its turn.
  --lab NAME              connect through lab NAME's controller namespace (sudo; the lab is only
                          reachable from there)

Passwords, key passphrases and sudo passwords are asked on the terminal (not echoed); never with
--json or without a terminal.

Devices of other topologies (another drawing's mark) are never touched; they are named as notes.
${
  action === 'status'
    ? ''
    : `\nWhat runs is what you confirmed: between the printed diff and your answer, a host whose state
or plan changed is not touched (CHANGED_SINCE_REVIEW, with its new plan); run ${action} again to review it.
With --yes, ${action} plans and applies in one go.\n`
}
Exit codes: 0 every host converged (status: every host reachable), 1 some host failed or is
unreachable (status: also when changes are pending or a health finding is an error), 2 bad input
(file, field or option).

--json schema (version 1):
  { "version": 1, "action": "${action}", "topology": id|null, "ok": bool, "exitCode": 0|1|2,
    "runId": string|null, "durationMs": n, "prune": bool,
    "hosts": [ { "id", "name",
                 "outcome": "unchanged"|"applied"|"pending"|"failed"|"rolled-back"|"unreachable",
                 "steps": [ { "index", "shell", "description", "prune": bool } ], "applied": n,
                 "digest": sha256 of the host's state and plan|null,
                 "stale": [ device names no longer drawn: removed with prune, else left ],
                 "failure": { "step", "argv", "shell", "exitCode", "stderrTail" }|null,
                 "error": { "code", "message" }|null, "drift": [shell...],
                 "rollback": { "ok", "commands", "failures", "restored" }|null,
                 "diagnostics": [ { "code", "severity", "path", "message" } ],
                 "timings": { "connectMs", "observeMs", "applyMs", "verifyMs", "totalMs" },
                 "confirm": { "runId", "deadlineEpoch", "deadline" }|null (a revert armed on the host),
                 "reverted": [ { "runId", "at", "atEpoch", "by": "timer"|"request", "undone": [...],
                                 "failed", "restored" } ] (reverts it ran since last contacted) } ],
    "diagnostics": [ ... ], "error": { "code", "message" }|null${action === 'status' ? ',\n    "findings": [ ... the objects of `vxlan-studio diagnose --json` ]' : ''} }`;
}

/** The connection options every verb that talks to hosts shares (apply, destroy, status, confirm, revert). */
export const CONNECTION_SPEC = {
  identity: 'string',
  'known-hosts': 'string',
  F: 'string',
  'accept-new-host-keys': 'boolean',
  lab: 'string',
} as const;

/**
 * The deploy SSH (pool + connector) from the connection options; passwords and passphrases are
 * asked on the terminal only when `interactive`.
 */
export async function deploySshFromArgs(
  args: ParsedArgs,
  io: CliIo,
  interactive: boolean,
): Promise<{ ssh: DeploySsh; identity: string | undefined }> {
  const identityFlag = stringFlag(args, 'identity');
  const identity = identityFlag === undefined ? undefined : path.resolve(io.cwd, identityFlag);
  const knownHostsFlag = stringFlag(args, 'known-hosts');
  const labReach = await loadLabOption(stringFlag(args, 'lab'));
  const sshConfig = await loadSshConfigOption(stringFlag(args, 'F'), io.cwd, stringFlag(args, 'lab') !== undefined);
  const ssh = createDeploySsh({
    // --known-hosts wins over the lab's file.
    ...labReach,
    ...(knownHostsFlag === undefined ? {} : { knownHostsFile: path.resolve(io.cwd, knownHostsFlag) }),
    hostKeyPolicy: boolFlag(args, 'accept-new-host-keys') ? 'accept-new' : 'refuse',
    ...(identity === undefined ? {} : { identity }),
    ...(sshConfig === undefined ? {} : { sshConfig }),
    ...(interactive
      ? {
          credentials: {
            passphrase: (host: string, keyPath: string) => askHidden(`Passphrase for ${keyPath} (${host}): `),
            password: (host: string, user: string) => askHidden(`Password for ${user}@${host}: `),
            sudoPassword: (host: string, user: string) => askHidden(`sudo password for ${user} on ${host}: `),
          },
        }
      : {}),
  });
  return { ssh, identity };
}

const SPEC = {
  json: 'boolean',
  yes: 'boolean',
  concurrency: 'string',
  prune: 'boolean',
  'replace-foreign': 'boolean',
  'confirm-within': 'string',
  ...CONNECTION_SPEC,
} as const;

/** The digest of every host the review planned (an unreachable one has none, so it is not touched if it answers now). */
function reviewedDigests(preview: DeployResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of preview.hosts) if (h.digest !== undefined) out[h.hostId] = h.digest;
  return out;
}

/** Exit code of a run: 0 converged, 1 any host not. */
function exitOf(action: DeployAction, r: DeployResult): number {
  if (action === 'status') return r.hosts.every((h) => h.outcome === 'unchanged') ? EXIT_OK : EXIT_FAILED;
  return r.ok ? EXIT_OK : EXIT_FAILED;
}

async function runAction(action: DeployAction, argv: readonly string[], io: CliIo): Promise<number> {
  let json = argv.includes('--json');
  try {
    const args = parseArgs(argv, SPEC);
    json = boolFlag(args, 'json');
    const topology = topologyArgument(args, io.cwd);
    const concurrency = concurrencyOption(args);
    const windowText = stringFlag(args, 'confirm-within');
    if (windowText !== undefined && action !== 'apply')
      throw new UsageError(`--confirm-within is an option of apply only (${action} arms no revert)`);
    const confirmWithin =
      windowText === undefined ? undefined : intArg(windowText, '--confirm-within', CONFIRM_MIN_SECONDS, CONFIRM_MAX_SECONDS);
    const yes = boolFlag(args, 'yes');
    const prune = boolFlag(args, 'prune');
    const replaceForeign = boolFlag(args, 'replace-foreign');
    if (replaceForeign && action !== 'apply')
      throw new UsageError(`--replace-foreign is an option of apply only (${action} never creates a device)`);
    if (prune && action !== 'apply')
      throw new UsageError(
        `--prune is an option of apply only (${action} ${action === 'destroy' ? 'removes everything the topology created' : 'changes nothing'})`,
      );
    const interactive = !json && isInteractive();
    if (action !== 'status' && !yes && !interactive) {
      throw new UsageError(
        `${action} changes hosts and asks for confirmation first, but ${json ? '--json allows no prompt' : 'there is no terminal to ask on'}; add --yes to ${action} without asking`,
      );
    }
    const { ssh, identity } = await deploySshFromArgs(args, io, interactive);
    try {
      const base = { topology, connect: ssh.connect, prune, replaceForeign, concurrency: concurrency ?? DEFAULT_CONCURRENCY };
      /** The confirmed review's digests: a host that changed between the printed diff and the answer is not touched. */
      let reviewed: Record<string, string> | undefined;
      if (action !== 'status' && !yes) {
        const preview = await runDeploy({ ...base, action, dryRun: true });
        io.out(formatDiff(preview));
        const changes = preview.hosts.reduce((n, h) => n + h.steps.length, 0);
        if (changes === 0 && preview.ok) {
          io.out('Nothing to change.');
          return EXIT_OK;
        }
        const answer = await askLine(
          `${VERB[action]} ${changes} change${changes === 1 ? '' : 's'} on ${preview.hosts.filter((h) => h.steps.length > 0).length} host(s)? [y/N] `,
        );
        if (!/^y(es)?$/i.test(answer.trim())) {
          io.err(`vxlan-studio ${action}: cancelled, nothing was changed.`);
          return EXIT_FAILED;
        }
        reviewed = reviewedDigests(preview);
      }
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.once('SIGINT', onSignal);
      let result: DeployResult;
      try {
        result = await runDeploy({
          ...base,
          action,
          signal: controller.signal,
          ...(reviewed === undefined ? {} : { reviewed }),
          ...(confirmWithin === undefined ? {} : { confirmWithin }),
        });
      } finally {
        process.off('SIGINT', onSignal);
      }
      if (action === 'status') {
        // status also reports live health, with the same findings as `diagnose`.
        const round = await healthRound(topology, ssh.pool, identity);
        const hasErrorFinding = round.view.findings.some((f) => f.severity === 'error');
        const code = hasErrorFinding ? EXIT_FAILED : exitOf(action, result);
        if (json) io.out(JSON.stringify({ ...deployJson(action, result, code), findings: round.view.findings }));
        else io.out(`${formatDiff(result)}\n${formatOutcome(result)}\n\n${formatFindings(topology, round.view)}`);
        return code;
      }
      const code = exitOf(action, result);
      if (json) io.out(JSON.stringify(deployJson(action, result, code)));
      else io.out(formatOutcome(result));
      const armed = result.hosts.filter((h) => h.confirm?.runId === result.runId);
      if (!json && armed.length > 0)
        io.out(
          `\nRun ${result.runId}: confirm with \`vxlan-studio confirm ${args.positionals[0] ?? ''}\` within ${confirmWithin ?? 0} s; otherwise ${armed.length === result.hosts.length ? 'every host reverts' : `${armed.map((h) => h.hostName).join(', ')} revert`} by itself to its snapshot (\`vxlan-studio revert\` reverts now).`,
        );
      return code;
    } finally {
      await ssh.close();
    }
  } catch (err) {
    return failedRun(err, json, io, (code, error) => deployJson(action, undefined, code, error));
  }
}

/**
 * How a host verb ends on an error before any result: without --json a bad input is a usage error
 * (exit 2, message on stderr) and anything else is thrown on; with --json one JSON object (built by
 * `body` from the exit code and the error) on stdout and the exit code.
 */
export function failedRun(
  err: unknown,
  json: boolean,
  io: CliIo,
  body: (code: number, error: { code: string; message: string }) => unknown,
): number {
  const bad = err instanceof UsageError || (err instanceof AppError && err.data.code === 'TOPOLOGY_INVALID');
  if (!json) {
    if (err instanceof UsageError) throw err;
    throw bad && err instanceof AppError ? new UsageError(err.message) : err;
  }
  const code = bad ? EXIT_BAD_INPUT : EXIT_FAILED;
  const error =
    err instanceof AppError
      ? err.data
      : { code: bad ? 'BAD_INPUT' : 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
  io.out(JSON.stringify(body(code, error)));
  return code;
}

/** Builds `apply`, `destroy` or `status`: one code path over the deploy runner. */
export function deployCommand(action: DeployAction): Command {
  return { name: action, usage: usage(action), run: (argv, io) => runAction(action, argv, io) };
}

export const applyCommand = deployCommand('apply');
