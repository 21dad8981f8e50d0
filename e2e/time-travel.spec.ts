import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { deleteLeftovers, deleteServices } from "./topology";

type Instance = { id: string; port: number | null; ready: boolean };

const trpcQuery = async <T>(request: APIRequestContext, procedure: string, input: unknown): Promise<T> => {
  const res = await request.get(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`);
  if (!res.ok()) throw new Error(`${procedure}: ${await res.text()}`);
  return (await res.json()).result.data as T;
};

test("scale, break and heal a service, scrub back to the broken moment: the canvas shows it broken with the right counts; Live returns", async ({ page, request }) => {
  await deleteLeftovers(request, ["timely"]);
  const created = await request.post("/api/trpc/services.create", {
    data: {
      name: "timely",
      position: { x: 0, y: 400 },
      template: {
        command: process.execPath,
        args: [path.resolve("server/testing/fixtures/fixture-server.mjs")],
        probes: { readiness: { kind: "http", path: "/ready", periodSeconds: 0.2, failureThreshold: 1 } },
      },
    },
  });
  expect(created.ok()).toBe(true);
  const id: string = (await created.json()).result.data.id;
  try {
    const instances = () => trpcQuery<Instance[]>(request, "instances.list", { serviceId: id });
    const unreadyEvents = async () => (await trpcQuery<unknown[]>(request, "events.list", { serviceId: id, kind: "instance.unready" })).length;

    expect((await request.post("/api/trpc/services.scale", { data: { id, replicas: 3 } })).ok()).toBe(true);
    await expect.poll(async () => (await instances()).filter((i) => i.ready).length, { timeout: 30_000 }).toBe(3);

    // Break two of the three (their readiness fails), and note a moment while they are broken.
    const three = await instances();
    for (const instance of three.slice(0, 2)) await request.get(`http://127.0.0.1:${instance.port}/toggle-ready`);
    await expect.poll(unreadyEvents, { timeout: 30_000 }).toBe(2);
    // The scrubber works to the second: a whole second after both were recorded, and heal only once it has passed.
    const broken = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    await expect.poll(() => Date.now() > broken + 200, { timeout: 5_000 }).toBe(true);
    for (const instance of three.slice(0, 2)) await request.get(`http://127.0.0.1:${instance.port}/toggle-ready`);
    await expect.poll(async () => (await instances()).filter((i) => i.ready).length, { timeout: 30_000 }).toBe(3);

    await page.goto("/topology");
    await expect(page.getByTestId("node-timely")).toHaveAttribute("aria-label", "timely: healthy, 3 of 3 ready");

    // Scrub back to the broken moment (the bar opens from the page's header).
    await page.getByRole("button", { name: "Time travel" }).click();
    const moment = await page.evaluate((ms) => {
      const d = new Date(ms);
      const pad = (n: number) => String(n).padStart(2, "0");
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    }, broken);
    // The bar's "now" is the page's clock to the second, refreshed every 5 s: while it still reads the
    // broken moment itself, typing that moment changes nothing (it is live), so wait until it has moved on.
    const input = page.getByTestId("time-travel-moment");
    await expect(input).not.toHaveValue(moment, { timeout: 10_000 });
    await input.fill(moment);
    await expect(page.getByTestId("time-travel-banner")).toContainText("Viewing");
    const past = page.getByTestId("past-node-timely");
    await expect(past).toHaveAttribute("data-health", "degraded");
    await expect(past.getByTestId("past-ready")).toHaveText("1/3 ready");
    // Read-only: the live canvas (and its New service button) is gone while viewing the past.
    await expect(page.getByRole("button", { name: "+ New service" })).toHaveCount(0);

    // ← steps a minute back, → forward again to the broken moment.
    const slider = page.getByTestId("time-travel-slider");
    await slider.focus();
    await page.keyboard.press("ArrowLeft");
    await expect(slider).toHaveValue(String(broken - 60_000));
    await page.keyboard.press("ArrowRight");
    await expect(slider).toHaveValue(String(broken));
    await expect(past.getByTestId("past-ready")).toHaveText("1/3 ready");

    // The moment stays while moving to Overview: its tiles are the past's too.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" }).click();
    const tile = page.getByTestId("past-tile-timely");
    await expect(tile).toHaveAttribute("data-health", "degraded");
    await expect(tile).toContainText("1/3 ready");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Topology" }).click();

    await page.getByTestId("time-travel-live").click();
    await expect(page.getByTestId("time-travel-banner")).toHaveCount(0);
    await expect(page.getByTestId("node-timely")).toHaveAttribute("aria-label", "timely: healthy, 3 of 3 ready");
  } finally {
    await deleteServices(request, [id]);
  }
});
