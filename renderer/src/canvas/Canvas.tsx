import {
  Background,
  BackgroundVariant,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  getViewportForBounds,
  useNodesInitialized,
  useReactFlow,
  useStore as useFlowStore,
  useStoreApi as useFlowStoreApi,
  type Connection,
  type EdgeTypes,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeTypes,
  type Viewport,
} from '@xyflow/react';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { Position } from '../../../shared/model';
import { addBridge, addHost, addSegment, connect, GRID, resolveConnection } from '../editor/topology-ops';
import { useStore } from '../store/store';
import { DeployStatus } from '../deploy/DeployStatus';
import { BridgeNode } from './BridgeNode';
import { registerCanvasControls } from './controls';
import type { StudioEdge, StudioNode } from './convert';
import { AttachmentEdge, MembershipEdge } from './edges';
import { HostNode } from './HostNode';
import { DEFAULT_SIZE } from './layout';
import { MIN_ZOOM, OVERVIEW_ZOOM, OverviewContext } from './overview';
import { OverviewCards } from './OverviewCards';
import { drawnCardsInside, OVERVIEW_SIZE, overviewNodeCache, overviewNodes } from './overview-cards';
import { OverviewEdges } from './OverviewEdges';
import { SegmentNode } from './SegmentNode';
import { MOUNT_BATCH, OVERVIEW_BATCH, useStagedMount } from './staged';

/** Module scope: a new object per render would make React Flow remount every node. */
const nodeTypes = { host: HostNode, segment: SegmentNode, bridge: BridgeNode } satisfies NodeTypes;
const edgeTypes = { membership: MembershipEdge, attachment: AttachmentEdge } satisfies EdgeTypes;

/** Zoomed out React Flow draws no edges: the canvas's overview layer does (OverviewEdges). */
const NO_EDGES: StudioEdge[] = [];

/** MIME type of palette drags, so that dropping text or files on the canvas does nothing. */
export const PALETTE_MIME = 'application/x-vxlan-studio-element';
export type PaletteKind = 'host' | 'segment' | 'bridge';

const SNAP: [number, number] = [GRID, GRID];
const HALF_SIZE: Record<PaletteKind, Position> = {
  host: { x: 112, y: 44 },
  segment: { x: 104, y: 40 },
  bridge: { x: 64, y: 28 },
};

/**
 * Fit's padding and largest zoom, for the fit on open and the estimate made before it. Zoomed out
 * most cards are hidden from React Flow (overview-cards.ts): Fit counts them too.
 */
const FIT = { padding: 0.2, maxZoom: 1.2, includeHiddenNodes: true } as const;

/** Bounds of the drawing from stored positions, with default sizes for nodes not measured yet. */
function estimatedBounds(nodes: readonly StudioNode[]): { x: number; y: number; width: number; height: number } | null {
  if (nodes.length === 0) return null;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const n of nodes) {
    const size = DEFAULT_SIZE[n.data.kind];
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + (n.measured?.width ?? size.width));
    y1 = Math.max(y1, n.position.y + (n.measured?.height ?? size.height));
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The view an opened document is estimated to fit at, and whether the canvas has moved there yet. */
interface OpenedView {
  seq: number;
  viewport: Viewport | null;
  moved: boolean;
}

const minimapColor = (n: StudioNode): string =>
  n.data.kind === 'host' ? '#2f6fb3' : n.data.kind === 'segment' ? '#7a4fb8' : '#8a94a3';

export function Canvas() {
  const nodes = useStore((s) => s.nodes);
  const edges = useStore((s) => s.edges);
  const minimap = useStore((s) => s.minimap);
  const focusRequest = useStore((s) => s.focusRequest);
  const applyNodeChanges = useStore((s) => s.applyNodeChanges);
  const applyEdgeChanges = useStore((s) => s.applyEdgeChanges);
  const checkpoint = useStore((s) => s.checkpoint);
  const { screenToFlowPosition, fitView, setCenter, setViewport, getInternalNode } = useReactFlow<StudioNode, StudioEdge>();
  const flowStore = useFlowStoreApi<StudioNode, StudioEdge>();
  const zoomedOutView = useFlowStore((s) => s.transform[2] < OVERVIEW_ZOOM);

  useEffect(() => {
    registerCanvasControls({
      fitView: () => void fitView({ padding: FIT.padding, includeHiddenNodes: true, duration: 200 }),
    });
    return () => registerCanvasControls(null);
  }, [fitView]);

  // Fit once per opened document, after React Flow has measured its nodes; never while drawing, so
  // the view does not jump when the first node is dropped.
  const documentSeq = useStore((s) => s.documentSeq);
  // Before React Flow takes an opened document's nodes, the view moves to where Fit will put it,
  // estimated from the stored positions: the cards then mount once, at the level of detail they are
  // shown at. The estimate is made in the render that first sees the document, and until the view
  // has moved (a layout effect below) that render already takes its level of detail from it: zoomed
  // out, React Flow is not handed a first batch of full cards to mount and drop at once.
  const [opened, setOpened] = useState<OpenedView>({ seq: documentSeq, viewport: null, moved: true });
  let openedView = opened;
  if (opened.seq !== documentSeq) {
    const { width, height } = flowStore.getState();
    const bounds = estimatedBounds(nodes);
    const viewport =
      bounds && width > 0 && height > 0 ? getViewportForBounds(bounds, width, height, MIN_ZOOM, FIT.maxZoom, FIT.padding) : null;
    openedView = { seq: documentSeq, viewport, moved: viewport === null };
    setOpened(openedView);
  }
  const overview = !openedView.moved && openedView.viewport ? openedView.viewport.zoom < OVERVIEW_ZOOM : zoomedOutView;
  useLayoutEffect(() => {
    if (opened.moved || !opened.viewport) return;
    void setViewport(opened.viewport);
    setOpened({ ...opened, moved: true });
  }, [opened, setViewport]);
  const nodesInitialized = useNodesInitialized();
  // A large opened drawing mounts in stages (staged.ts); Fit waits until every card is in. Zoomed
  // out React Flow mounts only the live cards, and the stages are larger.
  const staged = useStagedMount(nodes, edges, documentSeq, overview ? OVERVIEW_BATCH : MOUNT_BATCH);
  // Zoomed out: the card under the pointer is a React Flow node (with the selected and dragged
  // ones), the others are drawn by the canvas (overview-cards.ts).
  const [pointed, setPointed] = useState<string | null>(null);
  const cardCache = useRef(overviewNodeCache());
  const zoomedOut = useMemo(
    () => (overview ? overviewNodes(staged.nodes, pointed, cardCache.current) : null),
    [overview, staged.nodes, pointed],
  );
  const onNodeMouseLeave = useCallback((_e: unknown, node: StudioNode) => {
    setPointed((p) => (p === node.id ? null : p));
  }, []);
  // React Flow's box selection (Shift+drag) skips hidden nodes: when the box is let go, the drawn
  // cards wholly inside it join the selection (its last rectangle is kept: React Flow clears it first).
  const selectionBox = useRef<{ x: number; y: number; width: number; height: number } | null>(null);
  useEffect(
    () =>
      flowStore.subscribe((s) => {
        if (s.userSelectionRect) selectionBox.current = s.userSelectionRect;
      }),
    [flowStore],
  );
  const onSelectionEnd = useCallback(() => {
    const box = selectionBox.current;
    selectionBox.current = null;
    if (!box) return;
    const { nodeLookup, transform } = flowStore.getState();
    const inside = drawnCardsInside(nodeLookup.values(), box, transform);
    if (inside.length === 0) return;
    const s = useStore.getState();
    s.setSelection([...new Set([...s.selectedNodeIds, ...inside])], s.selectedEdgeIds);
  }, [flowStore]);
  const flowNodeCount = useFlowStore((s) => s.nodeLookup.size);
  const fittedSeq = useRef(-1);
  useEffect(() => {
    if (fittedSeq.current === documentSeq) return;
    if (staged.staging || flowNodeCount !== nodes.length || (nodes.length > 0 && !nodesInitialized)) return;
    fittedSeq.current = documentSeq;
    if (nodes.length > 0) void fitView(FIT);
  }, [documentSeq, nodesInitialized, nodes.length, fitView, staged.staging, flowNodeCount]);

  useEffect(() => {
    if (!focusRequest) return;
    const node = getInternalNode(focusRequest.id);
    if (!node) return;
    // A card hidden from React Flow zoomed out was never measured.
    const w = node.measured.width ?? OVERVIEW_SIZE[node.data.kind].width;
    const h = node.measured.height ?? OVERVIEW_SIZE[node.data.kind].height;
    void setCenter(node.internals.positionAbsolute.x + w / 2, node.internals.positionAbsolute.y + h / 2, {
      zoom: 1.1,
      duration: 250,
    });
  }, [focusRequest, getInternalNode, setCenter]);

  const isValidConnection = useCallback<IsValidConnection<StudioEdge>>(
    (c) => !('error' in resolveConnection(useStore.getState().topology, c.source, c.target)),
    [],
  );

  const onConnect = useCallback((c: Connection) => {
    const s = useStore.getState();
    const r = connect(s.topology, c.source, c.target);
    if ('error' in r) s.notify('warning', r.error);
    else {
      s.commit(r.topology);
      s.setSelection([], [r.id]);
    }
  }, []);

  /** A refused connection says why, instead of silently snapping back. */
  const onConnectEnd = useCallback((_e: MouseEvent | TouchEvent, c: FinalConnectionState) => {
    if (c.isValid !== false || !c.fromNode || !c.toNode || c.fromNode.id === c.toNode.id) return;
    const s = useStore.getState();
    const r = resolveConnection(s.topology, c.fromNode.id, c.toNode.id);
    if ('error' in r) s.notify('warning', r.error);
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(PALETTE_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const kind = e.dataTransfer.getData(PALETTE_MIME) as PaletteKind | '';
      if (kind === '') return;
      e.preventDefault();
      const s = useStore.getState();
      const at = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const topLeft = {
        x: at.x - HALF_SIZE[kind === 'bridge' ? 'bridge' : kind].x,
        y: at.y - HALF_SIZE[kind === 'bridge' ? 'bridge' : kind].y,
      };
      if (kind === 'host' || kind === 'segment') {
        const r = kind === 'host' ? addHost(s.topology, topLeft) : addSegment(s.topology, topLeft);
        s.commit(r.topology);
        s.setSelection([r.id], []);
        return;
      }
      const hostId = hostAt(s.nodes, at);
      if (hostId === null) {
        s.notify('warning', 'A bridge belongs to a host: add a host first, then drop the bridge on it.');
        return;
      }
      // Dropped on a host: place the bridge to its right rather than on top of it.
      const host = s.nodes.find((n) => n.id === hostId);
      const onHost = host !== undefined && contains(host, at);
      const pos = onHost && host ? { x: host.position.x + (host.measured?.width ?? 224) + 64, y: host.position.y + 16 } : topLeft;
      const r = addBridge(s.topology, hostId, pos);
      if ('error' in r) {
        s.notify('warning', r.error);
        return;
      }
      s.commit(r.topology);
      s.setSelection([r.id], []);
    },
    [screenToFlowPosition],
  );

  return (
    <div
      className="canvas"
      onDragOver={onDragOver}
      onDrop={onDrop}
      data-testid="canvas"
      data-detail={overview ? 'overview' : 'full'}
    >
      <OverviewContext value={overview}>
        <ReactFlow<StudioNode, StudioEdge>
          nodes={zoomedOut?.flow ?? staged.nodes}
          edges={overview ? NO_EDGES : staged.edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={applyNodeChanges}
          onNodeMouseLeave={onNodeMouseLeave}
          onSelectionEnd={onSelectionEnd}
          onEdgesChange={applyEdgeChanges}
          onNodeDragStart={checkpoint}
          onSelectionDragStart={checkpoint}
          onConnect={onConnect}
          onConnectEnd={onConnectEnd}
          isValidConnection={isValidConnection}
          connectionMode={ConnectionMode.Strict}
          snapToGrid
          snapGrid={SNAP}
          deleteKeyCode={null}
          selectionKeyCode="Shift"
          multiSelectionKeyCode={['Control', 'Meta']}
          minZoom={MIN_ZOOM}
          // Only the cards and edges in view are in the DOM: at 1x a 500-host drawing shows a few dozen.
          onlyRenderVisibleElements
          proOptions={{ hideAttribution: true }}
        >
          {overview && <OverviewEdges edges={staged.edges} />}
          {zoomedOut && <OverviewCards nodes={zoomedOut.drawn} onPoint={setPointed} />}
          {/* Zoomed out, the grid's dots would be a few pixels apart: thousands to paint every frame. */}
          {!overview && <Background variant={BackgroundVariant.Dots} gap={GRID} size={1.2} color="#c7cdd6" />}
          <Controls showInteractive={false} />
          {/* The minimap shows only React Flow's cards that are not hidden: zoomed out, the live ones. */}
          {minimap && !overview && <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={2} />}
        </ReactFlow>
      </OverviewContext>
      <DeployStatus />
      {nodes.length === 0 && (
        <div className="canvas-empty">
          <strong>Empty drawing</strong>
          <span>
            Drag a Host and a Segment from the palette, then connect them. Or start from{' '}
            <strong data-testid="empty-hint-control">Templates</strong> in the toolbar.
          </span>
        </div>
      )}
    </div>
  );
}

function contains(n: StudioNode, p: Position): boolean {
  const w = n.measured?.width ?? 224;
  const h = n.measured?.height ?? 96;
  return p.x >= n.position.x && p.x <= n.position.x + w && p.y >= n.position.y && p.y <= n.position.y + h;
}

/** The host node under the point, else the nearest host node, else null. */
function hostAt(nodes: readonly StudioNode[], p: Position): string | null {
  const hosts = nodes.filter((n) => n.data.kind === 'host');
  const under = hosts.find((n) => contains(n, p));
  if (under) return under.id;
  let best: { id: string; d: number } | null = null;
  for (const n of hosts) {
    const cx = n.position.x + (n.measured?.width ?? 224) / 2;
    const cy = n.position.y + (n.measured?.height ?? 96) / 2;
    const d = (cx - p.x) ** 2 + (cy - p.y) ** 2;
    if (!best || d < best.d) best = { id: n.id, d };
  }
  return best?.id ?? null;
}
