import { expect, test } from "@playwright/test";

test("edit a service's probes: invalid input is refused inline, a valid probe shows on its instances", async ({ page }) => {
  await page.goto("/services");
  const web = page.getByTestId("service-web");
  await expect(web.getByTestId("service-health")).toHaveText("healthy");
  const next = Number(/rev (\d+)/.exec((await web.getByTestId("service-summary").textContent())!)![1]) + 1;
  await web.getByRole("button", { name: "Edit" }).click();
  const form = page.getByRole("form", { name: "Edit web" });
  await expect(form.getByLabel("Readiness probe kind")).toHaveValue("http"); // the demo's own probe
  await form.getByLabel("Path", { exact: true }).fill("healthz");
  await form.getByLabel("Period (s)", { exact: true }).fill("often");
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(form.getByText("must be a number")).toBeVisible();
  await form.getByLabel("Period (s)", { exact: true }).fill("1");
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(form.getByText("path must start with /")).toBeVisible();
  await form.getByLabel("Path", { exact: true }).fill("/healthz");
  await form.getByRole("button", { name: "Save changes" }).click();
  // A probe change is a new revision: the form shows the plan first.
  await expect(form.getByRole("region", { name: "Plan preview" })).toContainText(`Saving creates revision ${next}`);
  await form.getByRole("button", { name: "Apply" }).click();
  await expect(form).toHaveCount(0);

  // The new revision rolls out (one new instance replaces the old one), shown on the card; it shows a passing readiness probe.
  await expect(web.getByTestId("rollout-status")).toContainText(`revision ${next}`);
  await expect(web).toContainText(`rev ${next}`);
  await expect(web.locator("tr[data-testid^=instance-]")).toHaveCount(1);
  const readiness = web.getByTestId("probe-readiness");
  await expect(readiness).toHaveAttribute("data-state", "passing");
  await expect(readiness).toHaveAttribute("title", /readiness \(http\): passing\nlast pass at .* in [\d.]+ ms\nHTTP 200: ok/);
  await expect(web.getByTestId("service-health")).toHaveText("healthy");
});

test("an edit that lost a race to another change says so and offers the latest version", async ({ page, request }) => {
  await page.goto("/services");
  const users = page.getByTestId("service-users");
  await users.getByRole("button", { name: "Edit" }).click();
  const form = page.getByRole("form", { name: "Edit users" });
  await form.getByLabel("Environment").fill("COLOR=blue");

  // Meanwhile someone else changes the service through the API.
  const list = await (await request.get("/api/trpc/services.list")).json();
  const service = list.result.data.find((s: { name: string }) => s.name === "users");
  const res = await request.post("/api/trpc/services.update", {
    data: { id: service.id, version: service.version, patch: { template: { env: { COLOR: "red" } } } },
  });
  expect(res.ok()).toBe(true);

  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(form.getByRole("alert")).toContainText("was changed by someone else");
  await form.getByRole("button", { name: "Load latest" }).click();
  await expect(form.getByLabel("Environment")).toHaveValue("COLOR=red");
  await form.getByLabel("Environment").fill("COLOR=blue");
  await form.getByRole("button", { name: "Save changes" }).click();
  await form.getByRole("button", { name: "Apply" }).click();
  await expect(form).toHaveCount(0);
});
