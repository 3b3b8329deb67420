import { Handle, Position, useConnection, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { SegmentFlowNode } from './convert';
import { Badge } from '../problems/Badge';
import { useOverview } from './overview';
import styles from './Overview.module.css';

const FLOOD_LABEL = { 'point-to-point': 'point-to-point', 'unicast-mesh': 'unicast mesh', multicast: 'multicast' } as const;

function SegmentNodeView({ id, data, selected }: NodeProps<SegmentFlowNode>) {
  const { segment } = data;
  // Only while a connection is dragged: the card-sized handle would otherwise take the clicks
  // and drags that select and move the card (handles are `nodrag`).
  const connecting = useConnection((c) => c.inProgress);
  const overview = useOverview();
  const flood = segment.flood.mode === 'multicast' ? `multicast ${segment.flood.group}` : FLOOD_LABEL[segment.flood.mode];
  return (
    <div
      className={`node node-segment${selected ? ' selected' : ''}${overview ? ` ${styles.card}` : ''}`}
      data-testid="segment-node"
    >
      <Handle type="target" position={Position.Left} className="handle" />
      {/* Dropping anywhere on the card connects, not only on the 10-px handle: React Flow takes the
          handle under the pointer first. After the left handle, so edges keep ending on that one. */}
      {connecting && (
        <Handle id="card" type="target" position={Position.Left} className="handle-card" isConnectableStart={false} />
      )}
      {!overview && <div className="node-kind">Segment</div>}
      <div className="node-title">{segment.name}</div>
      {!overview && (
        <div className="node-line">
          <span className="vni" data-testid="segment-vni">
            VNI {segment.vni}
          </span>{' '}
          <span className="muted">{flood}</span>
        </div>
      )}
      {!overview && segment.subnet !== undefined && <div className="node-line mono muted">{segment.subnet}</div>}
      <Badge id={id} />
    </div>
  );
}

export const SegmentNode = memo(SegmentNodeView);
