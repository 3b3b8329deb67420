/**
 * Topology edits both sides make: the renderer's inspector and health fix, and the backend's health
 * fix (which writes the same edit to the file). Pure, returning a new topology.
 */
import type { Segment, Topology } from './topology';

/** Sets segment `segmentId`'s overlay MTU. */
export function setSegmentMtu(t: Topology, segmentId: string, mtu: Segment['mtu']): Topology {
  return { ...t, segments: t.segments.map((s) => (s.id === segmentId ? { ...s, mtu } : s)) };
}
