import { expect, test } from "@playwright/test";

test("the events page searches the whole log on the server, not only the events on screen", async ({ page, request }) => {
  const created = await request.post("/api/trpc/services.create", { data: { name: "needle-search", replicas: 0, template: { command: "true" } } });
  const id = (await created.json()).result.data.id as string;
  // Push its creation out of the live window (the newest 100 events).
  for (let i = 0; i < 60; i++) {
    await request.post("/api/trpc/services.scale", { data: { id, replicas: (i % 2) + 1 } });
    await request.post("/api/trpc/services.scale", { data: { id, replicas: 0 } });
  }
  await page.goto("/events");
  await expect(page.getByText("created service needle-search")).toHaveCount(0);
  await page.getByLabel("Search events").fill("needle-search nowhere");
  await expect(page.getByText("No events match.")).toBeVisible();
  await page.getByLabel("Search events").fill("created service NEEDLE");
  await expect(page.getByText("created service needle-search with 0 replica(s)")).toBeVisible();
  await expect(page.getByText(/scaled needle-search/)).toHaveCount(0);
  await request.post("/api/trpc/services.delete", { data: { id } });
});
