import type { Position } from "@/server/contracts/service";

/** A box: in flow coordinates for nodes, in pixels of the canvas for what is on screen. */
export type Rect = { x: number; y: number; width: number; height: number };
/** xyflow's viewport: a flow point p is drawn at (p.x × zoom + x, p.y × zoom + y) on the canvas. */
export type Viewport = { x: number; y: number; zoom: number };

const contains = (box: Rect, point: Position) => point.x >= box.x && point.x <= box.x + box.width && point.y >= box.y && point.y <= box.y + box.height;

/** The node whose box holds `point`; where boxes overlap, the last one (drawn on top). */
export function nodeAt(point: Position, boxes: ReadonlyArray<Rect & { id: string }>): string | undefined {
  return boxes.findLast((box) => contains(box, point))?.id;
}

/** The smallest box around all of `boxes`; undefined for none. */
export function boundsOf(boxes: readonly Rect[]): Rect | undefined {
  if (boxes.length === 0) return undefined;
  const left = Math.min(...boxes.map((b) => b.x));
  const top = Math.min(...boxes.map((b) => b.y));
  const right = Math.max(...boxes.map((b) => b.x + b.width));
  const bottom = Math.max(...boxes.map((b) => b.y + b.height));
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** A point of the canvas (pixels from its top left) in flow coordinates. */
export function toFlowPoint(point: Position, viewport: Viewport): Position {
  return { x: (point.x - viewport.x) / viewport.zoom, y: (point.y - viewport.y) / viewport.zoom };
}

/**
 * The part of the canvas not under the side panel (which sits on its right), in the canvas'
 * pixels; both boxes as the browser measures them. A panel leaving less than `minWidth` beside it
 * (a phone's, which covers everything) counts as none: there is nowhere beside it to show anything.
 */
export function areaBeside(canvas: Rect, panel: Rect | undefined, minWidth: number): Rect {
  const whole = { x: 0, y: 0, width: canvas.width, height: canvas.height };
  if (!panel) return whole;
  const width = Math.min(canvas.width, panel.x - canvas.x);
  return width < minWidth ? whole : { ...whole, width };
}

/**
 * The viewport showing all of `bounds` (flow coordinates) centred in `area` (canvas pixels), as
 * large as fits with `padding` (a fraction of the bounds) around it, zoom kept within limits.
 */
export function fitViewport(bounds: Rect, area: Rect, limits: { padding: number; minZoom: number; maxZoom: number }): Viewport {
  const fits = Math.min(area.width / (bounds.width * (1 + limits.padding)), area.height / (bounds.height * (1 + limits.padding)));
  const zoom = Math.min(limits.maxZoom, Math.max(limits.minZoom, fits));
  return {
    x: area.x + area.width / 2 - (bounds.x + bounds.width / 2) * zoom,
    y: area.y + area.height / 2 - (bounds.y + bounds.height / 2) * zoom,
    zoom,
  };
}

/** How far to move a span [start, start + size] so it lies within [min, max]; centred if it can't fit. */
function shiftInto(start: number, size: number, min: number, max: number): number {
  if (size > max - min) return (min + max) / 2 - (start + size / 2);
  if (start < min) return min - start;
  if (start + size > max) return max - (start + size);
  return 0;
}

/**
 * The viewport panned as little as possible (zoom unchanged) so `box` (flow coordinates) lies in
 * `area` (canvas pixels) with `margin` to spare; `viewport` itself when it already does.
 */
export function revealViewport(box: Rect, viewport: Viewport, area: Rect, margin: number): Viewport {
  const { zoom } = viewport;
  const dx = shiftInto(box.x * zoom + viewport.x, box.width * zoom, area.x + margin, area.x + area.width - margin);
  const dy = shiftInto(box.y * zoom + viewport.y, box.height * zoom, area.y + margin, area.y + area.height - margin);
  return dx === 0 && dy === 0 ? viewport : { x: viewport.x + dx, y: viewport.y + dy, zoom };
}
