import { expect, test, type Locator, type Page } from "@playwright/test";
import { centre, clickEdge, dragEdge, inspector, node } from "./topology";

// One story, in order: a service is created on the canvas, wired, scaled, loaded, hurt,
// moved and edited, then deleted. Each step starts from where the one before left off.
test.describe.configure({ mode: "serial" });

// A retry runs the story again from its first step on the same Gantry: remove what an earlier try made.
test.beforeAll(async ({ request }) => {
  const services: { id: string; name: string }[] = (await (await request.get("/api/trpc/services.list")).json()).result.data;
  for (const { id } of services.filter((s) => ["checkout", "broken", "from-api"].includes(s.name))) {
    const deleted = await request.post("/api/trpc/services.delete", { data: { id } });
    expect(deleted.ok(), await deleted.text()).toBe(true);
  }
});

/** xyflow's wrapper of a node; its transform is the node's position on the canvas. */
const nodeWrapper = (page: Page, name: string) => page.locator(".react-flow__node", { has: node(page, name) });

async function sendTraffic(panel: Locator, service: string, perSecond: number, seconds: number) {
  await panel.getByLabel(`Requests per second to ${service}`).fill(String(perSecond));
  await panel.getByLabel(`Seconds of traffic to ${service}`).fill(String(seconds));
  await panel.getByRole("button", { name: "Send traffic" }).click();
}

/** The request-rate chart's latest value, as its caption says it. */
const requestRate = async (panel: Locator) => Number.parseFloat((await panel.getByTestId("chart-rps").getByTestId("chart-latest").textContent()) ?? "");

async function openOnCanvas(page: Page, name: string) {
  await page.goto("/topology");
  await node(page, name).click();
  await expect(inspector(page, name)).toBeVisible();
  return inspector(page, name);
}

test("drag a new service onto the canvas, fill its form, connect it to another, see it start", async ({ page }) => {
  await page.goto("/topology");
  await expect(node(page, "api")).toBeVisible();
  const canvas = page.getByTestId("topology-canvas");
  const box = (await canvas.boundingBox())!;
  await page.getByRole("button", { name: "+ New service" }).dragTo(canvas, { targetPosition: { x: box.width * 0.3, y: box.height - 140 } });

  const form = page.getByRole("form", { name: "New service" });
  await form.getByLabel("Name").fill("checkout");
  await form.getByLabel("Command").fill("node service.mjs");
  await form.getByLabel("Working directory").fill("examples/demo");
  await form.getByRole("button", { name: "Create service" }).click();

  // The new node sits where it was dropped, and its inspector opens.
  await expect(inspector(page, "checkout")).toBeVisible();
  const dropped = await centre(node(page, "checkout"));
  expect(Math.abs(dropped.x - (box.x + box.width * 0.3))).toBeLessThan(40);
  expect(Math.abs(dropped.y - (box.y + box.height - 140))).toBeLessThan(40);

  // Drag from its right handle onto api's left handle: a dependency.
  await page.getByRole("button", { name: "Close panel" }).click();
  await dragEdge(page, "checkout", node(page, "api").locator(".react-flow__handle-left"));
  // checkout's instances are to get API_URL: the plan says how, and it rolls now.
  const dialog = page.getByRole("dialog", { name: "Add dependency checkout → api" });
  await expect(dialog.getByTestId("plan-summary")).toContainText("Gantry replaces 1 instance(s)");
  await dialog.getByRole("button", { name: "Add and roll out now" }).click();
  await expect(page.getByRole("group", { name: "checkout calls api" })).toHaveCount(1);

  await expect(node(page, "checkout").getByTestId("node-ready")).toHaveText("1/1 ready");
  await expect(node(page, "checkout")).toHaveAttribute("data-health", "healthy");
});

test("press + to reach 3 instances and see 3 ready", async ({ page }) => {
  const panel = await openOnCanvas(page, "checkout");
  await panel.getByRole("button", { name: "Scale checkout up" }).click();
  await expect(panel.getByLabel("Replicas of checkout")).toHaveValue("2"); // shown at once
  await page.keyboard.press("+"); // the same from the keyboard
  await expect(panel.getByLabel("Replicas of checkout")).toHaveValue("3");
  await expect(panel.getByTestId("inspector-ready")).toContainText("3/3 ready", { timeout: 15_000 });
  await expect(node(page, "checkout").getByTestId("node-ready")).toHaveText("3/3 ready");
  await panel.getByRole("tab", { name: "instances" }).click();
  await expect(panel.locator("tbody tr")).toHaveCount(3);
});

test("send traffic and see the request-rate chart rise", async ({ page }, testInfo) => {
  const panel = await openOnCanvas(page, "web");
  await sendTraffic(panel, "web", 20, 8);
  await expect.poll(() => requestRate(panel), { timeout: 10_000 }).toBeGreaterThan(10);
  // The plot draws it as well as the caption says it: an area, and latency lines once requests have one.
  await expect(panel.getByTestId("chart-rps").locator("path.recharts-area-curve")).toHaveAttribute("d", /\d/);
  await expect(panel.getByTestId("chart-latency").locator("path.recharts-line-curve")).toHaveCount(3);
  // The canvas shows it too: web's rate, and the web → api edge labelled and moving.
  await expect(node(page, "web").getByTestId("node-rps")).not.toHaveText("0.0/s");
  await expect(page.getByTestId("edge-label-web-api")).toBeVisible();
  await page.getByRole("button", { name: "Close panel" }).click();
  await page.getByRole("button", { name: "Fit View" }).click();
  await page.waitForTimeout(500);
  await testInfo.attach("canvas", { body: await page.screenshot(), contentType: "image/png" });
  await page.screenshot({ path: testInfo.outputPath("canvas.png") });
});

test("the latency lines break over seconds with no requests instead of joining across them", async ({ page }) => {
  const panel = await openOnCanvas(page, "web");
  await expect.poll(() => requestRate(panel), { timeout: 20_000 }).toBe(0); // the run before is over
  await page.waitForTimeout(8_000); // more quiet seconds than a point of the 5 m chart covers
  await sendTraffic(panel, "web", 20, 3);
  const p50 = panel.getByTestId("chart-latency").locator("path.recharts-line-curve").first();
  const segments = async () => ((await p50.getAttribute("d")) ?? "").match(/M/g)?.length ?? 0;
  await expect.poll(segments, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
});

test("stop an instance and see health dip and recover", async ({ page, request }) => {
  // New instances wait 2 s for readiness, so the dip outlasts a 250 ms batch of live updates
  // (a dip within one batch is never drawn). The template change rolls the 3 instances first.
  const checkout = (await (await request.get("/api/trpc/services.list")).json()).result.data.find((s: { name: string }) => s.name === "checkout");
  const readiness = { kind: "http", path: "/healthz", initialDelaySeconds: 2, periodSeconds: 0.5 };
  const updated = await request.post("/api/trpc/services.update", { data: { id: checkout.id, version: checkout.version, patch: { template: { probes: { ...checkout.template.probes, readiness } } } } });
  expect(updated.ok()).toBe(true);
  const rollout = async () => (await (await request.get(`/api/trpc/rollouts.list?input=${encodeURIComponent(JSON.stringify({ serviceId: checkout.id }))}`)).json()).result.data[0];
  await expect.poll(async () => (await rollout()).status, { timeout: 30_000 }).toBe("succeeded");
  const panel = await openOnCanvas(page, "checkout");
  // Record every health the node shows, however briefly; watched from the document because
  // the canvas may re-mount the node element (it only renders what is in view).
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { healthSeen: string[] }).healthSeen = seen;
    const record = () => {
      const health = document.querySelector('[data-testid="node-checkout"]')?.getAttribute("data-health");
      if (health && health !== seen.at(-1)) seen.push(health);
    };
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-health"] });
  });
  await panel.getByRole("tab", { name: "instances" }).click();
  await panel.locator("tbody tr").first().getByRole("button", { name: "Stop" }).click();
  await expect(async () => expect(await page.evaluate(() => (window as unknown as { healthSeen: string[] }).healthSeen)).toContain("degraded")).toPass();
  await expect(node(page, "checkout")).toHaveAttribute("data-health", "healthy", { timeout: 15_000 });
  await expect(panel.getByTestId("inspector-ready")).toContainText("3/3 ready");
});

test("move a node and change a setting; after a reload the layout, edges and settings are still there", async ({ page }) => {
  const panel = await openOnCanvas(page, "checkout");
  await panel.getByRole("tab", { name: "settings" }).click();
  const form = panel.getByRole("form", { name: "Edit checkout" });
  await form.getByLabel("Restart policy").selectOption("on-failure");
  await form.getByRole("button", { name: "Add secret" }).click();
  await form.getByLabel("Secret 1 name").fill("API_TOKEN");
  await form.getByLabel("Secret 1 value").fill("tok-123");
  await expect(form.getByLabel("Secret 1 value")).toHaveAttribute("type", "password");
  await form.getByRole("button", { name: "Save changes" }).click();
  // The plan never shows the secret either.
  await expect(form.getByRole("region", { name: "Plan preview" })).toContainText("env.API_TOKEN");
  await expect(form.getByRole("region", { name: "Plan preview" })).not.toContainText("tok-123");
  await form.getByRole("button", { name: "Apply" }).click();
  await expect(panel.getByRole("status")).toHaveText("Saved.");
  // The form shows what was just saved, not what the live view held a moment before: saving
  // again is no conflict.
  await expect(form.getByLabel("Restart policy")).toHaveValue("on-failure");
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(panel.getByRole("status")).toHaveText("Saved.");
  await expect(form.getByText("was changed by someone else")).toHaveCount(0);
  await page.getByRole("button", { name: "Close panel" }).click();

  const before = await centre(node(page, "checkout"));
  await page.mouse.move(before.x, before.y - 20);
  await page.mouse.down();
  await page.mouse.move(before.x + 150, before.y - 80, { steps: 10 });
  await page.mouse.up();
  const moved = await nodeWrapper(page, "checkout").evaluate((el) => (el as HTMLElement).style.transform);

  await page.reload();
  await expect(node(page, "checkout")).toBeVisible();
  expect(await nodeWrapper(page, "checkout").evaluate((el) => (el as HTMLElement).style.transform)).toBe(moved);
  await expect(page.getByRole("group", { name: "checkout calls api" })).toHaveCount(1);
  await node(page, "checkout").click();
  await inspector(page, "checkout").getByRole("tab", { name: "settings" }).click();
  await expect(inspector(page, "checkout").getByLabel("Restart policy")).toHaveValue("on-failure");
  // The secret is kept, by name only: its value never comes back to the browser.
  await expect(inspector(page, "checkout").getByLabel("Secret 1 name")).toHaveValue("API_TOKEN");
  await expect(inspector(page, "checkout").getByLabel("Secret 1 value")).toHaveValue("");
  await expect(inspector(page, "checkout").getByLabel("Secret 1 value")).toHaveAttribute("placeholder", /unchanged/);
  expect(await page.content()).not.toContain("tok-123");
});

test("the overview puts unhealthy services first; the timeline filters by service and kind", async ({ page, request }, testInfo) => {
  // A service whose process exits at once is down.
  const res = await request.post("/api/trpc/services.create", { data: { name: "broken", template: { command: "false" } } });
  expect(res.ok()).toBe(true);
  await page.goto("/overview");
  const tiles = page.getByTestId("service-tiles").getByRole("link");
  await expect(tiles.first()).toHaveAttribute("data-testid", "tile-broken", { timeout: 15_000 });
  await expect(tiles.first()).toHaveAttribute("data-health", "down");
  await expect(page.getByTestId("tile-checkout")).toHaveAttribute("data-health", "healthy");
  await testInfo.attach("overview", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
  await page.screenshot({ path: testInfo.outputPath("overview.png"), fullPage: true });

  await page.getByLabel("Filter by service").selectOption({ label: "broken" });
  await page.getByLabel("Filter by kind").selectOption("instance");
  const kinds = page.getByTestId("event").locator("span.font-mono");
  await expect(kinds.first()).toBeVisible();
  for (const kind of await kinds.allTextContents()) expect(kind).toMatch(/^instance\./);

  await tiles.first().click();
  await expect(page).toHaveURL(/\/topology\?service=/);
  await expect(inspector(page, "broken")).toBeVisible();
});

test("with a service open, click an edge and press Delete: only the edge goes", async ({ page }) => {
  await openOnCanvas(page, "checkout");
  await clickEdge(page, "checkout calls api");
  await page.waitForTimeout(1500); // live updates arrive every second; the edge stays the selection
  await page.keyboard.press("Delete");
  await page.getByRole("dialog", { name: "Remove dependency checkout → api" }).getByRole("button", { name: "Remove and roll out now" }).click();
  await expect(page.getByRole("group", { name: "checkout calls api" })).toHaveCount(0);
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(node(page, "checkout")).toBeVisible();
});

test("select a service and press Delete: it asks first, then the service goes", async ({ page }) => {
  await page.goto("/topology");
  await node(page, "broken").click();
  await page.keyboard.press("Delete");
  const dialog = page.getByRole("dialog", { name: "Delete broken?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(node(page, "broken")).toBeVisible();

  await node(page, "broken").click();
  await page.keyboard.press("Delete");
  await page.getByRole("dialog", { name: "Delete broken?" }).getByRole("button", { name: "Delete broken" }).click();
  await expect(node(page, "broken")).toHaveCount(0, { timeout: 15_000 });
});

test("changes made through the API show up on an open canvas without a reload", async ({ page, request }) => {
  await page.goto("/topology");
  await expect(node(page, "web")).toBeVisible();
  const created = await request.post("/api/trpc/services.create", { data: { name: "from-api", replicas: 0, template: { command: "true" } } });
  const id = (await created.json()).result.data.id as string;
  await expect(node(page, "from-api")).toBeVisible();
  await expect(node(page, "from-api")).toHaveAttribute("data-health", "idle");
  const web = (await (await request.get("/api/trpc/services.list")).json()).result.data.find((s: { name: string }) => s.name === "web");
  await request.post("/api/trpc/dependencies.create", { data: { fromId: web.id, toId: id } });
  await expect(page.getByRole("group", { name: "web calls from-api" })).toHaveCount(1);
  await request.post("/api/trpc/services.delete", { data: { id } });
  await expect(node(page, "from-api")).toHaveCount(0);
  await expect(page.getByRole("group", { name: "web calls from-api" })).toHaveCount(0);
});

test("keyboard shortcuts, and the theme survives a reload", async ({ page }) => {
  await page.goto("/topology");
  await expect(node(page, "web")).toBeVisible();
  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toContainText("New service");
  await expect(help).toContainText("Go to Overview");
  await page.keyboard.press("Escape");
  await expect(help).toHaveCount(0);
  await page.keyboard.press("g");
  await page.keyboard.press("o");
  await expect(page).toHaveURL(/\/overview$/);

  const dark = async () => page.evaluate(() => document.documentElement.classList.contains("dark"));
  const start = await dark();
  // system → light → dark: two clicks from "system" always end on dark.
  await page.getByRole("button", { name: /^Theme: system/ }).click();
  await page.getByRole("button", { name: /^Theme: light/ }).click();
  expect(await dark()).toBe(true);
  await page.reload();
  expect(await dark()).toBe(true);
  await page.getByRole("button", { name: /^Theme: dark/ }).click(); // back to system for the next tests
  expect(await dark()).toBe(start);
});
