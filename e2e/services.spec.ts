import { expect, test } from "@playwright/test";

test("the demo topology is listed on first start", async ({ page }) => {
  await page.goto("/services");
  for (const name of ["web", "api", "users"]) await expect(page.getByTestId(`service-${name}`)).toBeVisible();
  await expect(page.getByTestId("connection-status")).toHaveText("live");
});

test("create a service through the form, see it listed, reload, still there", async ({ page }) => {
  await page.goto("/services");
  await page.getByRole("button", { name: "New service" }).click();
  const form = page.getByRole("form", { name: "New service" });
  await form.getByLabel("Name").fill("orders");
  await form.getByLabel("Replicas").fill("2");
  await form.getByLabel("Command").fill("node service.mjs --mode 'fast lane'");
  await form.getByLabel("Working directory").fill("examples/demo");
  await form.getByLabel("Environment").fill("REGION=eu\nDEBUG=1");
  await form.getByRole("button", { name: "Create service" }).click();

  await expect(page.getByRole("status").filter({ hasText: "Created orders." })).toBeVisible();
  const card = page.getByTestId("service-orders");
  await expect(card).toContainText("node service.mjs --mode 'fast lane'");
  await expect(card.getByLabel("Replicas of orders")).toHaveValue("2");
  await expect(card.getByTestId("ready-count")).toHaveText("2/2 ready");

  await page.reload();
  await expect(page.getByTestId("service-orders")).toBeVisible();

  await page.goto("/events");
  await expect(page.getByTestId("event").filter({ hasText: "created service orders with 2 replica(s)" })).toBeVisible();
});

test("an invalid name shows the error inline and creates nothing", async ({ page }) => {
  await page.goto("/services");
  await expect(page.getByTestId("service-web")).toBeVisible();
  const servicesBefore = await page.locator("section[data-testid^=service-]").count();
  await page.getByRole("button", { name: "New service" }).click();
  const form = page.getByRole("form", { name: "New service" });
  await form.getByLabel("Name").fill("Bad_Name");
  await form.getByLabel("Command").fill("node service.mjs");
  await form.getByRole("button", { name: "Create service" }).click();
  await expect(form.getByRole("alert")).toContainText("name must be a DNS label");
  await expect(form.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
  await page.reload();
  await expect(page.getByTestId("service-web")).toBeVisible();
  await expect(page.locator("section[data-testid^=service-]")).toHaveCount(servicesBefore);
});

test("an error found by the server (missing working directory) shows next to its field", async ({ page }) => {
  await page.goto("/services");
  await page.getByRole("button", { name: "New service" }).click();
  const form = page.getByRole("form", { name: "New service" });
  await form.getByLabel("Name").fill("nowhere");
  await form.getByLabel("Command").fill("node service.mjs");
  await form.getByLabel("Working directory").fill("no/such/dir");
  await form.getByRole("button", { name: "Create service" }).click();
  await expect(form.getByRole("alert")).toContainText("no/such/dir does not exist");
  await expect(form.getByLabel("Working directory")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("service-nowhere")).toHaveCount(0);
});

test("the topology canvas shows services and who calls whom", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/topology$/);
  for (const name of ["web", "api", "users"]) await expect(page.getByTestId(`node-${name}`)).toBeVisible();
  await expect(page.getByRole("group", { name: "web calls api" })).toHaveCount(1);
  await expect(page.getByRole("group", { name: "api calls users" })).toHaveCount(1);
});
