import { expect, test, type Locator, type Page } from "@playwright/test";
import { stringify } from "yaml";
import { OVERVIEW_MIN_SERVICES } from "@/components/topology/detail";
import { NODE_HEIGHT, NODE_WIDTH, positionsOf } from "@/components/topology/layout";
import { createIdleServices, deleteServices, dragEdge, inspector, node, onPage, savedPosition, settledViewport } from "./topology";

type Box = { x: number; y: number; width: number; height: number };
const within = (inner: Box, outer: Box) => inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;

/** Which of these nodes are drawn whole inside `area`. */
async function shownIn(page: Page, names: string[], area: Box) {
  const shown: string[] = [];
  for (const name of names) {
    const box = await node(page, name).boundingBox(); // none while out of view: the canvas only draws what is in it
    if (box && within(box, area)) shown.push(name);
  }
  return shown;
}

/** The whole canvas, as drawn when called. */
const wholeCanvas = (page: Page) => async () => (await page.getByTestId("topology-canvas").boundingBox())!;

/** The part of the canvas left of the side panel, as drawn when called. */
const besidePanel = (page: Page, panel: Locator) => async () => {
  const [whole, covered] = [await wholeCanvas(page)(), (await panel.boundingBox())!];
  return { ...whole, width: covered.x - whole.x };
};

/** Every one of these nodes ends up drawn whole inside `area` (once the view has finished moving). */
async function expectAllInside(page: Page, names: string[], area: () => Promise<Box>) {
  await expect.poll(async () => shownIn(page, names, await area()), { timeout: 5_000 }).toEqual(names);
}

/** The topology page, once its canvas has loaded (on a busy CI machine that alone took 4.5 s). */
async function openTopology(page: Page, url = "/topology") {
  await page.goto(url);
  await expect(page.getByTestId("topology-canvas")).toBeVisible();
}

test("drop an edge anywhere on a node to add a dependency; a duplicate or a self-edge is refused, saying why", async ({ page, request }) => {
  const ids = await createIdleServices(request, ["cart", "pay"]);
  await page.goto("/topology");
  const pay = node(page, "pay");
  await expect(pay).toBeVisible();

  // The middle of pay, nowhere near its handles: before letting go, pay says it takes the edge.
  await dragEdge(page, "cart", pay, () => expect(pay.getByTestId("drop-verdict")).toHaveText("cart will call pay"));
  await page.getByRole("dialog", { name: "Add dependency cart → pay" }).getByRole("button", { name: "Add and roll out now" }).click();
  await expect(page.getByRole("group", { name: "cart calls pay" })).toHaveCount(1);
  await expect(page.getByTestId("drop-verdict")).toHaveCount(0);

  await dragEdge(page, "cart", pay, () => expect(pay.getByTestId("drop-verdict")).toHaveText("cart already calls pay"));
  await expect(page.getByRole("alert").filter({ hasText: "cart already calls pay" })).toBeVisible();
  await expect(page.getByRole("group", { name: "cart calls pay" })).toHaveCount(1);
  await page.getByRole("button", { name: "Dismiss" }).click();

  await dragEdge(page, "cart", node(page, "cart"));
  await expect(page.getByRole("alert").filter({ hasText: "cart can't depend on itself" })).toBeVisible();
  await expect(page.getByRole("group", { name: "cart calls cart" })).toHaveCount(0);
  await deleteServices(request, ids.values());
});

test("Auto layout brings every service into view, beside the inspector when it is open", async ({ page, request }) => {
  const added = Array.from({ length: 8 }, (_, i) => `lay-${i + 1}`);
  const ids = await createIdleServices(request, added);
  const everyone = ["web", "api", "users", ...added];
  await openTopology(page);
  await expectAllInside(page, everyone, wholeCanvas(page));

  // Zoomed in, most of the topology is out of view; laid out, all of it is back.
  for (let i = 0; i < 4; i++) await page.getByRole("button", { name: "Zoom In" }).click();
  await expect.poll(async () => (await shownIn(page, everyone, await wholeCanvas(page)())).length).toBeLessThan(everyone.length);
  await page.getByRole("button", { name: "Auto layout" }).click();
  await expectAllInside(page, everyone, wholeCanvas(page));

  // With the inspector open, laying out fits everything into the part of the canvas beside it.
  await node(page, "web").click();
  const panel = inspector(page, "web");
  await expect(panel).toBeVisible();
  for (let i = 0; i < 4; i++) await page.getByRole("button", { name: "Zoom In" }).click();
  await page.getByRole("button", { name: "Auto layout" }).click();
  await expectAllInside(page, everyone, besidePanel(page, panel));
  await deleteServices(request, ids.values());
});

test("the inspector doesn't cover the service it shows: the view pans it into sight beside the panel", async ({ page, request }) => {
  await openTopology(page);
  await expectAllInside(page, ["web", "api", "users"], wholeCanvas(page)); // fitted to the whole canvas at once
  const before = (await node(page, "users").boundingBox())!;

  await node(page, "users").click();
  const panel = inspector(page, "users");
  await expect(panel).toBeVisible();
  // Users (called last, so rightmost) was where the inspector opened.
  expect(before.x + before.width).toBeGreaterThan((await panel.boundingBox())!.x);
  await expectAllInside(page, ["users"], besidePanel(page, panel));

  // Opened from a link (the overview's tiles), the service shows beside its inspector too.
  const users = (await (await request.get("/api/trpc/services.list")).json()).result.data.find((s: { name: string }) => s.name === "users");
  await openTopology(page, `/topology?service=${users.id}`);
  await expectAllInside(page, ["users"], besidePanel(page, inspector(page, "users")));
});

test("a big topology zoomed out is one picture: a click on a service selects it, a drag moves it, a press between services pans", async ({ page, request }) => {
  // Enough services for the overview (OVERVIEW_MIN_SERVICES), in one apply; a failed try's are the same ones again.
  const names = Array.from({ length: OVERVIEW_MIN_SERVICES }, (_, i) => `far-${String(i).padStart(3, "0")}`);
  const applied = await request.post("/api/trpc/config.applyFile", { data: { yaml: stringify({ version: 1, services: Object.fromEntries(names.map((n) => [n, { command: "true", replicas: 0 }])) }) } });
  expect(applied.ok(), await applied.text()).toBe(true);
  const [services, dependencies] = await Promise.all(["services", "dependencies"].map(async (list) => (await (await request.get(`/api/trpc/${list}.list`)).json()).result.data));
  const places = positionsOf(services, dependencies);
  const idOf = (name: string) => services.find((s: { name: string }) => s.name === name)!.id as string;
  const centreOf = (name: string) => ({ x: places.get(idOf(name))!.x + NODE_WIDTH / 2, y: places.get(idOf(name))!.y + NODE_HEIGHT / 2 });

  await openTopology(page);
  const overview = page.getByTestId("topology-overview");
  for (let i = 0; i < 15 && !(await overview.isVisible()); i++) await page.getByRole("button", { name: "Zoom Out" }).click();
  await expect(overview).toBeVisible();
  await expect(node(page, "users")).toHaveCount(0); // a picture on the overview now, not an element

  // A click on users selects it: its inspector opens, and xyflow draws it (to drag or delete) again.
  const onUsers = await onPage(page, centreOf("users"));
  await page.mouse.click(onUsers.x, onUsers.y);
  await expect(inspector(page, "users")).toBeVisible();
  await expect(node(page, "users")).toBeVisible();
  await page.getByRole("button", { name: "Close panel" }).click();
  await expect(node(page, "users")).toHaveCount(0);

  // A drag moves far-050, and where it was let go is saved; it opens nothing, and pans nothing.
  const view = await settledViewport(page);
  const from = await onPage(page, centreOf("far-050"), view);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 60, from.y + 40, { steps: 8 });
  await page.mouse.up();
  const wanted = { x: places.get(idOf("far-050"))!.x + 60 / view.zoom, y: places.get(idOf("far-050"))!.y + 40 / view.zoom };
  await expect
    .poll(async () => {
      const at = await savedPosition(request, "far-050");
      return at !== null && Math.abs(at.x - wanted.x) <= 1 && Math.abs(at.y - wanted.y) <= 1;
    })
    .toBe(true);
  await expect(page.getByRole("complementary")).toHaveCount(0);
  expect(await settledViewport(page)).toEqual(view);

  // A press away from every service pans the view, and moves none of them.
  const canvas = (await page.getByTestId("topology-canvas").boundingBox())!;
  const empty = { x: canvas.x + canvas.width / 2, y: canvas.y + canvas.height - 20 };
  const flowPoint = { x: (empty.x - canvas.x - view.x) / view.zoom, y: (empty.y - canvas.y - view.y) / view.zoom };
  expect([...places.values()].some((p) => flowPoint.x >= p.x && flowPoint.x <= p.x + NODE_WIDTH && flowPoint.y >= p.y && flowPoint.y <= p.y + NODE_HEIGHT)).toBe(false);
  const placedBefore = await savedPosition(request, "far-000");
  await page.mouse.move(empty.x, empty.y);
  await page.mouse.down();
  await page.mouse.move(empty.x + 80, empty.y - 50, { steps: 8 });
  await page.mouse.up();
  const after = await settledViewport(page);
  expect([Math.round(after.x - view.x), Math.round(after.y - view.y)]).toEqual([80, -50]);
  expect(await savedPosition(request, "far-000")).toEqual(placedBefore);
  await deleteServices(request, names.map(idOf));
});
