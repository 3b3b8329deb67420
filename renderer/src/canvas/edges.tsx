import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { parseBadge, selectBadge } from '../problems/problems';
import { useStore } from '../store/store';
import { useEdgeHealth } from '../health/hooks';
import type { AttachmentFlowEdge, MembershipFlowEdge } from './convert';
import { useOverview } from './overview';

/**
 * Point at parameter t of the cubic bezier in an SVG path `M x,y C x,y x,y x,y`. Labels sit near
 * the host/bridge end (t ~ 0.3) so that several memberships of one segment do not stack their
 * labels where the edges converge.
 */
export function pointOnBezier(path: string, t: number): { x: number; y: number } | null {
  const n = path.match(/-?\d+(\.\d+)?(e-?\d+)?/g)?.map(Number);
  if (!n || n.length < 8) return null;
  const [x0, y0, x1, y1, x2, y2, x3, y3] = n as [number, number, number, number, number, number, number, number];
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return { x: a * x0 + b * x1 + c * x2 + d * x3, y: a * y0 + b * y1 + c * y2 + d * y3 };
}

/** A membership edge path's classes: selection, its problems' severity, its health. */
export function membershipEdgeClass(selected: boolean, badge: ReturnType<typeof parseBadge>, healthClass: string): string {
  return `edge-membership${selected ? ' selected' : ''}${badge ? ` edge-${badge.severity}` : ''}${healthClass}`;
}

function MembershipEdgeView(props: EdgeProps<MembershipFlowEdge>) {
  const { id, data, selected } = props;
  const [path, midX, midY] = getBezierPath(props);
  const at = pointOnBezier(path, 0.3);
  const labelX = at?.x ?? midX;
  const labelY = at?.y ?? midY;
  const badge = parseBadge(useStore(selectBadge(id)));
  const m = data?.membership;
  const label = m?.address ?? m?.device;
  const health = useEdgeHealth(id, m?.hostId ?? '', m?.segmentId ?? '');
  // Zoomed out the label is unreadable: the edge's colour carries its health and problems.
  const overview = useOverview();
  const cls = membershipEdgeClass(selected ?? false, badge, health.className);
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        className={cls}
        {...(props.interactionWidth === undefined ? {} : { interactionWidth: props.interactionWidth })}
      />
      {!overview && (label !== undefined || badge || health.tone !== '') && (
        <EdgeLabelRenderer>
          <div
            className={`edge-label nodrag nopan${badge ? ` edge-label-${badge.severity}` : ''}${selected ? ' selected' : ''}`}
            onClick={() => useStore.getState().setSelection([], [id])}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            title={[badge?.title, health.title].filter((t) => t !== undefined && t !== '').join('\n') || undefined}
            data-testid="edge-label"
            data-edge-id={id}
            data-host-id={m?.hostId}
            data-health={health.tone || undefined}
          >
            {label ?? ''}
            {badge ? <span className={`badge-inline badge-${badge.severity}`}>{badge.count}</span> : null}
            {health.badges !== '' && (
              <span className="health-badge" data-testid="health-badge">
                {health.badges.includes('FW') && (
                  <>
                    <svg viewBox="0 0 10 12" aria-hidden>
                      <path d="M5 0 10 2v4c0 3-2.2 5.2-5 6C2.2 11.2 0 9 0 6V2z" />
                    </svg>
                    FW
                  </>
                )}
                {health.badges.includes('MTU') && (health.badges.includes('FW') ? ' · MTU' : 'MTU')}
              </span>
            )}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

function AttachmentEdgeView(props: EdgeProps<AttachmentFlowEdge>) {
  const [path] = getBezierPath(props);
  return <BaseEdge id={props.id} path={path} className="edge-attachment" />;
}

export const MembershipEdge = memo(MembershipEdgeView);
export const AttachmentEdge = memo(AttachmentEdgeView);
