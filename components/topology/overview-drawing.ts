import type { Position } from "@/server/contracts/service";
import type { MetricPoint, SeriesKey } from "@/server/contracts/metrics";
import { healthHex } from "../service-summary";
import type { Rect, Viewport } from "./geometry";
import { NODE_HEIGHT, NODE_WIDTH } from "./layout";
import type { ServiceNodeType } from "./service-node";
import { edgeStroke, edgeTraffic, latestEdgeFigures, type TrafficEdgeType } from "./traffic-edge";

/** What the overview draws: the canvas' nodes and edges, one node perhaps being dragged elsewhere, and the live series for edge colours. */
export type OverviewScene = {
  nodes: readonly ServiceNodeType[];
  edges: readonly TrafficEdgeType[];
  dragged: { id: string; position: Position } | undefined;
  seriesOf(key: SeriesKey): MetricPoint[] | undefined;
  dark: boolean;
};

const palettes = {
  light: { fill: "#ffffff", text: "#18181b", idleBorder: "#d4d4d8" },
  dark: { fill: "#18181b", text: "#e4e4e7", idleBorder: "#3f3f46" },
};
const EXTERNAL_BORDER = "#a78bfa";
/** The zoomed-out node's look (see ServiceNode): a health dot and the name, large. */
const DOT_RADIUS = 12;
const NAME_FONT_PX = 30;
/** Names smaller than this on screen are noise: left out, and so is their cost. */
const LEGIBLE_PX = 5;
const none: MetricPoint[] = [];

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Path2Ds by colour: one stroke or fill per colour, not one per item. */
class ByColour {
  readonly paths = new Map<string, Path2D>();
  get(colour: string): Path2D {
    let path = this.paths.get(colour);
    if (!path) this.paths.set(colour, (path = new Path2D()));
    return path;
  }
}

/**
 * Draws the topology at `view` on a 2D context sized `width` × `height` CSS pixels at `pixelRatio`:
 * edges as curves coloured by their live traffic, nodes as boxes bordered by health with their
 * name when it is legible. Only what overlaps the visible area is drawn. Returns how many nodes and
 * edges were.
 */
export function drawOverview(ctx: CanvasRenderingContext2D, scene: OverviewScene, view: Viewport, width: number, height: number, pixelRatio: number) {
  const palette = scene.dark ? palettes.dark : palettes.light;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width * pixelRatio, height * pixelRatio);
  // From here on, flow coordinates.
  ctx.setTransform(pixelRatio * view.zoom, 0, 0, pixelRatio * view.zoom, pixelRatio * view.x, pixelRatio * view.y);
  const visible = { x: -view.x / view.zoom, y: -view.y / view.zoom, width: width / view.zoom, height: height / view.zoom };
  const onePixel = 1 / view.zoom;

  const at = new Map(scene.nodes.map((n) => [n.id, scene.dragged?.id === n.id ? scene.dragged.position : n.position]));
  const curves = new ByColour();
  let edgesDrawn = 0;
  for (const edge of scene.edges) {
    const from = at.get(edge.source);
    const to = at.get(edge.target);
    if (!from || !to) continue;
    // From the caller's right side to the callee's left, as xyflow's bezier edges run.
    const [sx, sy, tx, ty] = [from.x + NODE_WIDTH, from.y + NODE_HEIGHT / 2, to.x, to.y + NODE_HEIGHT / 2];
    const bend = Math.max(Math.abs(tx - sx) / 2, 25);
    const [left, right] = [Math.min(sx, tx - bend), Math.max(sx + bend, tx)];
    if (!overlaps({ x: left, y: Math.min(sy, ty), width: right - left, height: Math.abs(ty - sy) + onePixel }, visible)) continue;
    const traffic = edgeTraffic(latestEdgeFigures(scene.seriesOf(`edge:${edge.id}`) ?? none));
    const path = curves.get(edgeStroke(traffic.flowing, traffic.failing, false));
    path.moveTo(sx, sy);
    path.bezierCurveTo(sx + bend, sy, tx - bend, ty, tx, ty);
    edgesDrawn++;
  }
  ctx.lineWidth = Math.max(1.75, onePixel);
  for (const [colour, path] of curves.paths) {
    ctx.strokeStyle = colour;
    ctx.stroke(path);
  }

  const shown = scene.nodes.filter((n) => overlaps({ ...at.get(n.id)!, width: NODE_WIDTH, height: NODE_HEIGHT }, visible));
  const boxes = new Path2D();
  const borders = new ByColour();
  const dots = new ByColour();
  for (const node of shown) {
    const { x, y } = at.get(node.id)!;
    const { service, summary } = node.data;
    boxes.rect(x, y, NODE_WIDTH, NODE_HEIGHT);
    borders.get(service.external ? EXTERNAL_BORDER : summary.health === "idle" ? palette.idleBorder : healthHex[summary.health]).rect(x, y, NODE_WIDTH, NODE_HEIGHT);
    const dot = dots.get(healthHex[summary.health]);
    dot.moveTo(x + 12 + 2 * DOT_RADIUS, y + NODE_HEIGHT / 2);
    dot.arc(x + 12 + DOT_RADIUS, y + NODE_HEIGHT / 2, DOT_RADIUS, 0, 2 * Math.PI);
    const alerts = node.data.alerts;
    if (alerts) {
      const badge = dots.get(alerts.every((a) => a.silence) ? healthHex.idle : healthHex.down);
      badge.moveTo(x + NODE_WIDTH, y);
      badge.arc(x + NODE_WIDTH - DOT_RADIUS, y, DOT_RADIUS, 0, 2 * Math.PI);
    }
  }
  ctx.fillStyle = palette.fill;
  ctx.fill(boxes);
  ctx.lineWidth = Math.max(2, onePixel);
  for (const [colour, path] of borders.paths) {
    ctx.strokeStyle = colour;
    ctx.stroke(path);
  }
  for (const [colour, path] of dots.paths) {
    ctx.fillStyle = colour;
    ctx.fill(path);
  }
  if (NAME_FONT_PX * view.zoom >= LEGIBLE_PX) {
    ctx.fillStyle = palette.text;
    ctx.font = `600 ${NAME_FONT_PX}px ui-sans-serif, system-ui, sans-serif`;
    ctx.textBaseline = "middle";
    const textLeft = 12 + 2 * DOT_RADIUS + 12;
    for (const node of shown) {
      const { x, y } = at.get(node.id)!;
      ctx.fillText(node.data.service.name, x + textLeft, y + NODE_HEIGHT / 2, NODE_WIDTH - textLeft - 12);
    }
  }
  return { nodes: shown.length, edges: edgesDrawn };
}
