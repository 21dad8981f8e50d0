import { createContext } from "react";

/**
 * Below this zoom a node's text is a few pixels tall: nodes show their name and health only, their
 * handles hide, and edges lose their labels and click targets, so a zoomed-out canvas of 1,000
 * services stays cheap to draw and to drag. Drawing or selecting an edge takes zooming in.
 */
export const DETAIL_ZOOM = 0.4;

/** Whether the canvas is zoomed in far enough to show each node's and edge's details. */
export const DetailContext = createContext(true);
