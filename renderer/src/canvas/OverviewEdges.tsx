import { useStore as useFlowStore, useStoreApi as useFlowStoreApi, ViewportPortal } from '@xyflow/react';
import { useMemo, useRef } from 'react';
import { useStore } from '../store/store';
import type { StudioEdge, StudioNode } from './convert';
import { edgeClassesSelector, overviewPaths, type CachedPath, type ChunkCache } from './overview-edges';
import styles from './Overview.module.css';

/**
 * Every edge of the zoomed-out canvas in one <svg> inside React Flow's viewport, below the cards
 * (see overview-edges.ts). Re-renders when React Flow's nodes move or are measured, and when an
 * edge's look changes.
 */
export function OverviewEdges({ edges }: { edges: readonly StudioEdge[] }) {
  // Subscribed for its changes only: the positions and handles are read from the node lookup.
  useFlowStore((s) => s.nodes);
  const lookup = useFlowStoreApi<StudioNode, StudioEdge>().getState().nodeLookup;
  const classes = useStore(useMemo(() => edgeClassesSelector(edges), [edges]));
  const cache = useRef(new Map<string, CachedPath>());
  const chunks = useRef<ChunkCache>(new Map());
  const paths = overviewPaths(edges, classes, lookup, cache.current, chunks.current);
  return (
    <ViewportPortal>
      <svg className={styles.edges} data-testid="overview-edges" aria-hidden>
        {paths.map((p) => (
          <path key={p.key} className={`react-flow__edge-path ${p.className}`} d={p.d} data-edges={p.count} />
        ))}
      </svg>
    </ViewportPortal>
  );
}
