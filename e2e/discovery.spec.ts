import { expect, test } from "@playwright/test";

test("an external service registered through the Consul API shows up, marked external, with its endpoint's health", async ({ page, request }) => {
  const res = await request.put("/v1/agent/service/register", {
    data: { Name: "billing", ID: "billing-1", Address: "127.0.0.1", Port: 9, Tags: ["saas"], Check: { TTL: "60s" } },
  });
  expect(res.status()).toBe(200);
  await page.goto("/services");
  const card = page.getByTestId("service-billing");
  await expect(card).toContainText("external");
  const endpoint = card.getByTestId("endpoint-billing-1");
  await expect(endpoint).toContainText("127.0.0.1:9");
  await expect(endpoint).toContainText("critical");
  await expect(card.getByRole("button", { name: "Scale billing up" })).toHaveCount(0);

  await request.put("/v1/agent/check/pass/service:billing-1");
  await expect(endpoint).toContainText("passing");
  await expect(card.getByTestId("ready-count")).toHaveText("1/1 healthy endpoints");
});
