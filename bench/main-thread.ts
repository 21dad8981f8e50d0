import type { Page } from "@playwright/test";

export type MainThreadUse = {
  /** Share of the window the renderer's main thread spent in tasks of any length. */
  busyPercent: number;
  /** Share of the window spent in long tasks (> 50 ms): the time input and frames wait. */
  longTaskPercent: number;
  longTasks: number;
  longestTaskMs: number;
};

type Observed = { longTasks: Array<{ start: number; end: number }> };

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * Measures a page's main thread over windows of time: all its work from Chromium's own task
 * accounting (DevTools protocol `Performance.getMetrics`, so short tasks count too, which a
 * long-task observer misses), and its long tasks from a `longtask` observer in the page.
 * Call before the page is loaded: the observer is installed in every document it opens.
 */
export async function watchMainThread(page: Page): Promise<(ms: number) => Promise<MainThreadUse>> {
  await page.addInitScript(() => {
    const observed: Observed = { longTasks: [] };
    (window as unknown as { mainThread: Observed }).mainThread = observed;
    new PerformanceObserver((list) => list.getEntries().forEach((e) => observed.longTasks.push({ start: e.startTime, end: e.startTime + e.duration }))).observe({ type: "longtask" });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const taskSeconds = async () => (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")?.value ?? NaN;

  const pageNow = () => page.evaluate(() => performance.now());
  return async (ms) => {
    const before = await taskSeconds();
    const from = await pageNow();
    await page.waitForTimeout(ms);
    const after = await taskSeconds();
    const to = await pageNow();
    const longTasks = (await page.evaluate(() => (window as unknown as { mainThread: Observed }).mainThread.longTasks.splice(0))).filter((t) => t.end > from && t.start < to);
    // The share counts a task only as far as it falls in the window (one may straddle an edge).
    const inWindow = longTasks.reduce((sum, t) => sum + Math.min(t.end, to) - Math.max(t.start, from), 0);
    return {
      busyPercent: round(((after - before) * 1000 * 100) / (to - from)),
      longTaskPercent: round((inWindow * 100) / (to - from)),
      longTasks: longTasks.length,
      longestTaskMs: round(Math.max(0, ...longTasks.map((t) => t.end - t.start))),
    };
  };
}
