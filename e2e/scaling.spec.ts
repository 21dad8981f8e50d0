import { expect, test } from "@playwright/test";

test("press + twice on a service → 3 instances shown running", async ({ page }) => {
  await page.goto("/services");
  const users = page.getByTestId("service-users");
  await expect(users.getByTestId("ready-count")).toHaveText("1/1 ready");
  await users.getByRole("button", { name: "Scale users up" }).click();
  await users.getByRole("button", { name: "Scale users up" }).click();
  await expect(users.getByLabel("Replicas of users")).toHaveValue("3");
  await expect(users.getByTestId("ready-count")).toHaveText("3/3 ready");
  const rows = users.locator("tr[data-testid^=instance-]");
  await expect(rows).toHaveCount(3);
  for (const row of await rows.all()) {
    await expect(row).toContainText("Ready");
    await expect(row.getByTestId("runtime")).toHaveText(/^pid \d+$/);
  }

  // Scale back with the field; the newest go first.
  await users.getByLabel("Replicas of users").fill("1");
  await users.getByLabel("Replicas of users").press("Enter");
  await expect(rows).toHaveCount(1);
  await expect(users.getByTestId("ready-count")).toHaveText("1/1 ready");
});

test("restart and stop a single instance", async ({ page }) => {
  await page.goto("/services");
  const web = page.getByTestId("service-web");
  const row = web.locator("tr[data-testid^=instance-]").first();
  await expect(row).toContainText("Ready");
  const id = (await row.getAttribute("data-testid"))!.replace("instance-", "");
  const pid = await row.getByTestId("runtime").textContent();

  await row.getByRole("button", { name: "Restart" }).click();
  await expect(row.getByTestId("runtime")).not.toHaveText(pid!);
  await expect(row.getByTestId("restarts")).toHaveText("1");
  await expect(row).toContainText("Ready");

  await row.getByRole("button", { name: "Stop" }).click();
  await expect(web.getByTestId(`instance-${id}`)).toHaveCount(0);
  // The service still wants one replica: a replacement is started.
  await expect(web.getByTestId("ready-count")).toHaveText("1/1 ready");
});
