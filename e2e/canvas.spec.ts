import { expect, test, type Locator, type Page } from "@playwright/test";
import { createIdleServices, deleteServices, dragEdge, inspector, node } from "./topology";

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
