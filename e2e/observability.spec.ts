import { expect, test } from "@playwright/test";

test("send traffic to a service and watch its instance's log follow, pause and filter", async ({ page }) => {
  await page.goto("/services");
  const web = page.getByTestId("service-web");
  await expect(web.getByTestId("ready-count")).toContainText(/^([1-9]\d*)\/\1 ready/);

  // Open the first instance's log: its start-up line is in the snapshot.
  await web.getByRole("button", { name: "Logs" }).first().click();
  const viewer = web.getByRole("region", { name: /^Logs of / });
  await expect(viewer.getByTestId("log-line").filter({ hasText: "listening on" })).toHaveCount(1);
  await expect(viewer.getByText("following")).toBeVisible();

  // Send traffic: progress runs to done, and the access log lines arrive live with their colours.
  await web.getByLabel("Requests per second to web").fill("10");
  await web.getByLabel("Seconds of traffic to web").fill("3");
  await web.getByRole("button", { name: "Send traffic" }).click();
  const progress = web.getByTestId("load-progress");
  await expect(progress).toContainText("running");
  const accessLine = viewer.getByTestId("log-line").filter({ hasText: "GET / 200" }).first();
  await expect(accessLine).toBeVisible();
  await expect(accessLine.locator("span", { hasText: /^200$/ })).toHaveCSS("color", "rgb(34, 197, 94)");

  // Pause: new lines wait behind the Follow button instead of moving the view.
  await viewer.getByRole("button", { name: "Pause" }).click();
  await expect(viewer.getByText("paused")).toBeVisible();
  await expect(viewer.getByRole("button", { name: /^Follow \(\d+ new\)$/ })).toBeVisible();
  await viewer.getByRole("button", { name: /^Follow/ }).click();
  await expect(viewer.getByText("following")).toBeVisible();

  await expect(progress).toContainText("done", { timeout: 15_000 });
  await expect(progress).toContainText("30 sent · 30 ok · 0 failed");

  // Filter narrows what is shown to matching lines.
  await viewer.getByLabel("Filter log lines").fill("listening");
  await expect(viewer.getByTestId("log-line")).toHaveCount(1);
  await viewer.getByLabel("Filter log lines").fill("no such text anywhere");
  await expect(viewer.getByText("No lines match.")).toBeVisible();

  await viewer.getByRole("button", { name: "Close" }).click();
  await expect(viewer).toHaveCount(0);
});

test("bad traffic settings are refused with a clear message and start nothing", async ({ page }) => {
  await page.goto("/services");
  const api = page.getByTestId("service-api");
  await api.getByLabel("Requests per second to api").fill("0");
  await api.getByRole("button", { name: "Send traffic" }).click();
  await expect(api.getByRole("alert")).toContainText(/rate/i);
  await expect(api.getByTestId("load-progress")).toHaveCount(0);
});
