import { expect, test, type Locator, type Page } from "@playwright/test";
import { createIdleServices, deleteServices, inspector } from "./topology";

// On-call staff often look at a phone first.
const phone = { width: 390, height: 844 };
test.use({ viewport: phone, hasTouch: true, isMobile: true });

async function expectNoSidewaysScrolling(page: Page) {
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone.width);
}

/** Drawn within the screen's width, and at least `minWidth` wide. */
async function expectAcrossScreen(locator: Locator, minWidth = 0) {
  const box = (await locator.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(phone.width);
  expect(box.width).toBeGreaterThanOrEqual(minWidth);
}

test("on a phone the navigation folds behind a Menu button that opens and closes with a tap", async ({ page }) => {
  await page.goto("/overview");
  const menu = page.getByRole("button", { name: "Menu" });
  const events = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Events" });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(events).toBeHidden();

  await menu.tap();
  await expect(events).toBeVisible();
  await menu.tap();
  await expect(events).toBeHidden();

  // Going to another page closes it.
  await menu.tap();
  await events.tap();
  await expect(page).toHaveURL(/\/events$/);
  await expect(page.getByRole("heading", { name: "Events" })).toBeVisible();
  await expect(events).toBeHidden();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
});

test("on a phone the overview shows its tiles in one column across the screen, with no sideways scrolling", async ({ page }) => {
  await page.goto("/overview");
  await expect(page.getByTestId("tile-web")).toBeVisible();
  const tiles = await page.getByTestId("service-tiles").getByRole("link").all();
  expect(tiles.length).toBeGreaterThanOrEqual(3);
  const lefts = new Set<number>();
  for (const tile of tiles) {
    await expectAcrossScreen(tile, phone.width * 0.8);
    lefts.add(Math.round((await tile.boundingBox())!.x));
  }
  expect(lefts.size).toBe(1);
  await expectAcrossScreen(page.getByTestId("health-counts"));
  await expectNoSidewaysScrolling(page);
});

test("on a phone the events page is readable: each message across the screen, the filters within it", async ({ page, request }) => {
  const ids = await createIdleServices(request, ["phone-check"]);
  const message = page.getByText("created service phone-check with 0 replica(s)");
  await page.goto("/events");
  await expect(message).toBeVisible();
  for (const event of (await page.getByTestId("event").all()).slice(0, 5)) await expectAcrossScreen(event);
  // A message gets a line of its own, not a word a line beside the time, kind and actor.
  await expectAcrossScreen(message, phone.width * 0.6);
  for (const filter of [page.getByLabel("Search events"), page.getByLabel("Filter by service"), page.getByLabel("Filter by kind"), page.getByLabel("Filter by actor")]) {
    await expectAcrossScreen(filter);
  }
  await page.getByLabel("Filter by service").selectOption({ label: "phone-check" });
  await expect(page.getByTestId("event")).toHaveCount(1);
  await expect(message).toBeVisible();
  await expectNoSidewaysScrolling(page);
  await deleteServices(request, ids.values());
});

test("on a phone the inspector's status, scale buttons and charts fit the screen, and tapping + scales", async ({ page }) => {
  await page.goto("/overview");
  await page.getByTestId("tile-api").tap();
  await expect(page).toHaveURL(/\/topology\?service=/);
  const panel = inspector(page, "api");
  const up = panel.getByRole("button", { name: "Scale api up" });
  const down = panel.getByRole("button", { name: "Scale api down" });
  await expect(panel.getByTestId("inspector-ready")).toContainText("2/2 ready");
  await expect(panel.getByTestId("chart-rps")).toBeVisible();
  for (const part of [panel.getByTestId("inspector-ready"), up, down, panel.getByRole("tablist"), panel.getByTestId("chart-rps"), panel.getByTestId("chart-latency")]) {
    await expectAcrossScreen(part);
  }
  await expectAcrossScreen(panel.getByTestId("chart-rps"), phone.width * 0.8);
  // Big enough for a finger.
  expect((await up.boundingBox())!.height).toBeGreaterThanOrEqual(40);
  await expectNoSidewaysScrolling(page);

  await up.tap();
  await expect(panel.getByLabel("Replicas of api")).toHaveValue("3");
  await expect(panel.getByTestId("inspector-ready")).toContainText("3/3 ready", { timeout: 15_000 });
  await down.tap(); // as it was, for the tests after this one
  await expect(panel.getByTestId("inspector-ready")).toContainText("2/2 ready", { timeout: 15_000 });
});
