import { expect, test, type Page } from "@playwright/test";
import { ingressPort } from "../playwright.config";
import { dragEdge, inspector, node } from "./topology";

/** What web's instance reaches through its links, as the demo's services report it (waiting out a restart). */
const upstreamsOfWeb = async (page: Page) => {
  let upstream = {};
  await expect(async () => {
    const res = await page.request.get(`http://127.0.0.1:${ingressPort}/`);
    expect(res.status()).toBe(200);
    upstream = ((await res.json()) as { upstream: object }).upstream;
  }).toPass({ timeout: 20_000 });
  return Object.keys(upstream);
};

test("a dependency drawn 'later' leaves its caller pending — a restart doesn't deliver it — until it is rolled out", async ({ page, request }) => {
  const created = await request.post("/api/trpc/services.create", { data: { name: "extra", replicas: 1, template: { command: "node", args: ["service.mjs"], cwd: "examples/demo" }, position: { x: 280, y: 320 } } });
  const extraId = (await created.json()).result.data.id as string;
  await page.goto("/topology");
  await expect(node(page, "extra")).toBeVisible();
  await dragEdge(page, "web", node(page, "extra"));

  const dialog = page.getByRole("dialog", { name: "Add dependency web → extra" });
  await expect(dialog.getByText("links.EXTRA_URL")).toBeVisible();
  await dialog.getByRole("button", { name: "Add, roll out later" }).click();
  await expect(page.getByRole("group", { name: "web calls extra" })).toHaveCount(1);

  await node(page, "web").click();
  const panel = inspector(page, "web");
  await expect(panel.getByTestId("pending-links")).toContainText("+EXTRA_URL");
  expect(await upstreamsOfWeb(page)).not.toContain("EXTRA_URL");
  // A restart keeps the instance's revision, and so its environment.
  await panel.getByRole("tab", { name: "instances" }).click();
  const restarts = Number(await panel.getByTestId("restarts").textContent());
  await panel.getByRole("button", { name: "Restart" }).click();
  await expect(panel.getByTestId("restarts")).toHaveText(String(restarts + 1));
  await expect(panel.getByTestId("inspector-ready")).toContainText("1/1 ready");
  expect(await upstreamsOfWeb(page)).not.toContain("EXTRA_URL");

  await panel.getByTestId("pending-links").getByRole("button", { name: "Roll out" }).click();
  await expect(panel.getByTestId("pending-links")).toHaveCount(0);
  await expect.poll(() => upstreamsOfWeb(page), { timeout: 20_000 }).toContain("EXTRA_URL");

  // Put the demo back as it was for the specs after this one.
  const edges = (await (await request.get("/api/trpc/dependencies.list")).json()).result.data as Array<{ id: string; toId: string }>;
  await request.post("/api/trpc/dependencies.delete", { data: { id: edges.find((e) => e.toId === extraId)!.id } });
  await request.post("/api/trpc/services.delete", { data: { id: extraId } });
});
