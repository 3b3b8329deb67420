/**
 * Problems = validation diagnostics + inspector edits that did not parse, each pinned to the canvas
 * node or edge that shows it. Memoised on the store values it reads, so node badges can select a
 * primitive string and re-render only when their own badge changes.
 */
import { bridgeNodeId, type Topology } from '../../../shared/model';
import type { Diagnostic, Severity } from '../../../shared/validate';
import type { FieldError } from '../editor/types';
import type { Store } from '../store/types';

export interface Problem {
  key: string;
  severity: Severity;
  message: string;
  path: string;
  hint?: string;
  /** Canvas node/edge id to select and centre, when the problem belongs to one element. */
  canvasId?: string;
  target: 'node' | 'edge' | null;
  /** A field error is an edit that was refused and not applied to the document. */
  origin: 'validation' | 'field';
}

const BRIDGE_PATH = /^hosts\[(\d+)\]\.bridges\[(\d+)\]/;

function canvasTarget(d: Diagnostic, topology: Topology): Pick<Problem, 'canvasId' | 'target'> {
  if (d.elementId === undefined) return { target: null };
  if (d.elementKind === 'membership') return { canvasId: d.elementId, target: 'edge' };
  const m = BRIDGE_PATH.exec(d.path);
  if (d.elementKind === 'host' && m) {
    const host = topology.hosts[Number(m[1])];
    const bridge = host?.bridges[Number(m[2])];
    if (host && bridge !== undefined) return { canvasId: bridgeNodeId(host.id, bridge), target: 'node' };
  }
  if (d.elementKind === 'topology') return { target: null };
  return { canvasId: d.elementId, target: 'node' };
}

function fieldProblem(e: FieldError): Problem {
  return {
    key: `field:${e.elementId}:${e.field}`,
    severity: 'error',
    message: `${e.label} "${e.raw}" not applied: ${e.message}`,
    path: e.field,
    canvasId: e.canvasId,
    target: e.elementKind === 'topology' ? null : e.elementKind === 'membership' ? 'edge' : 'node',
    origin: 'field',
  };
}

const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

let memo: {
  d: Diagnostic[];
  f: Record<string, FieldError>;
  t: Topology;
  problems: Problem[];
  badges: Map<string, string>;
} | null = null;

function compute(s: Store): NonNullable<typeof memo> {
  if (memo && memo.d === s.diagnostics && memo.f === s.fieldErrors && memo.t === s.topology) return memo;
  const problems: Problem[] = [
    ...Object.values(s.fieldErrors).map(fieldProblem),
    ...s.diagnostics.map((d, i): Problem => {
      const p: Problem = {
        key: `diag:${i}:${d.code}:${d.path}`,
        severity: d.severity,
        message: d.message,
        path: d.path,
        origin: 'validation',
        ...canvasTarget(d, s.topology),
      };
      if (d.hint !== undefined) p.hint = d.hint;
      return p;
    }),
  ].sort((a, b) => rank[a.severity] - rank[b.severity]);
  const grouped = new Map<string, Problem[]>();
  for (const p of problems) {
    // Info findings stay in Problems: a blue badge on every node would drown the red and amber ones.
    if (p.canvasId === undefined || p.severity === 'info') continue;
    const list = grouped.get(p.canvasId) ?? [];
    list.push(p);
    grouped.set(p.canvasId, list);
  }
  const badges = new Map<string, string>();
  for (const [id, list] of grouped) {
    const worst = (list[0] as Problem).severity;
    badges.set(id, `${worst}\t${list.length}\t${list.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
  }
  memo = { d: s.diagnostics, f: s.fieldErrors, t: s.topology, problems, badges };
  return memo;
}

export function selectProblems(s: Store): Problem[] {
  return compute(s).problems;
}

/** Badge of one canvas element as a primitive (`severity\tcount\ttitle`), or '' when clean. */
export function selectBadge(id: string): (s: Store) => string {
  return (s) => compute(s).badges.get(id) ?? '';
}

export function parseBadge(badge: string): { severity: Severity; count: number; title: string } | null {
  if (badge === '') return null;
  const [severity, count, ...title] = badge.split('\t');
  return { severity: severity as Severity, count: Number(count), title: title.join('\t') };
}
