/**
 * `vxlan-studio confirm|revert <file>`: after `apply --confirm-within`, keep the change on every
 * host (disarm each host's revert) or undo it now. The hosts are asked, not a record on this
 * machine: each host knows the runs of the topology it has armed (see core/deploy/confirm.ts).
 */
import { formatConfirm, runConfirm, type ConfirmAction, type ConfirmResult } from '../../core/deploy';
import { boolFlag, parseArgs } from '../args';
import { concurrencyOption, topologyArgument } from '../inputs';
import { EXIT_FAILED, EXIT_OK, type CliIo, type Command } from '../command';
import { CONNECTION_SPEC, deploySshFromArgs, failedRun } from './apply';

/** Version of the `--json` shape; bump on any incompatible change. */
const CONFIRM_JSON_VERSION = 1;

function usage(action: ConfirmAction): string {
  const what =
    action === 'confirm'
      ? `Keeps the change of the last \`apply --confirm-within\`: disarms the revert waiting on every host
of the topology. A host that cannot be reached is named; its revert still runs at its deadline.`
      : `Undoes the change of the last \`apply --confirm-within\` now, on every host where its revert is
still armed: each host runs its revert and reports whether it is back to the snapshot taken
before the change. A host that cannot be reached reverts by itself at its deadline.`;
  return `Usage: vxlan-studio ${action} <file> [--json] [--identity FILE] [--known-hosts FILE]
       [--accept-new-host-keys] [--concurrency N] [--lab NAME]

${what}
A host that already reverted by itself is reported ("reverted on its own at HH:MM:SS").

Options:
  --json                  one JSON object on stdout (schema below)
  --identity FILE         log in with this private key (instead of the topology's auth)
  --known-hosts FILE      trusted host keys, OpenSSH format (as for apply)
  --accept-new-host-keys  trust and record the key of a host seen for the first time
  --concurrency N         hosts at once, 1-256 (default 32)
  --lab NAME              connect through lab NAME's controller namespace

Exit codes: 0 ${action === 'confirm' ? 'every host confirmed (or had nothing armed)' : 'every host reverted to its snapshot (or had nothing armed)'}, 1 some host
was not reached${action === 'confirm' ? ', or had already reverted by itself' : ', or its revert did not give the snapshot back'}, 2 bad input (file or option).

--json schema (version ${CONFIRM_JSON_VERSION}):
  { "version": ${CONFIRM_JSON_VERSION}, "action": "${action}", "topology": id|null, "ok": bool, "exitCode": 0|1|2, "durationMs": n,
    "hosts": [ { "id", "name", "outcome": "confirmed"|"reverted"|"none"|"unreachable"|"failed",
                 "confirmed": [run ids], "reverted": [ { "runId", "at", "atEpoch", "by": "timer"|"request",
                 "undone": [...], "failed", "restored" } ], "error": { "code", "message" }|null } ],
    "error": { "code", "message" }|null }`;
}

const SPEC = { json: 'boolean', concurrency: 'string', ...CONNECTION_SPEC } as const;

function confirmJson(
  action: ConfirmAction,
  result: ConfirmResult | undefined,
  exitCode: number,
  error?: { code: string; message: string },
): unknown {
  return {
    version: CONFIRM_JSON_VERSION,
    action,
    topology: result?.topologyId ?? null,
    ok: exitCode === EXIT_OK,
    exitCode,
    durationMs: result?.durationMs ?? 0,
    hosts: (result?.hosts ?? []).map((h) => ({
      id: h.hostId,
      name: h.hostName,
      outcome: h.outcome,
      confirmed: h.confirmed,
      reverted: h.reverted,
      error: h.error ? { code: h.error.code, message: h.error.message } : null,
    })),
    error: error ? { code: error.code, message: error.message } : null,
  };
}

async function runAction(action: ConfirmAction, argv: readonly string[], io: CliIo): Promise<number> {
  let json = argv.includes('--json');
  try {
    const args = parseArgs(argv, SPEC);
    json = boolFlag(args, 'json');
    const topology = topologyArgument(args, io.cwd);
    const concurrency = concurrencyOption(args) ?? 32;
    const { ssh } = await deploySshFromArgs(args, io, false);
    try {
      const result = await runConfirm({ action, topology, connect: ssh.connect, concurrency });
      const code = result.ok ? EXIT_OK : EXIT_FAILED;
      io.out(json ? JSON.stringify(confirmJson(action, result, code)) : formatConfirm(result));
      return code;
    } finally {
      await ssh.close();
    }
  } catch (err) {
    return failedRun(err, json, io, (code, error) => confirmJson(action, undefined, code, error));
  }
}

/** Builds `confirm` or `revert`: one code path over `runConfirm`. */
export function confirmVerb(action: ConfirmAction): Command {
  return { name: action, usage: usage(action), run: (argv, io) => runAction(action, argv, io) };
}

export const confirmCommand = confirmVerb('confirm');
