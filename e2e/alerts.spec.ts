import { expect, test } from "@playwright/test";
import { node } from "./topology";

const call = async (request: import("@playwright/test").APIRequestContext, path: string, data: unknown) => {
  const res = await request.post(`/api/trpc/${path}`, { data });
  if (!res.ok()) throw new Error(`${path}: ${await res.text()}`);
  return (await res.json()).result.data;
};

test("a firing alert shows on the Overview, on its node and in the tab title, and is silenced from the dashboard", async ({ page, request }) => {
  // A service whose only instance exits at once (never ready: down), and a rule that fires as soon as it is.
  const rule = await call(request, "alerts.createRule", { kind: "service-down", name: "e2e-down", service: "e2e-alerting", severity: "critical", forSeconds: 0 });
  const service = await call(request, "services.create", { name: "e2e-alerting", replicas: 1, template: { command: "false" } });
  try {
    await page.goto("/overview");
    const alert = page.getByTestId("overview-alerts").getByTestId("alert").filter({ hasText: "e2e-down" });
    await expect(alert).toHaveAttribute("data-state", "firing");
    await expect(alert).toContainText("e2e-alerting is down: 0 of 1 instances ready");
    await expect(page).toHaveTitle(/^\(\d+ firing\) Gantry$/);

    await alert.getByRole("button", { name: "Silence…" }).click();
    const dialog = page.getByRole("dialog", { name: "Silence alert" });
    await dialog.getByRole("button", { name: "Silence" }).click();
    await expect(dialog.getByRole("alert")).toContainText("say why"); // a reason is required
    await dialog.getByLabel("Reason").fill("fixing it by hand");
    await dialog.getByRole("button", { name: "Silence" }).click();
    await expect(dialog).toBeHidden();
    await expect(alert.getByTestId("alert-silence")).toContainText("fixing it by hand");
    await expect(alert.getByRole("button", { name: "Unsilence" })).toBeVisible();

    await page.goto(`/topology?service=${service.id}`);
    const badge = node(page, "e2e-alerting").getByTestId("node-alerts");
    await expect(badge).toHaveText(/^\d+ firing$/); // the default rules (crash-looping…) may join in
    await expect(badge).toHaveAttribute("title", /e2e-down: e2e-alerting is down.*\(silenced\)/);
  } finally {
    await call(request, "services.delete", { id: service.id });
    await call(request, "alerts.deleteRule", { id: rule.id });
  }
});
