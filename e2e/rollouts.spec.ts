import { expect, test } from "@playwright/test";

test("change an env var, preview the plan, apply and watch the rollout, then roll back from the revision list", async ({ page, request }, testInfo) => {
  // New instances need 1 s to turn ready, so each step of the rollout can be watched.
  const created = await request.post("/api/trpc/services.create", {
    data: {
      name: "rollme",
      replicas: 2,
      template: { command: "node", args: ["service.mjs"], cwd: "examples/demo", env: { COLOR: "blue" }, probes: { readiness: { kind: "http", path: "/healthz", initialDelaySeconds: 1, periodSeconds: 0.25 } } },
    },
  });
  expect(created.ok()).toBe(true);
  const id = (await created.json()).result.data.id as string;
  await page.goto(`/topology?service=${id}`);
  const panel = page.getByRole("complementary", { name: "Inspector: rollme" });
  await expect(panel.getByTestId("inspector-ready")).toContainText("2/2 ready · rev 1", { timeout: 15_000 });

  // Record every value the progress bar shows.
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { progressSeen: number[] }).progressSeen = seen;
    new MutationObserver(() => {
      const value = Number(document.querySelector('[aria-label="Rollout of rollme"]')?.getAttribute("aria-valuenow") ?? Number.NaN);
      if (!Number.isNaN(value) && value !== seen.at(-1)) seen.push(value);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-valuenow"] });
  });

  await panel.getByRole("tab", { name: "settings" }).click();
  await panel.getByLabel("Environment").fill("COLOR=green");
  await panel.getByRole("button", { name: "Save changes" }).click();
  const preview = panel.getByRole("region", { name: "Plan preview" });
  await expect(preview).toContainText("Saving creates revision 2 and rolls to it from revision 1");
  await expect(preview.getByTestId("plan-summary")).toHaveText("Gantry replaces 2 instance(s), at most 3 running at once and never fewer than 2 ready.");
  await expect(preview.getByRole("row", { name: /env\.COLOR/ })).toContainText("blue");
  await expect(preview.getByRole("row", { name: /env\.COLOR/ })).toContainText("green");
  await expect(preview.getByRole("list", { name: "Steps" }).getByRole("listitem").first()).toHaveText("start an instance of revision 2");
  await preview.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath("plan-preview.png") });
  // Nothing has happened yet.
  await expect(panel.getByTestId("inspector-ready")).toContainText("rev 1");

  await preview.getByRole("button", { name: "Apply" }).click();
  const status = panel.getByTestId("rollout-status");
  await expect(status).toContainText("Rolling to revision 2");
  await expect(page.getByTestId("node-rollme").getByTestId("node-rollout")).toContainText("→ rev 2"); // the canvas shows it too
  await page.screenshot({ path: testInfo.outputPath("rollout.png") });
  await expect(status).toHaveText("Rolled out revision 2", { timeout: 20_000 });
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
  expect(seen.at(-1)).toBe(100);
  expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
  expect(seen).toEqual([...seen].sort((a, b) => a - b)); // only forward
  await expect(panel.getByTestId("inspector-ready")).toContainText("2/2 ready · rev 2");
  await expect(page.getByTestId("node-rollme").getByTestId("node-rollout")).toHaveCount(0);

  // The revision list: diff against the current one, then roll back.
  await panel.getByRole("tab", { name: "revisions" }).click();
  const first = panel.getByTestId("revision-1");
  await first.getByRole("button", { name: "Diff" }).click();
  await expect(first.getByRole("table", { name: "Revision 2 → 1" })).toContainText("env.COLOR");
  await first.getByRole("button", { name: "Roll back" }).click();
  const dialog = page.getByRole("dialog", { name: "Roll rollme back to revision 1?" });
  await expect(dialog.getByRole("row", { name: /env\.COLOR/ })).toContainText("blue");
  await page.screenshot({ path: testInfo.outputPath("rollback.png") });
  await dialog.getByRole("button", { name: "Roll back to revision 1" }).click();
  await expect(dialog).toBeHidden();
  await expect(status).toContainText("Rolling to revision 1 (rollback)");
  await expect(status).toHaveText("Rolled out revision 1 (rollback)", { timeout: 20_000 });
  await expect(panel.getByTestId("inspector-ready")).toContainText("2/2 ready · rev 1");
  await expect(panel.getByTestId("revision-1")).toContainText("current");
  await expect(panel.getByRole("region", { name: "Rollouts" })).toContainText("Rolled out revision 2");
  await request.post("/api/trpc/services.delete", { data: { id } });
});
