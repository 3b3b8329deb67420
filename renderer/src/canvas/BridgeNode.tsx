import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { BridgeFlowNode } from './convert';
import { Badge } from '../problems/Badge';

function BridgeNodeView({ id, data, selected }: NodeProps<BridgeFlowNode>) {
  return (
    <div className={`node node-bridge${selected ? ' selected' : ''}`} data-testid="bridge-node">
      <Handle type="target" position={Position.Left} className="handle" isConnectable={false} />
      <div className="node-kind">Bridge</div>
      <div className="node-title mono">{data.name}</div>
      <Badge id={id} />
      <Handle type="source" position={Position.Right} className="handle" />
    </div>
  );
}

export const BridgeNode = memo(BridgeNodeView);
