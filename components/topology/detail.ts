import { createContext } from "react";

/**
 * Below this zoom a node's text is a few pixels tall: the overview draws the whole topology on one
 * canvas instead of xyflow's elements (see overview.tsx), and the one node xyflow still draws, the
 * selected one, shows its name and health only, its handles hidden. Drawing or selecting an edge
 * takes zooming in.
 */
export const DETAIL_ZOOM = 0.4;

/** Whether the canvas is zoomed in far enough to show each node's and edge's details. */
export const DetailContext = createContext(true);
