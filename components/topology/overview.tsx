"use client";

import { useStoreApi } from "@xyflow/react";
import { useEffect, useLayoutEffect, useRef, type RefObject } from "react";
import type { Position } from "@/server/contracts/service";
import { useRecentSeriesStore } from "../realtime/live-metrics";
import { nodeAt, toFlowPoint, type Rect } from "./geometry";
import { drawOverview, type OverviewScene } from "./overview-drawing";
import type { ServiceNodeType } from "./service-node";
import type { TrafficEdgeType } from "./traffic-edge";

/** How far (CSS pixels) a press on a node may wander and still be a click, not a drag. */
const CLICK_SLOP = 4;

export type OverviewProps = {
  nodes: readonly ServiceNodeType[];
  edges: readonly TrafficEdgeType[];
  /** The nodes' boxes, for finding the one under the pointer. */
  boxes: ReadonlyArray<Rect & { id: string }>;
  dark: boolean;
  /** The element holding the flow: presses on it are looked at before xyflow's panning sees them. */
  container: RefObject<HTMLElement | null>;
  onSelect(id: string): void;
  onMove(id: string, position: Position): void;
};

/** A press on a node, until it is let go. */
type Press = { id: string; pointerId: number; from: { x: number; y: number }; origin: Position; draggable: boolean; moved: boolean };

/**
 * A big topology zoomed out (see OVERVIEW_MIN_SERVICES), drawn on one `<canvas>` under xyflow's
 * (then nearly empty) layer: 1,000 services and 1,500 edges as elements took seconds to draw and
 * tens of milliseconds per frame to drag over; here a frame is one pass over plain arrays. Clicking a node
 * selects it (xyflow then draws it, and it can be deleted or dragged there); dragging one moves it;
 * a press anywhere else pans as before.
 */
export function TopologyOverview(props: OverviewProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const flow = useStoreApi();
  const series = useRecentSeriesStore();
  const latest = useRef(props);
  const dragged = useRef<OverviewScene["dragged"]>(undefined);
  const frame = useRef(0);

  /** Draws at the next frame, once however many changes come before it. */
  const redraw = useRef(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const element = canvas.current;
      if (!element) return;
      const { clientWidth: width, clientHeight: height } = element;
      const ratio = window.devicePixelRatio || 1;
      if (element.width !== Math.round(width * ratio) || element.height !== Math.round(height * ratio)) {
        element.width = Math.round(width * ratio);
        element.height = Math.round(height * ratio);
      }
      const [x, y, zoom] = flow.getState().transform;
      const { nodes, edges, dark } = latest.current;
      const scene = { nodes, edges, dark, dragged: dragged.current, seriesOf: (key: `${string}:${string}`) => series?.get(key) };
      const drawn = drawOverview(element.getContext("2d")!, scene, { x, y, zoom }, width, height, ratio);
      element.dataset.nodes = String(drawn.nodes);
      element.dataset.edges = String(drawn.edges);
    });
  }).current;

  useLayoutEffect(() => {
    latest.current = props;
    redraw();
  });

  useEffect(() => {
    const element = canvas.current!;
    const resized = new ResizeObserver(redraw);
    resized.observe(element);
    const stopFlow = flow.subscribe((state, previous) => state.transform !== previous.transform && redraw());
    const stopSeries = series?.subscribeAll(redraw);
    return () => {
      resized.disconnect();
      stopFlow();
      stopSeries?.();
      cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, [flow, series, redraw]);

  useOverviewPointer(props.container, flow, latest, dragged, redraw);

  return (
    <canvas
      ref={canvas}
      data-testid="topology-overview"
      role="img"
      aria-label={`${props.nodes.length} services and ${props.edges.length} dependencies, zoomed out: click a service to select it, drag it to move it, zoom in for details`}
      className="pointer-events-none absolute inset-0 h-full w-full"
    />
  );
}

/**
 * Presses on drawn nodes, caught on their way down to xyflow's pane (which would pan): a click
 * selects, a drag moves the node (drawn at the pointer meanwhile, saved on release). Presses on
 * xyflow's own nodes, its panels, or empty space go on as before.
 */
function useOverviewPointer(
  container: RefObject<HTMLElement | null>,
  flow: ReturnType<typeof useStoreApi>,
  latest: RefObject<OverviewProps>,
  dragged: RefObject<OverviewScene["dragged"]>,
  redraw: () => void,
) {
  useEffect(() => {
    const root = container.current!;
    let press: Press | undefined;
    let swallowClick = false;

    const flowPoint = (event: MouseEvent) => {
      const box = root.getBoundingClientRect();
      const [x, y, zoom] = flow.getState().transform;
      return toFlowPoint({ x: event.clientX - box.left, y: event.clientY - box.top }, { x, y, zoom });
    };
    /** The drawn node under the pointer, if it is over the bare pane (not a node xyflow draws, nor a panel). */
    const nodeUnder = (event: MouseEvent) => {
      const target = event.target instanceof Element ? event.target : null;
      if (!target?.closest(".react-flow__pane") || target.closest(".react-flow__node")) return undefined;
      const id = nodeAt(flowPoint(event), latest.current.boxes);
      return id === undefined ? undefined : latest.current.nodes.find((n) => n.id === id);
    };

    const move = (event: PointerEvent) => {
      if (!press || event.pointerId !== press.pointerId) return;
      const [dx, dy] = [event.clientX - press.from.x, event.clientY - press.from.y];
      if (!press.moved && Math.hypot(dx, dy) < CLICK_SLOP) return;
      press.moved = true;
      if (!press.draggable) return;
      const zoom = flow.getState().transform[2];
      dragged.current = { id: press.id, position: { x: press.origin.x + dx / zoom, y: press.origin.y + dy / zoom } };
      redraw();
    };
    const release = (event: PointerEvent) => {
      if (!press || event.pointerId !== press.pointerId) return;
      const done = press;
      press = undefined;
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", release);
      window.removeEventListener("pointercancel", release);
      const to = dragged.current;
      dragged.current = undefined;
      if (event.type === "pointercancel") redraw();
      else if (!done.moved) latest.current.onSelect(done.id);
      else if (to) latest.current.onMove(done.id, to.position);
    };
    const down = (event: PointerEvent) => {
      const node = event.button === 0 ? nodeUnder(event) : undefined;
      swallowClick = node !== undefined;
      if (!node) return;
      event.stopPropagation();
      press = { id: node.id, pointerId: event.pointerId, from: { x: event.clientX, y: event.clientY }, origin: node.position, draggable: node.draggable !== false, moved: false };
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", release);
      window.addEventListener("pointercancel", release);
    };
    // What follows a press on a node would reach the pane as a pan (mousedown, touchstart) or as a
    // click on nothing, which clears the selection.
    const swallow = (event: Event) => {
      if (press || swallowClick) event.stopPropagation();
      if (event.type === "click") swallowClick = false;
    };
    const hover = (event: PointerEvent) => {
      if (press || !(event.target instanceof HTMLElement) || !event.target.classList.contains("react-flow__pane")) return;
      const node = nodeUnder(event);
      event.target.style.cursor = node ? (node.draggable === false ? "pointer" : "grab") : "";
    };

    root.addEventListener("pointerdown", down, { capture: true });
    root.addEventListener("mousedown", swallow, { capture: true });
    root.addEventListener("touchstart", swallow, { capture: true });
    root.addEventListener("click", swallow, { capture: true });
    root.addEventListener("pointermove", hover);
    return () => {
      root.removeEventListener("pointerdown", down, { capture: true });
      root.removeEventListener("mousedown", swallow, { capture: true });
      root.removeEventListener("touchstart", swallow, { capture: true });
      root.removeEventListener("click", swallow, { capture: true });
      root.removeEventListener("pointermove", hover);
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", release);
      window.removeEventListener("pointercancel", release);
      if (press) dragged.current = undefined;
      // The pane's cursor, if a node was under the pointer when the overview went away.
      root.querySelector<HTMLElement>(".react-flow__pane")?.style.removeProperty("cursor");
    };
  }, [container, flow, latest, dragged, redraw]);
}
