import { chromium, type Browser, type Page } from "@playwright/test";
import { benchAdmin } from "./gantry-process";

/** Debian's Chromium, headless, without the background work that would blur the figures. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A page of its own, signed in to the Gantry at `url` as the bench admin. */
export async function signedInPage(browser: Browser, url: string, viewport: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  // tsx (esbuild, keepNames) wraps named functions in __name(); the functions sent to the page need it there too.
  await page.addInitScript("window.__name = (fn) => fn");
  await page.request.post(`${url}/api/auth/login`, { data: benchAdmin, headers: { "x-gantry-csrf": "1" } });
  return page;
}
