// npm run bench:time-travel — a scrub step on the timeline: `timeline.at` over HTTP (query,
// reconstruction from the event window and the metric rings, JSON) with 200 services, ~300 edges,
// a day of synthetic events (instances flapping, scales, deploys, services created and deleted)
// and a day of minute rollups per service in the store. p50/p95 against the 200 ms target; the
// first step (which loads the day's events) and "what changed" over an hour apart. Then in
// Chromium: ← on the canvas' scrubber until the past canvas shows the new moment.
import { randomUUID } from "node:crypto";
import type { Browser } from "@playwright/test";
import { openDatabase } from "../server/store/database";
import { launchChromium, signedInPage } from "./browser";
import { newDataDir, saveResults, startGantryProcess, startHeadlessGantry, type GantryProcess } from "./gantry-process";

const SERVICES = Number(process.env.BENCH_SERVICES ?? 200);
const DELETED = 20;
const STEPS = Number(process.env.BENCH_STEPS ?? 200);
const UI_STEPS = 40;
const port = Number(process.env.BENCH_PORT ?? 3960);
const ranges = { listeners: "45000-45999", instances: "46000-46999" };
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const TARGET_MS = 200;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number) => Math.round(n * 10) / 10;

type EventRow = { at: Date; kind: string; actor: string; serviceId: string; serviceName: string; instanceId?: string; message: string; data?: object };

/**
 * A day for every service: each of its two instances flaps (unready, ready again) every 20
 * minutes, it is scaled 2 → 3 → 2 every two hours (a third instance starting and stopping) and
 * deployed every six; and a few services are created and deleted during the day.
 */
function dayOfEvents(services: Array<{ id: string; name: string }>, now: number): EventRow[] {
  const rows: EventRow[] = [];
  const start = now - DAY + MINUTE;
  services.forEach((s, index) => {
    const offset = (index * 7_919) % (20 * MINUTE);
    const event = (at: number, kind: string, extra: Partial<EventRow> = {}) => rows.push({ at: new Date(at), kind, actor: "engine", serviceId: s.id, serviceName: s.name, message: kind, ...extra });
    for (let t = start + offset; t < now - MINUTE; t += 20 * MINUTE) {
      for (const i of [0, 1]) {
        event(t + i * 1000, "instance.unready", { instanceId: `${s.name}-i${i}` });
        event(t + i * 1000 + 30_000, "instance.ready", { instanceId: `${s.name}-i${i}` });
      }
    }
    for (let t = start + offset, n = 0; t < now - MINUTE; t += 2 * 60 * MINUTE, n++) {
      event(t + 5_000, "service.scaled", { actor: "user:admin", data: { from: 2, to: 3 } });
      event(t + 6_000, "instance.starting", { instanceId: `${s.name}-x${n}` });
      event(t + 9_000, "instance.ready", { instanceId: `${s.name}-x${n}` });
      event(t + 60 * MINUTE, "service.scaled", { actor: "user:admin", data: { from: 3, to: 2 } });
      event(t + 60 * MINUTE + 1_000, "instance.stopping", { instanceId: `${s.name}-x${n}` });
      event(t + 60 * MINUTE + 2_000, "instance.stopped", { instanceId: `${s.name}-x${n}` });
    }
    for (let t = start + offset, revision = 2; t < now - MINUTE; t += 6 * 60 * MINUTE, revision++) {
      event(t + 90_000, "service.updated", { actor: "user:admin", data: { changed: ["env"], revision, from: { replicas: 2, revision: revision - 1 } } });
    }
  });
  for (let i = 0; i < DELETED; i++) {
    const id = randomUUID();
    const name = `gone-${i}`;
    const created = start + i * 30 * MINUTE;
    const data = { replicas: 1, revision: 1, position: { x: i * 260, y: -300 }, external: false, protocol: "http", edges: [] };
    rows.push({ at: new Date(created), kind: "service.created", actor: "user:admin", serviceId: id, serviceName: name, message: `created service ${name}` });
    rows.push({ at: new Date(created + 4 * 60 * MINUTE), kind: "service.deleting", actor: "user:admin", serviceId: id, serviceName: name, message: `deleting service ${name}`, data });
    rows.push({ at: new Date(created + 4 * 60 * MINUTE + 2_000), kind: "service.deleted", actor: "engine", serviceId: id, serviceName: name, message: `deleted service ${name}`, data });
  }
  return rows.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** A day of minute points per service, as if Gantry had been collecting them. */
function dayOfRollups(services: Array<{ id: string }>, now: number) {
  const rows = [];
  for (let at = Math.floor((now - DAY) / MINUTE) * MINUTE; at < now - MINUTE; at += MINUTE) {
    const wave = 0.75 + 0.25 * Math.sin((at / DAY) * 2 * Math.PI);
    for (const s of services) rows.push({ series: `service:${s.id}`, at: new Date(at), point: { at, rps: 40 * wave, errorRate: 0.5, p50: 2, p95: 9 * wave, p99: 20, ready: 2 } });
  }
  return rows;
}

async function seed(dataDir: string, services: Array<{ id: string; name: string }>, now: number) {
  const database = await openDatabase(undefined, dataDir);
  try {
    // The services and edges made through the API a moment ago have been there all day.
    await database.prisma.event.updateMany({ data: { at: new Date(now - DAY - 10 * MINUTE) } });
    const events = dayOfEvents(services, now);
    for (let i = 0; i < events.length; i += 5000) await database.prisma.event.createMany({ data: events.slice(i, i + 5000) });
    const rollups = dayOfRollups(services, now);
    for (let i = 0; i < rollups.length; i += 5000) await database.prisma.metricRollup.createMany({ data: rollups.slice(i, i + 5000), skipDuplicates: true });
    return { events: events.length, rollups: rollups.length };
  } finally {
    await database.close();
  }
}

async function stopKeepingData(gantry: GantryProcess) {
  gantry.child.kill("SIGTERM");
  await new Promise((resolve) => gantry.child.once("exit", resolve));
}

/**
 * Keypress → the past canvas showing the new moment, in Chromium (an upper bound: it includes
 * Playwright's round trips). Steps a minute back at a time from twelve hours ago.
 */
async function uiSteps(browser: Browser, url: string) {
  const page = await signedInPage(browser, url, { width: 1280, height: 800 });
  await page.goto(`${url}/topology`);
  await page.getByRole("button", { name: "Time travel" }).click();
  const slider = page.getByTestId("time-travel-slider");
  const start = Number(await slider.getAttribute("max")) - 12 * 60 * MINUTE;
  const moment = await page.evaluate((ms) => {
    const d = new Date(ms);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }, start);
  await page.getByTestId("time-travel-moment").fill(moment);
  await page.locator(`[data-testid=past-canvas][data-at="${start}"]`).waitFor({ timeout: 60_000 });
  // In the page too: keydown → the new moment committed and the next frame drawn, without Playwright's round trips.
  await page.evaluate(() => {
    const w = window as unknown as { scrubStarted: number; scrubTimes: number[] };
    w.scrubTimes = [];
    document.addEventListener("keydown", () => (w.scrubStarted = performance.now()), true);
    const canvas = document.querySelector("[data-testid=past-canvas]")!;
    new MutationObserver(() => requestAnimationFrame(() => w.scrubTimes.push(performance.now() - w.scrubStarted))).observe(canvas, { attributes: true, attributeFilter: ["data-at"] });
  });
  await slider.focus();
  const times: number[] = [];
  for (let i = 1; i <= UI_STEPS; i++) {
    const began = performance.now();
    await page.keyboard.press("ArrowLeft");
    await page.locator(`[data-testid=past-canvas][data-at="${start - i * MINUTE}"]`).waitFor({ timeout: 30_000 });
    times.push(performance.now() - began);
  }
  const inPage = (await page.evaluate(() => (window as unknown as { scrubTimes: number[] }).scrubTimes)).sort((a, b) => a - b);
  await page.close();
  const sorted = times.sort((a, b) => a - b);
  return {
    steps: UI_STEPS,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    max: round(sorted.at(-1)!),
    inPage: { p50: round(percentile(inPage, 50)), p95: round(percentile(inPage, 95)), max: round(inPage.at(-1)!) },
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

const dataDir = newDataDir();
let gantry = await startHeadlessGantry(port, ranges, {}, dataDir);
console.log(`creating ${SERVICES} services and their dependencies…`);
const services: Array<{ id: string; name: string }> = [];
for (let i = 0; i < SERVICES; i++) {
  const name = `svc-${String(i).padStart(3, "0")}`;
  services.push({ id: (await gantry.api.services.create.mutate({ name, replicas: 0, template: { command: "true" }, position: { x: (i % 20) * 260, y: Math.floor(i / 20) * 140 } })).id, name });
}
let edges = 0;
for (let i = 0; i < SERVICES; i++) {
  for (const j of i % 2 === 0 ? [i + 1, i + 3] : [i + 1]) {
    if (j >= SERVICES) continue;
    await gantry.api.dependencies.create.mutate({ fromId: services[i]!.id, toId: services[j]!.id, rollout: false });
    edges++;
  }
}
await stopKeepingData(gantry);

const now = Date.now();
console.log("seeding a day of events and minute rollups…");
const seeded = await seed(dataDir, services, now);
console.log(`${seeded.events} events, ${seeded.rollups} minute rollups`);
// With the dashboard this time, for the browser's steps.
gantry = await startGantryProcess(port, { GANTRY_INGRESS_PORT: "0", GANTRY_LISTENER_PORT_RANGE: ranges.listeners, GANTRY_PORT_RANGE: ranges.instances }, [], dataDir);
try {
  const first = await timed(() => gantry.api.timeline.at.query({ at: Date.now() - 12 * 60 * MINUTE }));
  console.log(`first step (loads the day's events): ${round(first.ms)} ms; ${first.result.services.length} services, ${first.result.dependencies.length} edges then`);

  // Steps as a user scrubs: a minute at a time back from an hour ago, then jumps across the day.
  const times: number[] = [];
  let seedValue = 7;
  const next = () => (seedValue = (seedValue * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < STEPS; i++) {
    const at = i < STEPS / 2 ? Date.now() - 60 * MINUTE - i * MINUTE : Date.now() - Math.floor(next() * (DAY - 2 * MINUTE)) - MINUTE;
    times.push((await timed(() => gantry.api.timeline.at.query({ at }))).ms);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const step = { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), max: round(sorted.at(-1)!) };
  console.log(`scrub step (timeline.at over HTTP), ${STEPS} steps: p50 ${step.p50} ms, p95 ${step.p95} ms, max ${step.max} ms (target ≤ ${TARGET_MS} ms)`);

  const changes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const to = Date.now() - i * 2 * 60 * MINUTE;
    changes.push((await timed(() => gantry.api.timeline.changes.query({ from: to - 60 * MINUTE, to }))).ms);
  }
  const changesSorted = changes.sort((a, b) => a - b);
  console.log(`what changed over an hour: p50 ${round(percentile(changesSorted, 50))} ms, max ${round(changesSorted.at(-1)!)} ms`);

  const browser = await launchChromium();
  const ui = await uiSteps(browser, gantry.url).finally(() => browser.close());
  console.log(`scrub step in Chromium (← until the past canvas shows the moment), ${ui.steps} steps: p50 ${ui.p50} ms, p95 ${ui.p95} ms, max ${ui.max} ms`);
  console.log(`  measured in the page (keydown → committed, next frame): p50 ${ui.inPage.p50} ms, p95 ${ui.inPage.p95} ms, max ${ui.inPage.max} ms`);

  const results = {
    services: SERVICES,
    deletedServices: DELETED,
    edges,
    events: seeded.events,
    rollups: seeded.rollups,
    firstStepMs: round(first.ms),
    stepMs: step,
    targetMs: TARGET_MS,
    withinTarget: step.p95 <= TARGET_MS,
    changesOverAnHourMs: { p50: round(percentile(changesSorted, 50)), max: round(changesSorted.at(-1)!) },
    uiStepMs: ui,
  };
  console.log(`results: ${saveResults("time-travel", results)}`);
} finally {
  await gantry.stop();
}
