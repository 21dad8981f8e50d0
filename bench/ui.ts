// npm run bench:ui — in Chromium, two cases (BENCH_UI_CASES=canvas,inspector picks them):
// - canvas: a big topology (200 services, 300 dependency edges): time to the first complete
//   render, main-thread blocking while loading, and frame times while a node is dragged (with the
//   live metrics of all 200 services updating meanwhile);
// - inspector: a busy service's live charts in the inspector, at every chart window, against the
//   inspector's Instances tab (see ui-busy-inspector.ts).
import type { Browser, Page } from "@playwright/test";
import { launchChromium, signedInPage } from "./browser";
import { saveResults, startGantryProcess, until } from "./gantry-process";
import { busyInspector } from "./ui-busy-inspector";

const SERVICES = Number(process.env.BENCH_SERVICES ?? 200);
const EDGES = Number(process.env.BENCH_EDGES ?? 300);
const port = Number(process.env.BENCH_PORT ?? 3900);
const DRAG_STEPS = 120;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number) => Math.round(n * 10) / 10;

/** A fixed pseudo-random DAG (edges only from lower to higher index), the same every run. */
function edges(count: number, nodes: number): Array<[number, number]> {
  let seed = 42;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const picked = new Set<string>();
  const out: Array<[number, number]> = [];
  while (out.length < count) {
    const a = Math.floor(next() * nodes);
    const b = Math.floor(next() * nodes);
    const [from, to] = a < b ? [a, b] : [b, a];
    if (from === to || picked.has(`${from}:${to}`)) continue;
    picked.add(`${from}:${to}`);
    out.push([from, to]);
  }
  return out;
}

/** Navigation start → every node and edge drawn; long tasks (> 50 ms) on the way. */
async function firstRender(page: Page, url: string) {
  await page.goto(url, { waitUntil: "commit" });
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: "longtask", buffered: true });
  });
  const renderedAt = await page.waitForFunction(
    ({ nodes, edges }) => {
      const drawn = document.querySelectorAll(".react-flow__node").length === nodes && document.querySelectorAll(".react-flow__edge").length === edges;
      const placed = document.querySelector(".react-flow__viewport")?.getAttribute("style")?.includes("scale");
      return drawn && placed ? performance.now() : false;
    },
    { nodes: SERVICES, edges: EDGES },
    { polling: "raf", timeout: 60_000 },
  ).catch(async (err: Error) => {
    const seen = await page.evaluate(() => ({
      nodes: document.querySelectorAll(".react-flow__node").length,
      edges: document.querySelectorAll(".react-flow__edge").length,
      viewport: document.querySelector(".react-flow__viewport")?.getAttribute("style"),
    }));
    throw new Error(`the canvas did not finish rendering: ${JSON.stringify(seen)} (${err.message})`);
  });
  const renderMs = (await renderedAt.jsonValue()) as number;
  // Interactive: the page answers a click on a node by opening its inspector.
  const clickAt = Date.now();
  await page.locator(".react-flow__node").first().click();
  await page.getByRole("complementary").first().waitFor();
  const inspectorMs = Date.now() - clickAt;
  await page.getByRole("button", { name: "Close panel" }).click();
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  return { firstRenderMs: round(renderMs), clickToInspectorMs: inspectorMs, longTasks: longTasks.length, longestTaskMs: round(Math.max(0, ...longTasks)) };
}

/** Drags a node across the canvas at about 60 moves a second and records every frame's duration. */
async function dragFrames(page: Page) {
  const dragged = page.locator(".react-flow__node").nth(Math.floor(SERVICES / 2));
  const transform = () => dragged.evaluate((el) => (el as HTMLElement).style.transform);
  const before = await transform();
  const nodeBox = (await dragged.boundingBox())!;
  const x = nodeBox.x + nodeBox.width / 2;
  const y = nodeBox.y + nodeBox.height / 2;
  await page.evaluate(() => {
    const w = window as unknown as { frames: number[]; recording: boolean };
    w.frames = [];
    w.recording = true;
    let last = performance.now();
    const tick = (now: number) => {
      w.frames.push(now - last);
      last = now;
      if (w.recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= DRAG_STEPS; i++) {
    await page.mouse.move(x + Math.sin(i / 10) * 200, y + i * 2);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  if ((await transform()) === before) throw new Error("the node did not move: the drag measured nothing");
  const frames = await page.evaluate(() => {
    const w = window as unknown as { frames: number[]; recording: boolean };
    w.recording = false;
    return w.frames.slice(1);
  });
  const sorted = [...frames].sort((a, b) => a - b);
  return {
    frames: frames.length,
    frameMs: { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? NaN) },
    framesOver33Ms: frames.filter((f) => f > 33.4).length,
  };
}

async function canvas(browser: Browser) {
  const gantry = await startGantryProcess(port, { GANTRY_INGRESS_PORT: "0", GANTRY_LISTENER_PORT_RANGE: "43000-43999", GANTRY_PORT_RANGE: "44000-44999" });
  try {
    console.log(`creating ${SERVICES} services and ${EDGES} dependencies…`);
    const ids: string[] = [];
    for (let i = 0; i < SERVICES; i++) {
      ids.push((await gantry.api.services.create.mutate({ name: `svc-${String(i).padStart(3, "0")}`, replicas: 0, template: { command: "true" } })).id);
    }
    for (const [from, to] of edges(EDGES, SERVICES)) await gantry.api.dependencies.create.mutate({ fromId: ids[from]!, toId: ids[to]! });

    const page = await signedInPage(browser, gantry.url, { width: 1280, height: 800 });
    await page.goto(`${gantry.url}/topology`); // warm: compile nothing on the clock, fill the HTTP cache like a returning user
    const unplaced = await firstRender(page, `${gantry.url}/topology`);
    console.log(`first render, no saved layout (laid out in the browser): ${unplaced.firstRenderMs} ms; click → inspector ${unplaced.clickToInspectorMs} ms; ${unplaced.longTasks} long tasks, longest ${unplaced.longestTaskMs} ms`);

    await page.getByRole("button", { name: "Auto layout" }).click();
    await until(async () => ((await gantry.api.services.list.query()).every((s) => s.position) ? true : undefined));
    const placed = await firstRender(page, `${gantry.url}/topology`);
    console.log(`first render, saved layout: ${placed.firstRenderMs} ms; click → inspector ${placed.clickToInspectorMs} ms; ${placed.longTasks} long tasks, longest ${placed.longestTaskMs} ms`);

    await page.waitForTimeout(3000); // live metrics flowing
    const drag = await dragFrames(page);
    console.log(
      `dragging a node for ${DRAG_STEPS} moves: ${drag.frames} frames, frame time p50 ${drag.frameMs.p50} ms, p95 ${drag.frameMs.p95} ms, p99 ${drag.frameMs.p99} ms, max ${drag.frameMs.max} ms; ${drag.framesOver33Ms} frames over 33 ms (reference: 16.7 ms per frame at 60 Hz)`,
    );
    return { services: SERVICES, edges: EDGES, viewport: "1280x800", unplaced, placed, drag };
  } finally {
    await gantry.stop();
  }
}

const cases = (process.env.BENCH_UI_CASES ?? "canvas,inspector").split(",");
const browser = await launchChromium();
try {
  const results = {
    ...(cases.includes("canvas") && (await canvas(browser))),
    ...(cases.includes("inspector") && { busyInspector: await busyInspector(browser, port) }),
  };
  console.log(`results: ${saveResults("ui", results)}`);
} finally {
  await browser.close();
}
