import { expect, type APIRequestContext, type Locator, type Page } from "@playwright/test";

// Helpers for the specs that drive the topology canvas.

export const node = (page: Page, name: string) => page.getByTestId(`node-${name}`);
export const inspector = (page: Page, name: string) => page.getByRole("complementary", { name: `Inspector: ${name}` });

export async function centre(locator: Locator) {
  const box = (await locator.boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags a new edge out of `from`'s right handle and lets go on the middle of `onto`; `whileOver` runs before letting go. */
export async function dragEdge(page: Page, from: string, onto: Locator, whileOver?: () => Promise<void>) {
  const start = await centre(node(page, from).locator(".react-flow__handle-right"));
  const end = await centre(onto);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(end.x, end.y, { steps: 12 });
  await whileOver?.();
  await page.mouse.up();
}

/**
 * Services that run nothing (0 replicas), for a test to arrange; returns their ids by name. Ones
 * of these names a failed try of the same test left behind are deleted first, so its retry can run.
 */
export async function createIdleServices(request: APIRequestContext, names: string[]): Promise<Map<string, string>> {
  await deleteLeftovers(request, names);
  const ids = new Map<string, string>();
  for (const name of names) {
    const created = await request.post("/api/trpc/services.create", { data: { name, replicas: 0, template: { command: "true" } } });
    if (!created.ok()) throw new Error(`could not create ${name}: ${await created.text()}`);
    ids.set(name, (await created.json()).result.data.id);
  }
  return ids;
}

/** Where a service was last put on the canvas (null: never, it is laid out automatically). */
export async function savedPosition(request: APIRequestContext, name: string): Promise<{ x: number; y: number } | null> {
  const services: Array<{ name: string; position: { x: number; y: number } | null }> = (await (await request.get("/api/trpc/services.list")).json()).result.data;
  return services.find((s) => s.name === name)!.position;
}

/** Deletes services of these names that a failed try of the same test left behind, so its retry can run. */
export async function deleteLeftovers(request: APIRequestContext, names: string[]) {
  const existing: Array<{ id: string; name: string }> = (await (await request.get("/api/trpc/services.list")).json()).result.data;
  await deleteServices(request, existing.filter((s) => names.includes(s.name)).map((s) => s.id));
}

export async function deleteServices(request: APIRequestContext, ids: Iterable<string>) {
  for (const id of ids) await request.post("/api/trpc/services.delete", { data: { id } });
}

/**
 * Clicks an edge where it shows: edges run under nodes, so the middle of an edge's box can be on a
 * node (a service moved next to the one it calls), and a plain click would select that node.
 */
export async function clickEdge(page: Page, name: string) {
  const edge = page.getByRole("group", { name });
  const point = await edge.evaluate((group) => {
    const line = group.querySelector<SVGPathElement>("path.react-flow__edge-interaction") ?? group.querySelector<SVGPathElement>("path")!;
    const length = line.getTotalLength();
    for (let i = 1; i < 40; i++) {
      const along = line.getPointAtLength((length * i) / 40);
      const { x, y } = new DOMPoint(along.x, along.y).matrixTransform(line.getScreenCTM()!);
      if (group.contains(document.elementFromPoint(x, y))) return { x, y };
    }
    return undefined;
  });
  if (!point) throw new Error(`${name}: no part of the edge is in sight`);
  await page.mouse.click(point.x, point.y);
}

/** The canvas' pan and zoom, once it holds still: a flow point p is drawn at p × zoom + (x, y) from the canvas' top left. */
export async function settledViewport(page: Page) {
  const read = () =>
    page.locator(".react-flow__viewport").evaluate((viewport) => {
      const [x, y, zoom] = /translate\(([-\d.e]+)px,\s*([-\d.e]+)px\) scale\(([-\d.e]+)\)/.exec((viewport as HTMLElement).style.transform)!.slice(1).map(Number);
      return { x: x!, y: y!, zoom: zoom! };
    });
  let last = await read();
  await expect
    .poll(async () => {
      const [before, now] = [last, (last = await read())];
      return now.x === before.x && now.y === before.y && now.zoom === before.zoom;
    })
    .toBe(true);
  return last;
}

/** Where a flow point is on the page, at the canvas' pan and zoom (`view`: as it is now, once settled). */
export async function onPage(page: Page, at: { x: number; y: number }, view?: { x: number; y: number; zoom: number }) {
  const [{ x, y, zoom }, canvas] = [view ?? (await settledViewport(page)), (await page.getByTestId("topology-canvas").boundingBox())!];
  return { x: canvas.x + x + at.x * zoom, y: canvas.y + y + at.y * zoom };
}
