/**
 * `confirm` and `revert` over every host of a topology: the control script (confirm.ts) on each
 * host, hosts in parallel. The hosts are the truth: each one is asked which runs of the topology
 * it has armed, so a confirm works from any client that can reach the hosts, whatever it knows.
 */
import type { Host, Topology } from '../../../shared/model';
import { appError, type AppErrorData } from '../../../shared/errors/catalogue';
import { controlHost, formatRevertRecord, settleRestored, unsettledReverts } from './confirm';
import { sessionError, settleReadBack } from './steps';
import type { HostConnector, RevertRecord } from './types';

export type ConfirmAction = 'confirm' | 'revert';

const CONTROL_TIMEOUT_MS = 60_000;

export interface ConfirmHostResult {
  hostId: string;
  hostName: string;
  /**
   * `confirmed`: a revert was disarmed; `reverted`: the change was undone (now on request, or
   * earlier by the host itself: see `reverted[].by`); `none`: nothing was armed; `unreachable`:
   * the host could not be asked (an armed revert there still runs at its deadline); `failed`: the
   * host answered but the script did not finish (e.g. sudo wants a password).
   */
  outcome: 'confirmed' | 'reverted' | 'none' | 'unreachable' | 'failed';
  /** Runs disarmed (confirm). */
  confirmed: string[];
  reverted: RevertRecord[];
  error?: AppErrorData;
}

export interface ConfirmResult {
  action: ConfirmAction;
  topologyId: string;
  /** confirm: every host is confirmed or had nothing armed; revert: every host answered and is back to its snapshot. */
  ok: boolean;
  hosts: ConfirmHostResult[];
  durationMs: number;
}

export interface ConfirmOptions {
  action: ConfirmAction;
  topology: Topology;
  connect: HostConnector;
  concurrency?: number;
  hostIds?: string[];
}

async function oneHost(opts: ConfirmOptions, host: Host): Promise<ConfirmHostResult> {
  const base = { hostId: host.id, hostName: host.name, confirmed: [], reverted: [] };
  let exec;
  try {
    exec = await opts.connect(host);
  } catch (err) {
    return { ...base, outcome: 'unreachable', error: sessionError(err, host.name) };
  }
  try {
    const report = await controlHost(exec, host, opts.topology.id, opts.action, CONTROL_TIMEOUT_MS);
    if (!report.complete)
      return {
        ...base,
        outcome: 'failed',
        error: appError(
          'COMMAND_FAILED',
          `${host.name}: the ${opts.action} script did not finish (does \`sudo -n\` work for ${host.ssh.user}?)`,
          { host: host.name },
        ),
      };
    if (unsettledReverts(report).length > 0)
      await settleReadBack(exec, host, { readFiles: true, timeoutMs: CONTROL_TIMEOUT_MS }, (r) => {
        settleRestored(report, r.observed, { marked: r.files ?? [], foreign: r.foreign ?? [] });
        return unsettledReverts(report).length === 0;
      });
    const outcome = report.confirmed.length > 0 ? 'confirmed' : report.reverted.length > 0 ? 'reverted' : ('none' as const);
    return { ...base, outcome, confirmed: report.confirmed, reverted: report.reverted };
  } catch (err) {
    return { ...base, outcome: 'unreachable', error: sessionError(err, host.name) };
  } finally {
    await exec.release().catch(() => undefined);
  }
}

/** Confirms (disarms) or reverts the armed runs of a topology on every host. Never rejects for a host. */
export async function runConfirm(opts: ConfirmOptions): Promise<ConfirmResult> {
  const started = performance.now();
  const hosts =
    opts.hostIds === undefined ? opts.topology.hosts : opts.topology.hosts.filter((h) => opts.hostIds?.includes(h.id));
  const results = new Array<ConfirmHostResult>(hosts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < hosts.length) {
      const i = next++;
      results[i] = await oneHost(opts, hosts[i] as Host);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, opts.concurrency ?? 32), hosts.length) }, worker));
  const ok = results.every((h) =>
    opts.action === 'confirm'
      ? h.outcome === 'confirmed' || (h.outcome === 'none' && h.reverted.length === 0)
      : h.outcome === 'none' || (h.outcome === 'reverted' && h.reverted.every((r) => r.restored)),
  );
  return {
    action: opts.action,
    topologyId: opts.topology.id,
    ok,
    hosts: results,
    durationMs: Math.round(performance.now() - started),
  };
}

/** One line per host, then a summary naming the hosts that still revert by themselves. */
export function formatConfirm(result: ConfirmResult): string {
  const width = Math.max(4, ...result.hosts.map((h) => h.hostName.length));
  const pad = ' '.repeat(width + 2);
  const lines = result.hosts.map((h) => {
    let what: string;
    if (h.outcome === 'confirmed') what = `confirmed (run ${h.confirmed.join(', ')}): the change stays`;
    else if (h.outcome === 'none') what = h.reverted.length > 0 ? 'nothing armed' : 'nothing to confirm or revert';
    else if (h.outcome === 'reverted') what = 'reverted';
    else what = `${h.outcome}: ${h.error?.message ?? ''}`;
    let line = `${h.hostName.padEnd(width)}  ${what}`;
    for (const r of h.reverted) line += `\n${pad}${formatRevertRecord(r)}`;
    return line;
  });
  const cut = result.hosts.filter((h) => h.outcome === 'unreachable' || h.outcome === 'failed').map((h) => h.hostName);
  if (cut.length > 0)
    lines.push(
      result.action === 'confirm'
        ? `NOT confirmed on ${cut.join(', ')}: not reached; an armed revert there runs by itself at its deadline.`
        : `NOT reverted now on ${cut.join(', ')}: not reached; an armed revert there runs by itself at its deadline.`,
    );
  return lines.join('\n');
}
