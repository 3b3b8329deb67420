/** The drawing's state: the topology with its history and field errors, and the canvas selection. */
import type { EdgeChange, NodeChange } from '@xyflow/react';
import type { Diagnostic } from '../../../shared/validate';
import type { Position, Topology } from '../../../shared/model';
import type { StudioEdge, StudioNode } from '../canvas/convert';

/** An inspector edit that did not parse: shown at the field, on the element and in Problems. */
export interface FieldError {
  elementId: string;
  /** Canvas node or edge id that shows the badge (same as elementId except for bridges). */
  canvasId: string;
  elementKind: 'topology' | 'host' | 'segment' | 'membership';
  field: string;
  label: string;
  raw: string;
  message: string;
}

export interface TopologySlice {
  topology: Topology;
  /** The topology as last opened or saved; `dirty` is `topology !== savedTopology`. */
  savedTopology: Topology | null;
  filePath: string | null;
  past: Topology[];
  future: Topology[];
  diagnostics: Diagnostic[];
  fieldErrors: Record<string, FieldError>;
  nodes: StudioNode[];
  edges: StudioEdge[];
  clipboard: Topology | null;
  /** Bumped by loadDocument, so the canvas fits the view once per opened document. */
  documentSeq: number;
  pasteCount: number;
  /** Replaces the document (New/Open/Recover): history and field errors start afresh. */
  loadDocument: (topology: Topology, filePath: string | null, opts?: { clean?: boolean }) => void;
  markSaved: (filePath: string, topology: Topology) => void;
  /** Applies an edit as one undoable step. */
  commit: (next: Topology) => void;
  /** Pushes the current topology as one undo step without changing it (start of a drag). */
  checkpoint: () => void;
  /** Applies canvas changes: positions (no history: the drag start made the checkpoint), sizes, selection. */
  applyNodeChanges: (changes: NodeChange<StudioNode>[]) => void;
  /** Applies edge selection changes from the canvas. */
  applyEdgeChanges: (changes: EdgeChange<StudioEdge>[]) => void;
  movePositions: (positions: Record<string, Position>) => void;
  /** Drops the newest refused field value if there is one, else steps the drawing back. */
  undo: () => void;
  redo: () => void;
  setFieldError: (error: FieldError) => void;
  clearFieldError: (elementId: string, field: string) => void;
  deleteSelection: () => void;
  copySelection: () => number;
  paste: () => void;
}

export interface SelectionSlice {
  selectedNodeIds: string[];
  selectedEdgeIds: string[];
  setSelection: (nodeIds: readonly string[], edgeIds: readonly string[]) => void;
  selectAll: () => void;
  clearSelection: () => void;
}
