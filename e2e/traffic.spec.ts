import { expect, test } from "@playwright/test";
import { ingressPort } from "../playwright.config";

test("the demo is reachable through the ingress gateway: web → api → users over their edges", async ({ request }) => {
  const res = await request.get(`http://127.0.0.1:${ingressPort}/`);
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body).toMatchObject({ service: "web", upstream: { API_URL: { service: "api", upstream: { USERS_URL: { service: "users" } } } } });
});

test("edit a service's routes and balancing in the form; the gateway follows", async ({ page, request }) => {
  await page.goto("/services");
  const api = page.getByTestId("service-api");
  await expect(api.getByTestId("service-summary")).toContainText(/:\d+/); // its listener port
  const revision = /rev \d+/.exec((await api.getByTestId("service-summary").textContent())!)![0];
  await api.getByRole("button", { name: "Edit" }).click();
  const form = page.getByRole("form", { name: "Edit api" });
  await form.getByLabel("Balancing").selectOption("least_request");
  await form.getByRole("button", { name: "Add route" }).click();
  await form.getByLabel("Route 1 path prefix").fill("api");
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(form.getByText("path prefix must start with /")).toBeVisible();
  await form.getByLabel("Route 1 path prefix").fill("/api");
  await form.getByLabel("strip prefix").check();
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(form).toHaveCount(0);
  await expect(api.getByTestId("service-summary")).toContainText("least request");
  await expect(api.getByTestId("service-summary")).toContainText("routes /api");
  // Traffic settings don't restart anything.
  await expect(api.getByTestId("service-summary")).toContainText(revision);

  await expect(async () => {
    const res = await request.get(`http://127.0.0.1:${ingressPort}/api/healthz`);
    expect(await res.text()).toBe("ok\n");
  }).toPass();
});
