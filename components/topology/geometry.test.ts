import { describe, expect, it } from "vitest";
import { areaBeside, boundsOf, fitViewport, nodeAt, revealViewport, toFlowPoint, type Rect, type Viewport } from "./geometry";

const box = (id: string, x: number, y: number, width = 200, height = 100) => ({ id, x, y, width, height });
/** Where a flow box is drawn on the canvas under `viewport`. */
const onScreen = (b: Rect, v: Viewport): Rect => ({ x: b.x * v.zoom + v.x, y: b.y * v.zoom + v.y, width: b.width * v.zoom, height: b.height * v.zoom });
const inside = (inner: Rect, outer: Rect) =>
  inner.x >= outer.x - 1e-9 && inner.y >= outer.y - 1e-9 && inner.x + inner.width <= outer.x + outer.width + 1e-9 && inner.y + inner.height <= outer.y + outer.height + 1e-9;

describe("which node is under a point", () => {
  const boxes = [box("web", 0, 0), box("api", 300, 0)];

  it("finds the node whose box holds the point, anywhere on it, not only at its handles", () => {
    expect(nodeAt({ x: 100, y: 50 }, boxes)).toBe("web");
    expect(nodeAt({ x: 301, y: 99 }, boxes)).toBe("api");
  });

  it("finds none between nodes", () => {
    expect(nodeAt({ x: 250, y: 50 }, boxes)).toBeUndefined();
  });

  it("picks the one drawn on top where nodes overlap", () => {
    expect(nodeAt({ x: 150, y: 50 }, [box("under", 0, 0), box("over", 100, 0)])).toBe("over");
  });
});

describe("canvas coordinates", () => {
  it("turns a canvas point into a flow point under pan and zoom", () => {
    expect(toFlowPoint({ x: 250, y: 90 }, { x: 50, y: -10, zoom: 2 })).toEqual({ x: 100, y: 50 });
  });

  it("bounds a set of boxes, and nothing for none", () => {
    expect(boundsOf([box("a", -50, 10), box("b", 300, 200, 100, 50)])).toEqual({ x: -50, y: 10, width: 450, height: 240 });
    expect(boundsOf([])).toBeUndefined();
  });
});

describe("the part of the canvas beside the side panel", () => {
  const canvas = { x: 200, y: 60, width: 1000, height: 700 };

  it("is the whole canvas without a panel", () => {
    expect(areaBeside(canvas, undefined, 224)).toEqual({ x: 0, y: 0, width: 1000, height: 700 });
  });

  it("ends where the panel begins", () => {
    expect(areaBeside(canvas, { x: 720, y: 60, width: 480, height: 700 }, 224)).toEqual({ x: 0, y: 0, width: 520, height: 700 });
  });

  it("is the whole canvas again when the panel leaves too little beside it (a phone)", () => {
    expect(areaBeside(canvas, { x: 200, y: 60, width: 1000, height: 700 }, 224)).toEqual({ x: 0, y: 0, width: 1000, height: 700 });
  });
});

describe("fitting the topology into view", () => {
  const limits = { padding: 0.2, minZoom: 0.05, maxZoom: 1.2 };

  it("shows every node inside the area, centred", () => {
    const bounds = boundsOf([box("a", 0, 0), box("b", 3000, 1200)])!;
    const area = { x: 0, y: 0, width: 520, height: 700 };
    const viewport = fitViewport(bounds, area, limits);
    const drawn = onScreen(bounds, viewport);
    expect(inside(drawn, area)).toBe(true);
    expect(drawn.x + drawn.width / 2).toBeCloseTo(260);
    expect(drawn.y + drawn.height / 2).toBeCloseTo(350);
  });

  it("doesn't blow a small topology up past the largest zoom", () => {
    expect(fitViewport(box("a", 0, 0), { x: 0, y: 0, width: 1000, height: 700 }, limits).zoom).toBe(1.2);
  });
});

describe("revealing the selected node beside the panel", () => {
  const area = { x: 0, y: 0, width: 520, height: 700 };
  const viewport = { x: 0, y: 0, zoom: 1 };

  it("leaves the view alone when the node is already in sight", () => {
    expect(revealViewport(box("a", 100, 100), viewport, area, 24)).toBe(viewport);
  });

  it("pans a node hidden under the panel just far enough to see it, keeping the zoom", () => {
    const next = revealViewport(box("a", 700, 100), viewport, area, 24);
    expect(next).toEqual({ x: -(700 + 200 - 496), y: 0, zoom: 1 });
    expect(inside(onScreen(box("a", 700, 100), next), area)).toBe(true);
  });

  it("pans up, down and left too, at any zoom", () => {
    const zoomed = { x: 40, y: -30, zoom: 0.5 };
    for (const hidden of [box("above", 0, -800), box("below", 0, 1800), box("left", -900, 0)]) {
      const next = revealViewport(hidden, zoomed, area, 24);
      expect(next.zoom).toBe(0.5);
      expect(inside(onScreen(hidden, next), area)).toBe(true);
    }
  });

  it("centres a node too big for the area", () => {
    const next = revealViewport(box("huge", 0, 0, 1000, 100), viewport, area, 24);
    expect(onScreen(box("huge", 0, 0, 1000, 100), next).x + 500).toBeCloseTo(260);
  });
});
