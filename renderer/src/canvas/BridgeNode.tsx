import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { BridgeFlowNode } from './convert';
import { Badge } from '../problems/Badge';
import { useOverview } from './overview';
import styles from './Overview.module.css';

function BridgeNodeView({ id, data, selected }: NodeProps<BridgeFlowNode>) {
  const overview = useOverview();
  return (
    <div
      className={`node node-bridge${selected ? ' selected' : ''}${overview ? ` ${styles.card}` : ''}`}
      data-testid="bridge-node"
    >
      <Handle type="target" position={Position.Left} className="handle" isConnectable={false} />
      {!overview && <div className="node-kind">Bridge</div>}
      <div className="node-title mono">{data.name}</div>
      <Badge id={id} />
      <Handle type="source" position={Position.Right} className="handle" />
    </div>
  );
}

export const BridgeNode = memo(BridgeNodeView);
