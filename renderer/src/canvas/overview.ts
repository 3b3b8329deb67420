/**
 * Level of detail. Below OVERVIEW_ZOOM a card's small print and the edge labels are too small to
 * read and cost most of the canvas's DOM (about ten elements per host, one label per membership):
 * the canvas then draws simplified cards (kind colour, name, badges) and bare edges. One context
 * value set by the canvas, so crossing the threshold re-renders the cards once and panning or
 * dragging never does.
 */
import { createContext, useContext } from 'react';

export const OVERVIEW_ZOOM = 0.5;

/** The smallest zoom: Fit must show a 1,000-host drawing whole (React Flow clamps Fit to it). */
export const MIN_ZOOM = 0.02;

export const OverviewContext = createContext(false);

/** True while the canvas is zoomed out below OVERVIEW_ZOOM. */
export function useOverview(): boolean {
  return useContext(OverviewContext);
}
