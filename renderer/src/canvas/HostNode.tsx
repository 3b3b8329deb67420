import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { HostFlowNode } from './convert';
import { Badge } from '../problems/Badge';
import { DeployBadge } from '../deploy/DeployBadge';
import { useHostHealth } from '../health/hooks';
import { useOverview } from './overview';
import styles from './Overview.module.css';

function HostNodeView({ id, data, selected }: NodeProps<HostFlowNode>) {
  const { host } = data;
  const address = host.underlay.address === 'auto' ? 'address auto' : host.underlay.address;
  const iface = host.underlay.interface === 'auto' ? 'dev auto' : `dev ${host.underlay.interface}`;
  const health = useHostHealth(id);
  const overview = useOverview();
  return (
    <div
      className={`node node-host${selected ? ' selected' : ''}${health.className}${overview ? ` ${styles.card}` : ''}`}
      data-testid="host-node"
      data-host-id={id}
      title={health.title || undefined}
    >
      {!overview && <div className="node-kind">Host</div>}
      <div className="node-title">{host.name}</div>
      {!overview && (
        <>
          <div className="node-line mono" data-testid="host-underlay">
            {address} <span className="muted">· {iface}</span>
          </div>
          <div className="node-line muted">
            {host.ssh.user}@{host.ssh.host}
            {host.ssh.port === 22 ? '' : `:${host.ssh.port}`}
            {host.sudo ? ' · sudo' : ''}
          </div>
        </>
      )}
      <Badge id={id} />
      <DeployBadge hostId={id} />
      <Handle type="source" position={Position.Right} className="handle" />
    </div>
  );
}

export const HostNode = memo(HostNodeView);
