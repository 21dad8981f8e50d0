// The big canvas: a topology of BENCH_SERVICES services and BENCH_EDGES dependency edges (200 /
// 300 by default; issue 22's target is 1,000 / 1,500) on the default listener port range, with
// the live metrics of every service and edge flowing. Measured in Chromium: navigation → every
// node and edge drawn, click → inspector, and frame times while a node is dragged, each against
// its target.
import { once } from "node:events";
import fs from "node:fs";
import type { Browser, Page } from "@playwright/test";
import { stringify } from "yaml";
import { NODE_HEIGHT, NODE_WIDTH, positionsOf } from "../components/topology/layout";
import { signedInPage } from "./browser";
import { newDataDir, startGantryProcess, until, type GantryProcess } from "./gantry-process";

const SERVICES = Number(process.env.BENCH_SERVICES ?? 200);
const EDGES = Number(process.env.BENCH_EDGES ?? 300);
/** A data dir holding this topology already (made on the first run that names it): applying 1,000 services and 1,500 edges takes a minute or more on a busy 2-core box. */
const SEEDED = process.env.BENCH_UI_DATA_DIR;
const DRAG_STEPS = 120;
/** Issue 22's targets, at 1,000 services and 1,500 edges. */
const TARGETS = { firstRenderMs: 1500, clickToInspectorMs: 300, dragFrameP95Ms: 17 };

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number) => Math.round(n * 10) / 10;
const serviceName = (i: number) => `svc-${String(i).padStart(3, "0")}`;

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

/** The topology as one gantry.yaml: applied in one transaction, as a user would bring a big one in (one API call per edge took most of an hour at 1,000 / 1,500). */
function topologyFile(): string {
  const calls = new Map<number, string[]>();
  for (const [from, to] of edges(EDGES, SERVICES)) calls.set(from, [...(calls.get(from) ?? []), serviceName(to)]);
  const services = Object.fromEntries(
    Array.from({ length: SERVICES }, (_, i) => [serviceName(i), { command: "true", replicas: 0, ...(calls.has(i) && { dependsOn: calls.get(i) }) }]),
  );
  return stringify({ version: 1, services });
}

/** Navigation start → every node and edge drawn; long tasks (> 50 ms) on the way; then click → inspector. */
async function firstRender(page: Page, url: string, gantry: GantryProcess) {
  await page.goto(url, { waitUntil: "commit" });
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: "longtask", buffered: true });
  });
  // Zoomed in, xyflow draws each node and edge as elements; zoomed out, the overview draws them on its canvas.
  const renderedAt = await page.waitForFunction(
    ({ nodes, edges }) => {
      const overview = document.querySelector<HTMLElement>("[data-testid=topology-overview]");
      const drawn = overview
        ? overview.dataset.nodes === String(nodes) && overview.dataset.edges === String(edges)
        : document.querySelectorAll(".react-flow__node").length === nodes && document.querySelectorAll(".react-flow__edge").length === edges;
      const placed = document.querySelector(".react-flow__viewport")?.getAttribute("style")?.includes("scale");
      return drawn && placed ? performance.now() : false;
    },
    { nodes: SERVICES, edges: EDGES },
    { polling: "raf", timeout: 60_000 },
  ).catch(async (err: Error) => {
    const seen = await page.evaluate(() => ({
      nodes: document.querySelectorAll(".react-flow__node").length,
      edges: document.querySelectorAll(".react-flow__edge").length,
      overview: { ...document.querySelector<HTMLElement>("[data-testid=topology-overview]")?.dataset },
      viewport: document.querySelector(".react-flow__viewport")?.getAttribute("style"),
    }));
    throw new Error(`the canvas did not finish rendering: ${JSON.stringify(seen)} (${err.message})`);
  });
  const renderMs = (await renderedAt.jsonValue()) as number;
  const inspectorMs = await clickToInspector(page, await onScreen(page, gantry, serviceName(0)));
  await page.getByRole("button", { name: "Close panel" }).click();
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  return { firstRenderMs: round(renderMs), clickToInspectorMs: inspectorMs, longTasks: longTasks.length, longestTaskMs: round(Math.max(0, ...longTasks)) };
}

/**
 * A click on a node → its inspector on screen, timed in the page: from the pointer going down to
 * the first frame after the inspector is in the document. Playwright's own click waits for the
 * node to hold still over two frames and its role query walks every element of the canvas: on a
 * 1,000-node page those added a few hundred ms that no user waits for.
 */
async function clickToInspector(page: Page, node: { x: number; y: number }): Promise<number> {
  await page.evaluate(() => {
    const w = window as unknown as { inspectorShown: Promise<number> };
    w.inspectorShown = new Promise<number>((resolve) => {
      let downAt = NaN;
      addEventListener("pointerdown", (event) => (downAt = event.timeStamp), { capture: true, once: true });
      const watch = new MutationObserver(() => {
        if (!document.querySelector("aside")) return;
        watch.disconnect();
        // Painted: the frame that draws it has run once a task queued from its animation frame runs.
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - downAt)));
      });
      watch.observe(document.body, { childList: true, subtree: true });
    });
  });
  await page.mouse.click(node.x, node.y);
  return round(await page.evaluate(() => (window as unknown as { inspectorShown: Promise<number> }).inspectorShown));
}

/**
 * Where service `name`'s centre is on the page: its place in the flow (saved, or laid out as the
 * canvas lays it out) through the viewport's pan and zoom. Zoomed out, nodes are drawn on the
 * overview's canvas, so there is no element to ask.
 */
async function onScreen(page: Page, gantry: GantryProcess, name: string) {
  const [services, dependencies] = await Promise.all([gantry.api.services.list.query(), gantry.api.dependencies.list.query()]);
  const at = positionsOf(services, dependencies).get(services.find((s) => s.name === name)!.id)!;
  const view = await page.evaluate(() => {
    const flow = document.querySelector(".react-flow")!.getBoundingClientRect();
    const style = document.querySelector<HTMLElement>(".react-flow__viewport")!.style.transform;
    const [x, y, zoom] = /translate\(([-\d.e]+)px,\s*([-\d.e]+)px\) scale\(([-\d.e]+)\)/.exec(style)!.slice(1).map(Number);
    return { left: flow.left, top: flow.top, x: x!, y: y!, zoom: zoom! };
  });
  return { x: view.left + view.x + (at.x + NODE_WIDTH / 2) * view.zoom, y: view.top + view.y + (at.y + NODE_HEIGHT / 2) * view.zoom };
}

/** Drags a node across the canvas at about 60 moves a second and records every frame's duration. */
async function dragFrames(page: Page, gantry: GantryProcess) {
  const name = serviceName(Math.floor(SERVICES / 2));
  const savedAt = async () => (await gantry.api.services.list.query()).find((s) => s.name === name)!.position;
  const before = await savedAt();
  const { x, y } = await onScreen(page, gantry, name);
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
  await until(async () => ((await savedAt())?.x !== before?.x ? true : undefined), 10_000).catch(() => {
    throw new Error("the node was not moved: the drag measured nothing");
  });
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

/** A figure against its target: "1234 ms (target ≤ 1500 ms: met)". */
const against = (ms: number, target: number) => ({ ms, targetMs: target, met: ms <= target });
const say = (label: string, figure: ReturnType<typeof against>) => `${label} ${figure.ms} ms (target ≤ ${figure.targetMs} ms: ${figure.met ? "met" : "MISSED"})`;

async function applyTopology(gantry: GantryProcess) {
  console.log(`creating ${SERVICES} services and ${EDGES} dependencies…`);
  await gantry.api.config.applyFile.mutate({ yaml: topologyFile(), file: "bench.yaml" });
}

/** Applies the topology to a new data dir and keeps it (a Gantry's `stop()` would remove it); removed again if that fails. */
async function seed(into: string, port: number) {
  fs.mkdirSync(into, { recursive: true });
  try {
    const gantry = await startGantryProcess(port, { GANTRY_INGRESS_PORT: "0" }, [], into);
    try {
      await applyTopology(gantry);
    } finally {
      if (gantry.child.exitCode === null) {
        gantry.child.kill("SIGTERM");
        await once(gantry.child, "exit");
      }
    }
  } catch (err) {
    fs.rmSync(into, { recursive: true, force: true }); // never reused half-applied
    throw err;
  }
}

/**
 * A copy of BENCH_UI_DATA_DIR (a data dir this bench's topology was applied to, never laid out), or
 * a new one. Named but missing, that dir is made first, for this run and the next ones.
 */
async function dataDir(port: number): Promise<{ dir: string; seeded: boolean }> {
  const dir = newDataDir();
  if (!SEEDED) return { dir, seeded: false };
  if (!fs.existsSync(SEEDED)) await seed(SEEDED, port);
  fs.cpSync(SEEDED, dir, { recursive: true });
  return { dir, seeded: true };
}

export async function bigCanvas(browser: Browser, port: number) {
  const { dir, seeded } = await dataDir(port);
  // The default listener range (GANTRY_LISTENER_PORT_RANGE): it must hold a service's and an edge's listener each.
  const gantry = await startGantryProcess(port, { GANTRY_INGRESS_PORT: "0" }, [], dir);
  try {
    if (!seeded) await applyTopology(gantry);
    const services = await gantry.api.services.list.query();
    if (services.length !== SERVICES || services.some((s) => s.position)) throw new Error(`the data dir holds ${services.length} services (some placed?), not ${SERVICES} unplaced ones`);

    const page = await signedInPage(browser, gantry.url, { width: 1280, height: 800 });
    await page.goto(`${gantry.url}/topology`); // warm: compile nothing on the clock, fill the HTTP cache like a returning user
    const unplaced = await firstRender(page, `${gantry.url}/topology`, gantry);
    console.log(`first render, no saved layout (laid out in the browser): ${unplaced.firstRenderMs} ms; click → inspector ${unplaced.clickToInspectorMs} ms; ${unplaced.longTasks} long tasks, longest ${unplaced.longestTaskMs} ms`);

    await page.getByRole("button", { name: "Auto layout" }).click();
    await until(async () => ((await gantry.api.services.list.query()).every((s) => s.position) ? true : undefined));
    const placed = await firstRender(page, `${gantry.url}/topology`, gantry);
    console.log(`first render, saved layout: ${placed.firstRenderMs} ms; click → inspector ${placed.clickToInspectorMs} ms; ${placed.longTasks} long tasks, longest ${placed.longestTaskMs} ms`);

    await page.waitForTimeout(3000); // live metrics flowing
    const drag = await dragFrames(page, gantry);
    console.log(
      `dragging a node for ${DRAG_STEPS} moves: ${drag.frames} frames, frame time p50 ${drag.frameMs.p50} ms, p95 ${drag.frameMs.p95} ms, p99 ${drag.frameMs.p99} ms, max ${drag.frameMs.max} ms; ${drag.framesOver33Ms} frames over 33 ms (reference: 16.7 ms per frame at 60 Hz)`,
    );
    const targets = {
      firstRender: against(Math.max(unplaced.firstRenderMs, placed.firstRenderMs), TARGETS.firstRenderMs),
      clickToInspector: against(Math.max(unplaced.clickToInspectorMs, placed.clickToInspectorMs), TARGETS.clickToInspectorMs),
      dragFrameP95: against(drag.frameMs.p95, TARGETS.dragFrameP95Ms),
    };
    console.log(
      `against issue 22's targets (set for 1,000 services / 1,500 edges; the slower of the two loads): ${say("first render", targets.firstRender)}; ${say("click → inspector", targets.clickToInspector)}; ${say("drag frame p95", targets.dragFrameP95)}`,
    );
    return { services: SERVICES, edges: EDGES, viewport: "1280x800", unplaced, placed, drag, targets };
  } finally {
    await gantry.stop();
  }
}
