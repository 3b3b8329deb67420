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
  type DeployAction,
  type DeployResult,
} from '../../core/deploy';
import { boolFlag, intArg, parseArgs, stringFlag, UsageError } from '../args';
import { readTopologyFile } from '../inputs';
import { loadLabOption } from '../lab-option';
import { loadSshConfigOption, SSH_CONFIG_USAGE } from '../ssh-config-option';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, type CliIo, type Command } from '../command';
import { formatFindings, healthRound } from './diagnose';
import { askLine, askHidden, isInteractive } from './prompt';

/**
 * Hosts at once when --concurrency is not given. Each host costs the client little CPU (one
 * handshake, a few round trips) and mostly waits, so the runner's default (10) made 100 hosts ten
 * waves deep; all at once, on a busy 2-core machine running the lab hosts' sshd too, a handshake
 * could pass the SSH timeout (measured: see the usage text). 32 runs 100 hosts in four waves.
 */
const CLI_CONCURRENCY = 32;

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
  return `Usage: vxlan-studio ${action} <file> [--json]${action === 'status' ? '' : ' [--yes]'}${action === 'apply' ? ' [--prune]' : ''} [--identity FILE] [--known-hosts FILE]
       [-F FILE] [--accept-new-host-keys] [--concurrency N] [--lab NAME]

${what}

Options:
  --json                  one JSON object on stdout (schema below); no prompts${confirm}${prune}
  --identity FILE         log in with this private key (instead of the topology's auth)
  --known-hosts FILE      trusted host keys, OpenSSH format (default ~/.config/vxlan-studio/known_hosts,
                          or the lab's with --lab; ~/.ssh/known_hosts is read too unless --lab)
${SSH_CONFIG_USAGE}
  --accept-new-host-keys  trust and record the key of a host seen for the first time (a CHANGED key
                          is always refused)
  --concurrency N         hosts at once, 1-256 (default ${CLI_CONCURRENCY}). A host's run mostly waits on the
                          network, so hosts in flight overlap: 40 lab hosts on 2 busy cores took 40 s
                          10 at a time and 26-33 s 40 at a time, where one host's SSH handshake then
                          passed the 10 s timeout. Raise it for many hosts on a quiet client.
  --lab NAME              connect through lab NAME's controller namespace (sudo; the lab is only
                          reachable from there)

Passwords, key passphrases and sudo passwords are asked on the terminal (not echoed); never with
--json or without a terminal.

Devices of other topologies (another drawing's mark) are never touched; they are named as notes.

Exit codes: 0 every host converged (status: every host reachable), 1 some host failed or is
unreachable (status: also when changes are pending or a health finding is an error), 2 bad input
(file, field or option).

--json schema (version 1):
  { "version": 1, "action": "${action}", "topology": id|null, "ok": bool, "exitCode": 0|1|2,
    "runId": string|null, "durationMs": n, "prune": bool,
    "hosts": [ { "id", "name",
                 "outcome": "unchanged"|"applied"|"pending"|"failed"|"rolled-back"|"unreachable",
                 "steps": [ { "index", "shell", "description", "prune": bool } ], "applied": n,
                 "stale": [ device names no longer drawn: removed with prune, else left ],
                 "failure": { "step", "argv", "shell", "exitCode", "stderrTail" }|null,
                 "error": { "code", "message" }|null, "drift": [shell...],
                 "rollback": { "ok", "commands", "failures", "restored" }|null,
                 "diagnostics": [ { "code", "severity", "path", "message" } ],
                 "timings": { "connectMs", "observeMs", "applyMs", "verifyMs", "totalMs" } } ],
    "diagnostics": [ ... ], "error": { "code", "message" }|null${action === 'status' ? ',\n    "findings": [ ... the objects of `vxlan-studio diagnose --json` ]' : ''} }`;
}

const SPEC = {
  json: 'boolean',
  yes: 'boolean',
  identity: 'string',
  'known-hosts': 'string',
  F: 'string',
  'accept-new-host-keys': 'boolean',
  concurrency: 'string',
  lab: 'string',
  prune: 'boolean',
} as const;

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
    if (args.positionals.length !== 1)
      throw new UsageError(
        args.positionals.length === 0 ? 'missing the topology file' : `unexpected argument "${args.positionals[1] ?? ''}"`,
      );
    const file = path.resolve(io.cwd, args.positionals[0] as string);
    const topology = readTopologyFile(file);
    const concurrencyText = stringFlag(args, 'concurrency');
    const concurrency = concurrencyText === undefined ? undefined : intArg(concurrencyText, '--concurrency', 1, 256);
    const identityFlag = stringFlag(args, 'identity');
    const identity = identityFlag === undefined ? undefined : path.resolve(io.cwd, identityFlag);
    const knownHostsFlag = stringFlag(args, 'known-hosts');
    const labReach = await loadLabOption(stringFlag(args, 'lab'));
    const sshConfig = await loadSshConfigOption(stringFlag(args, 'F'), io.cwd, stringFlag(args, 'lab') !== undefined);
    const yes = boolFlag(args, 'yes');
    const prune = boolFlag(args, 'prune');
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
    try {
      const base = { topology, connect: ssh.connect, prune, concurrency: concurrency ?? CLI_CONCURRENCY };
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
      }
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.once('SIGINT', onSignal);
      let result: DeployResult;
      try {
        result = await runDeploy({ ...base, action, signal: controller.signal });
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
      return code;
    } finally {
      await ssh.close();
    }
  } catch (err) {
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
    io.out(JSON.stringify(deployJson(action, undefined, code, error)));
    return code;
  }
}

/** Builds `apply`, `destroy` or `status`: one code path over the deploy runner. */
export function deployCommand(action: DeployAction): Command {
  return { name: action, usage: usage(action), run: (argv, io) => runAction(action, argv, io) };
}

export const applyCommand = deployCommand('apply');
