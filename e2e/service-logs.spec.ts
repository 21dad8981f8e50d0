import { expect, test, type APIRequestContext } from "@playwright/test";
import { deleteServices, inspector } from "./topology";

const demoTemplate = { command: "node", args: ["service.mjs"], cwd: "examples/demo" };

async function create(request: APIRequestContext, input: Record<string, unknown>): Promise<{ id: string; listenPort: number }> {
  const created = await request.post("/api/trpc/services.create", { data: input });
  expect(created.ok(), await created.text()).toBe(true);
  return (await created.json()).result.data;
}

test("a service's log interleaves its instances by time, tagged and coloured, filtered and searched; its ± buttons pause its autoscaling", async ({ page, request }) => {
  const service = await create(request, { name: "chatty", replicas: 2, template: demoTemplate, autoscale: { minReplicas: 1, maxReplicas: 3, targets: { cpuPercent: 80 } } });
  try {
    await page.goto(`/topology?service=${service.id}`);
    const panel = inspector(page, "chatty");
    await expect(panel.getByTestId("inspector-ready")).toContainText("2/2");
    await panel.getByRole("tab", { name: "logs" }).click();
    const viewer = panel.getByRole("region", { name: "Logs of chatty (all instances)" });
    await expect(viewer.getByText("following")).toBeVisible();

    // One request after the other, round robin over both instances: the stream shows them in order
    // (lines are stamped when Gantry collects them, every 250 ms: the requests are further apart).
    for (let n = 1; n <= 6; n++) {
      expect((await request.get(`http://127.0.0.1:${service.listenPort}/req-${n}`)).ok()).toBe(true);
      await page.waitForTimeout(600);
    }
    const access = viewer.getByTestId("log-line").filter({ hasText: /GET \/req-\d/ });
    await expect(access).toHaveCount(6);
    expect((await access.allTextContents()).map((text) => /req-(\d)/.exec(text)![1])).toEqual(["1", "2", "3", "4", "5", "6"]);
    const tags = access.getByTestId("log-instance");
    const instances = [...new Set(await tags.allTextContents())];
    expect(instances).toHaveLength(2);
    const colours = new Set(await Promise.all(instances.map((id) => tags.filter({ hasText: id }).first().evaluate((el) => getComputedStyle(el).color))));
    expect(colours.size).toBe(2);

    // Narrowed to one instance, then by text; "Search all" asks every instance's stored log.
    await viewer.getByLabel("Only instance").selectOption(instances[0]!);
    await expect(access).toHaveCount(3);
    await expect(tags.filter({ hasText: instances[1]! })).toHaveCount(0);
    await viewer.getByLabel("Only instance").selectOption("");
    await viewer.getByLabel("Filter log lines").fill("req-4");
    await expect(access).toHaveCount(1);
    await viewer.getByLabel("Filter log lines").fill("GET /req-");
    await viewer.getByRole("button", { name: "Search all" }).click();
    await expect(viewer.getByText("6 matches")).toBeVisible();

    // Autoscaled: a hand scale pauses it, shown under the buttons with the way back.
    const state = panel.getByTestId("autoscale-state");
    await expect(state).toHaveText("Autoscaled 1–3: a hand scale pauses it");
    await panel.getByRole("button", { name: "Scale chatty up" }).click();
    await expect(state).toContainText("Autoscaling paused (scaled by hand)");
    await state.getByRole("button", { name: "resume" }).click();
    await expect(state).toHaveText("Autoscaled 1–3: a hand scale pauses it");
    await panel.getByRole("tab", { name: "metrics" }).click();
    await expect(panel.getByRole("region", { name: "Autoscaling" })).toContainText("1–3 replicas · target 80 CPU % per instance");
  } finally {
    await deleteServices(request, [service.id]);
  }
});
