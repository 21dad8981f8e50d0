import { createContext } from "react";

/**
 * Below this zoom a node's text is a few pixels tall: nodes show their name and health only, their
 * handles hide, and edges lose their labels and click targets. Drawing or selecting an edge takes
 * zooming in.
 */
export const DETAIL_ZOOM = 0.4;

/**
 * From this many services, a canvas zoomed out below DETAIL_ZOOM is drawn by the overview (one
 * `<canvas>`, see overview.tsx) instead of as xyflow's elements: 1,000 nodes and 1,500 edges took
 * seconds to draw that way and tens of milliseconds per frame to drag over. Smaller topologies keep
 * their elements, which are cheap at that size and can be focused, read out and hovered.
 */
export const OVERVIEW_MIN_SERVICES = 100;

/** Whether the canvas is zoomed in far enough to show each node's and edge's details. */
export const DetailContext = createContext(true);
