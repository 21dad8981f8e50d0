import { expect, test } from "@playwright/test";

// The e2e Gantry mirrors into an etcd that isn't running (playwright.config.ts).
test("the Integrations page shows each discovery mirror, and one that can't reach its store says why", async ({ page }) => {
  await page.goto("/overview");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Integrations" }).click();
  await expect(page).toHaveURL(/\/integrations$/);
  const etcd = page.getByTestId("integration-etcd");
  await expect(etcd).toContainText("etcd mirror");
  await expect(etcd).toContainText(/http:\/\/127\.0\.0\.1:\d+/);
  await expect(etcd.getByTestId("integration-state")).toHaveText("failing");
  await expect(etcd.getByTestId("integration-error")).toContainText("ECONNREFUSED");
});
