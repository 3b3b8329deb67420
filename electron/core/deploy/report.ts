/**
 * Deploy results for people (a per-host diff and outcome table) and for machines (the stable
 * `--json` object of `vxlan-studio apply|destroy|status`).
 */
import type { AppErrorData } from '../../../shared/errors/catalogue';
import { formatRevertRecord } from './confirm';
import type { HostPersistReport } from './persist';
import type { ConfirmWindow, DeployAction, DeployResult, HostDeployResult, RevertRecord } from './types';

/** Version of the `--json` shape; bump on any incompatible change. */
export const DEPLOY_JSON_VERSION = 1;

export interface DeployJson {
  version: number;
  action: DeployAction;
  topology: string | null;
  ok: boolean;
  exitCode: number;
  runId: string | null;
  durationMs: number;
  /** Whether devices no longer drawn were removed (`--prune`). */
  prune: boolean;
  hosts: Array<{
    id: string;
    name: string;
    outcome: HostDeployResult['outcome'];
    steps: Array<{ index: number; shell: string; description: string; prune: boolean }>;
    applied: number;
    /** The review digest of the host's state and plan (see review.ts); null when it was not planned. */
    digest: string | null;
    /** Devices carrying this topology's mark that it no longer has: removed with `prune`, else left in place. */
    stale: string[];
    failure: HostDeployResult['failure'] | null;
    error: { code: string; message: string } | null;
    drift: string[];
    rollback: HostDeployResult['rollback'] | null;
    /** How the overlay survives a reboot (network manager files), or why it is runtime only. */
    persist: HostPersistReport | null;
    diagnostics: Array<{ code: string; severity: string; path: string; message: string }>;
    timings: HostDeployResult['timings'];
    /** The revert armed on the host: this run's (apply --confirm-within) or one still open. */
    confirm: ConfirmWindow | null;
    /** Reverts the host ran since it was last contacted. */
    reverted: RevertRecord[];
  }>;
  diagnostics: Array<{ code: string; severity: string; path: string; message: string }>;
  error: { code: string; message: string } | null;
}

export function deployJson(
  action: DeployAction,
  result: DeployResult | undefined,
  exitCode: number,
  error?: AppErrorData | { code: string; message: string },
): DeployJson {
  return {
    version: DEPLOY_JSON_VERSION,
    action,
    topology: result?.topologyId ?? null,
    ok: exitCode === 0,
    exitCode,
    runId: result?.runId ?? null,
    durationMs: result?.durationMs ?? 0,
    prune: result?.prune ?? false,
    hosts: (result?.hosts ?? []).map((h) => ({
      id: h.hostId,
      name: h.hostName,
      outcome: h.outcome,
      steps: h.steps.map((s) => ({ index: s.index, shell: s.shell, description: s.description, prune: s.prune === true })),
      applied: h.applied,
      digest: h.digest ?? null,
      stale: h.stale,
      failure: h.failure ?? null,
      error: h.error ? { code: h.error.code, message: h.error.message } : null,
      drift: (h.drift ?? []).map((s) => s.shell),
      rollback: h.rollback ?? null,
      persist: h.persist ?? null,
      diagnostics: h.diagnostics.map((d) => ({ code: d.code, severity: d.severity, path: d.path, message: d.message })),
      timings: h.timings,
      confirm: h.confirm ?? null,
      reverted: h.reverted ?? [],
    })),
    diagnostics: (result?.diagnostics ?? []).map((d) => ({
      code: d.code,
      severity: d.severity,
      path: d.path,
      message: d.message,
    })),
    error: error ? { code: error.code, message: error.message } : null,
  };
}

/**
 * What happens to the devices a host has that the drawing no longer has: one line when the run
 * leaves them (`left: vxlan200 (no longer drawn; use --prune to remove)`), none when it removes them
 * (their steps say so).
 */
function staleLine(h: HostDeployResult, prune: boolean): string | undefined {
  if (prune || h.stale.length === 0) return undefined;
  return `left: ${h.stale.join(', ')} (no longer drawn; use --prune to remove)`;
}

const FILE_KINDS = new Set(['file-write', 'file-remove', 'persist-reload']);

/** One line on reboots: the manager whose files the run keeps, or why the overlay is runtime only. */
function persistSentence(p: HostPersistReport): string {
  return p.manager !== undefined
    ? `persistent via ${p.manager}`
    : `NOT persistent (runtime only): ${p.runtimeOnly ?? 'no manager'}`;
}

/**
 * Whether the host's overlay survives a reboot, and its network manager file changes as unified
 * diffs (their commands carry whole files, so the diff is what people read).
 */
function persistLines(h: HostDeployResult, action: DeployAction): string[] {
  const p = h.persist;
  if (p === undefined) return [];
  const lines: string[] = [];
  if (action !== 'destroy') lines.push(persistSentence(p));
  for (const f of p.files) {
    lines.push(`${f.change} ${f.path} (${f.description})`);
    lines.push(
      ...f.diff
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  return lines.map((l) => `  ${l}`);
}

/** The per-host diff as shown before asking for confirmation. */
export function formatDiff(result: DeployResult): string {
  const lines: string[] = [];
  for (const h of result.hosts) {
    if (h.outcome === 'unreachable' || h.outcome === 'failed') {
      lines.push(`${h.hostName}: cannot plan: ${h.error?.message ?? h.outcome}`);
      continue;
    }
    if (h.steps.length === 0) lines.push(`${h.hostName}: up to date, nothing to change`);
    else lines.push(`${h.hostName}: ${h.steps.length} change${h.steps.length === 1 ? '' : 's'}`);
    for (const s of h.steps.filter((x) => !FILE_KINDS.has(x.kind)))
      lines.push(
        `  ${s.kind.endsWith('del') || s.kind === 'link-nomaster' ? '-' : '+'} ${s.shell}    # ${s.description}${s.prune === true ? ' [--prune]' : ''}`,
      );
    const left = staleLine(h, result.prune);
    if (left !== undefined) lines.push(`  ${left}`);
    lines.push(...persistLines(h, result.action));
    // Notes (another drawing's devices, left alone) are worth a line even when nothing changes.
    for (const d of h.diagnostics)
      if (h.steps.length > 0 || d.severity === 'info') lines.push(`  ${d.severity}: ${d.path}: ${d.message}`);
  }
  return lines.join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** One line per host with its outcome, timing and, on failure, the step, exit code and stderr tail. */
export function formatOutcome(result: DeployResult): string {
  const width = Math.max(4, ...result.hosts.map((h) => h.hostName.length));
  const lines = result.hosts.map((h) => {
    let what: string = h.outcome;
    if (h.outcome === 'applied') what = `applied ${h.applied} step${h.applied === 1 ? '' : 's'}`;
    if (h.outcome === 'pending') what = `${h.steps.length} change${h.steps.length === 1 ? '' : 's'} pending`;
    if (h.outcome === 'unchanged') what = result.action === 'status' ? 'converged' : 'unchanged';
    let line = `${h.hostName.padEnd(width)}  ${what.padEnd(18)} ${seconds(h.timings.totalMs)}`;
    if (h.failure)
      line += `\n${' '.repeat(width + 2)}step ${h.failure.step + 1}: ${h.failure.shell} (exit ${String(h.failure.exitCode)})${h.failure.stderrTail ? `: ${h.failure.stderrTail}` : ''}`;
    if (h.error && !h.failure) line += `\n${' '.repeat(width + 2)}${h.error.code}: ${h.error.message}`;
    else if (h.error && h.error.code !== 'COMMAND_FAILED')
      line += `\n${' '.repeat(width + 2)}${h.error.code}: ${h.error.message}`;
    if (h.rollback)
      line += `\n${' '.repeat(width + 2)}rollback: ${h.rollback.ok ? `undid the ${h.rollback.commands} command${h.rollback.commands === 1 ? '' : 's'} applied` : `FAILED (${h.rollback.failures.length} command(s) failed)`}`;
    if (h.drift) line += `\n${' '.repeat(width + 2)}still differs: ${h.drift.map((s) => s.shell).join('; ')}`;
    // Nothing ran there: its new plan, for the next review.
    if (h.error?.code === 'CHANGED_SINCE_REVIEW')
      for (const s of h.steps) line += `\n${' '.repeat(width + 2)}now planned: ${s.shell}    # ${s.description}`;
    const left = staleLine(h, result.prune);
    if (left !== undefined) line += `\n${' '.repeat(width + 2)}${left}`;
    const p = h.persist;
    if (p !== undefined && result.action !== 'destroy' && h.outcome !== 'failed' && h.outcome !== 'unreachable')
      line += `\n${' '.repeat(width + 2)}${persistSentence(p)}`;
    for (const r of h.reverted ?? []) line += `\n${' '.repeat(width + 2)}${formatRevertRecord(r)}`;
    if (h.confirm)
      line += `\n${' '.repeat(width + 2)}reverts by itself at ${h.confirm.deadline} unless confirmed (run ${h.confirm.runId})`;
    return line;
  });
  const counts = new Map<string, number>();
  for (const h of result.hosts) counts.set(h.outcome, (counts.get(h.outcome) ?? 0) + 1);
  lines.push(
    `${result.action} ${result.topologyId}: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')} in ${seconds(result.durationMs)}`,
  );
  return lines.join('\n');
}
