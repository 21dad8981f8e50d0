import { expect, test } from "@playwright/test";
import { inspector, node } from "./topology";

test("inject 50 % errors on the web → api edge from the canvas: the edge turns red, and it ends by itself", async ({ page }) => {
  await page.goto("/topology");
  await node(page, "api").click();
  const api = inspector(page, "api");
  await api.getByText("Inject a fault").click();
  const form = api.getByRole("form", { name: "Inject a fault into api" });
  await form.getByLabel("Into").selectOption({ label: "calls from web" });
  await form.getByLabel("Share of requests (%)").fill("50");
  await form.getByLabel("Status").fill("503");
  await form.getByLabel("For (seconds)").fill("12");
  await form.getByRole("button", { name: "Inject" }).click();

  const banner = page.getByRole("alert", { name: "Chaos in force" });
  await expect(banner).toContainText("Chaos on web → api: 50 % of requests answered 503");

  // Traffic to web calls api over the edge: half of those calls fail, and the edge says so in red.
  await page.getByRole("button", { name: "Close panel" }).click();
  await node(page, "web").click();
  const web = inspector(page, "web");
  await web.getByLabel("Requests per second to web").fill("20");
  await web.getByLabel("Seconds of traffic to web").fill("10");
  await web.getByRole("button", { name: "Send traffic" }).click();
  const label = page.getByTestId("edge-label-web-api");
  await expect(label).toHaveClass(/bg-red-600/, { timeout: 10_000 });
  await expect(label).toContainText("err");

  // Its time is up: the banner goes, and the event log has both ends.
  await expect(banner).toBeHidden({ timeout: 15_000 });
  await page.goto("/events");
  await expect(page.getByText("injected a fault on web → api: 50 % of requests answered 503, for 12 s")).toBeVisible();
  await expect(page.getByText("the fault on web → api ended after its time (50 % of requests answered 503)")).toBeVisible();
});
