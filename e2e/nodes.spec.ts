import { expect, test } from "@playwright/test";
import { testSwarm } from "../server/testing/swarm";

// The Nodes page against the single-node swarm at GANTRY_SWARM_HOST (CI starts one).
test("the Nodes page lists the swarm's node; Drain and Activate change its availability", async ({ page }) => {
  const swarm = await testSwarm();
  test.skip(!swarm, "no swarm (scripts/swarm-test-daemon.sh starts one)");
  const [self] = await swarm!.docker.listNodes();

  await page.goto("/nodes");
  const row = page.getByTestId(`node-${self.Description.Hostname}`);
  await expect(row).toContainText("manager");
  await expect(row).toContainText("(leader)");
  await expect(row.getByTestId("node-state")).toHaveText("ready · active");

  await row.getByRole("button", { name: "Drain" }).click();
  await expect(row.getByTestId("node-state")).toHaveText("ready · drain");
  expect((await swarm!.docker.getNode(self.ID).inspect()).Spec.Availability).toBe("drain");

  await row.getByRole("button", { name: "Activate" }).click();
  await expect(row.getByTestId("node-state")).toHaveText("ready · active");
});
