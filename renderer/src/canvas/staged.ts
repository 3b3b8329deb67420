/**
 * Mounting a large opened drawing in stages: React Flow mounts every card and edge it is given in
 * one commit, so a 500-host drawing opened at Fit (all of it in view) blocked the page for over half
 * a second in one task. An opened document with more than MOUNT_BATCH cards is handed to React Flow
 * MOUNT_BATCH cards more per animation frame (with the edges whose both ends are mounted), each
 * batch a task of its own; small drawings, and every later edit of any drawing, go through whole
 * and unchanged (the same arrays).
 */
import { useEffect, useMemo, useState } from 'react';

/**
 * Cards per stage: a batch and its edges mount in well under the 200 ms a task may take. Each stage
 * also re-syncs the cards already in (React Flow's node lookup, the minimap), so the later stages
 * of a 500-host drawing cost more than their new cards: 50 keeps the last ones short.
 */
export const MOUNT_BATCH = 50;

/**
 * Cards per stage zoomed out, where React Flow mounts none of them and the canvas draws plain
 * boxes (overview-cards.ts): 550 of those and their edges in one commit still made a task of
 * several hundred milliseconds on a loaded 2-core machine.
 */
export const OVERVIEW_BATCH = 150;

interface Stage {
  /** The document (`documentSeq`) the stage belongs to. */
  seq: number;
  /** How many of its cards are handed to React Flow; Infinity once all are. */
  limit: number;
}

/** The first `limit` nodes, and the edges between them; the same arrays when nothing is held back. */
export function stagedView<N extends { id: string }, E extends { source: string; target: string }>(
  nodes: N[],
  edges: E[],
  limit: number,
): { nodes: N[]; edges: E[] } {
  if (limit >= nodes.length) return { nodes, edges };
  const shown = nodes.slice(0, limit);
  const ids = new Set(shown.map((n) => n.id));
  return { nodes: shown, edges: edges.filter((e) => ids.has(e.source) && ids.has(e.target)) };
}

/**
 * What React Flow is given while the document `documentSeq` opens: `staging` is true until every
 * card is mounted (Fit waits for it). `batch`: cards added per stage (MOUNT_BATCH, or
 * OVERVIEW_BATCH zoomed out).
 */
export function useStagedMount<N extends { id: string }, E extends { source: string; target: string }>(
  nodes: N[],
  edges: E[],
  documentSeq: number,
  batch: number,
): { nodes: N[]; edges: E[]; staging: boolean } {
  const [stage, setStage] = useState<Stage>({ seq: documentSeq, limit: Infinity });
  let limit = stage.limit;
  if (stage.seq !== documentSeq) {
    // A document was opened: start its stages in this very render (React re-renders at once), so
    // React Flow never receives the whole drawing first.
    limit = nodes.length > batch ? batch : Infinity;
    setStage({ seq: documentSeq, limit });
  }
  const total = nodes.length;
  const staging = limit < total;
  useEffect(() => {
    if (!staging) return;
    // The last stage sets no limit at all: cards added later are never held back.
    const frame = requestAnimationFrame(() =>
      setStage((s) => (s.seq === documentSeq ? { seq: s.seq, limit: s.limit + batch >= total ? Infinity : s.limit + batch } : s)),
    );
    return () => cancelAnimationFrame(frame);
  }, [staging, limit, documentSeq, total, batch]);
  const view = useMemo(() => stagedView(nodes, edges, limit), [nodes, edges, limit]);
  return { ...view, staging };
}
