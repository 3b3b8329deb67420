import { ViewportPortal } from '@xyflow/react';
import { memo, useMemo, useRef, type PointerEvent } from 'react';
import { DeployPill } from '../deploy/DeployBadge';
import { BadgeMark } from '../problems/Badge';
import { useStore } from '../store/store';
import type { Store } from '../store/types';
import type { StudioNode } from './convert';
import { cardLooksSelector, OVERVIEW_SIZE, type CardLook } from './overview-cards';
import styles from './Overview.module.css';

/**
 * A press before the card became a React Flow node (a touch, or a press in the very frame the
 * pointer arrived) selects it, as a click on a node does; the next press drags it.
 */
function select(id: string, e: PointerEvent): void {
  if (e.button !== 0) return;
  const s = useStore.getState();
  const add = e.ctrlKey || e.metaKey;
  s.setSelection(add ? [...s.selectedNodeIds.filter((n) => n !== id), id] : [id], add ? s.selectedEdgeIds : []);
}

interface CardProps {
  node: StudioNode;
  look: CardLook;
  /** The pointer entered the card: make it a React Flow node, so a press on it clicks or drags as usual. */
  onPoint: (id: string) => void;
}

const EMPTY_LOOK: CardLook = { className: '', title: undefined, badge: null, deploy: null };

/** Re-renders only when its node or its look changes (overview-cards.ts). */
const Card = memo(function Card({ node, look, onPoint }: CardProps) {
  const { kind } = node.data;
  const size = OVERVIEW_SIZE[kind];
  const name = kind === 'host' ? node.data.host.name : kind === 'segment' ? node.data.segment.name : node.data.name;
  return (
    <div
      // `nopan`: a press on a card never pans the canvas, as on a React Flow node.
      className={`node node-${kind} ${styles.card} ${styles.drawn} nopan${look.className}`}
      style={{ transform: `translate(${node.position.x}px, ${node.position.y}px)`, width: size.width, height: size.height }}
      data-testid="overview-card"
      data-id={node.id}
      data-kind={kind}
      title={look.title}
      // Not while a button is down: a card dragged over others must not turn them into nodes.
      onPointerEnter={(e) => e.buttons === 0 && onPoint(node.id)}
      onPointerDown={(e) => select(node.id, e)}
    >
      <div className={`node-title${kind === 'bridge' ? ' mono' : ''}`}>{name}</div>
      <BadgeMark badge={look.badge} />
      {look.deploy && <DeployPill badge={look.deploy} />}
    </div>
  );
});

/** The zoomed-out canvas's cards that are not React Flow nodes (overview-cards.ts), above its edges. */
export function OverviewCards({ nodes, onPoint }: { nodes: readonly StudioNode[]; onPoint: (id: string) => void }) {
  const looksCache = useRef(new Map<string, (s: Store) => CardLook>());
  const looks = useStore(useMemo(() => cardLooksSelector(nodes, looksCache.current), [nodes]));
  return (
    <ViewportPortal>
      <div className={styles.cards} data-testid="overview-cards">
        {nodes.map((n, i) => (
          <Card key={n.id} node={n} look={looks[i] ?? EMPTY_LOOK} onPoint={onPoint} />
        ))}
      </div>
    </ViewportPortal>
  );
}
