import { expect, test } from "@playwright/test";
import { inspector, node } from "./topology";

const file = `version: 1
services:
  ledger:
    command: node
    args: [service.mjs]
    cwd: examples/demo
    replicas: 0
`;

// A service applied from gantry.yaml, then changed on the canvas: the canvas says it drifted, and a diff of the same file shows what.
test("scale an applied service on the canvas: it shows 'changed since apply' with the field, and a diff of the file shows it", async ({ page, request }) => {
  const applied = await request.post("/api/trpc/config.applyFile", { data: { yaml: file, prune: false } });
  expect(applied.ok(), await applied.text()).toBe(true);

  await page.goto("/topology");
  await node(page, "ledger").click();
  const panel = inspector(page, "ledger");
  await expect(node(page, "ledger").getByTestId("node-drift")).toHaveCount(0);
  await panel.getByRole("button", { name: "Scale ledger up" }).click();

  await expect(node(page, "ledger").getByTestId("node-drift")).toHaveText("changed since apply");
  const notice = panel.getByTestId("drift-notice");
  await notice.locator("summary").click();
  await expect(notice).toContainText("replicas: 0 → 1");

  const diff = await request.post("/api/trpc/config.diff", { data: { yaml: file, prune: false } });
  const plan = (await diff.json()).result.data.services.find((s: { name: string }) => s.name === "ledger");
  expect(plan).toMatchObject({ action: "changed", changes: [{ path: "replicas", before: 1, after: 0 }] });

  // Applying the file again puts it back, and the badge goes.
  await request.post("/api/trpc/config.applyFile", { data: { yaml: file, prune: false } });
  await expect(node(page, "ledger").getByTestId("node-drift")).toHaveCount(0);
  const id = (await (await request.get("/api/trpc/services.list")).json()).result.data.find((s: { name: string }) => s.name === "ledger").id;
  await request.post("/api/trpc/services.delete", { data: { id } });
});
