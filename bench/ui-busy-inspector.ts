// The busy inspector: a service with 20 instances serving 300 req/s and a day of history, its
// inspector open on Metrics at each chart window, against the same page with the inspector on
// its Instances tab (the reference) in the same run: how much of the main thread goes to work and
// to long tasks, and how long a click on + (and −) takes to show.
import path from "node:path";
import type { Browser, Locator, Page } from "@playwright/test";
import type { MetricWindow } from "../server/contracts/metrics";
import { signedInPage } from "./browser";
import { newDataDir, startGantryProcess, until, type GantryProcess } from "./gantry-process";
import { watchMainThread, type MainThreadUse } from "./main-thread";
import { seedMinuteHistory } from "./metric-history";
import { sendTraffic } from "./traffic";

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 300);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 15_000);
/** Under traffic before measuring: the server keeps 15 min at 1 s, so the 15 m charts are full only after 15 min. */
const WARMUP_MS = Number(process.env.BENCH_WARMUP_S ?? 900) * 1000;
const SETTLE_MS = 3000;
const NAME = "busy";
const VIEWPORT = { width: 1440, height: 900 };
const windows: MetricWindow[] = ["5m", "15m", "1h", "24h"];
const fixture = path.resolve(import.meta.dirname, "../server/testing/fixtures/fixture-server.mjs");
const MINUTE = 60_000;

export type TabFigures = MainThreadUse & { clickUpMs: number; clickDownMs: number };

const round = (n: number) => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readyInstances(gantry: GantryProcess, serviceId: string, count: number) {
  await until(async () => ((await gantry.api.instances.list.query({ serviceId })).filter((i) => i.ready).length === count ? true : undefined));
}

/**
 * The service, its instances adopted by a second Gantry that finds a day of minute history in
 * its store: the first Gantry creates them and is killed (instances keep running), the history
 * is written while no Gantry holds the store.
 */
async function gantryWithHistory(port: number) {
  // Ports within BENCH_PORT's own hundred, clear of the canvas case's ranges and other benches.
  const env = { GANTRY_INGRESS_PORT: "0", GANTRY_LISTENER_PORT_RANGE: `${port + 10}-${port + 19}`, GANTRY_PORT_RANGE: `${port + 20}-${port + 99}` };
  const dataDir = newDataDir();
  const startedAt = Date.now();
  const first = await startGantryProcess(port, env, [], dataDir);
  const service = await first.api.services.create.mutate({ name: NAME, replicas: INSTANCES, template: { command: process.execPath, args: [fixture] } });
  await readyInstances(first, service.id, INSTANCES);
  const instances = await first.api.instances.list.query({ serviceId: service.id });
  await sleep(500); // the state writer persists the instances' pids
  const exited = new Promise((r) => first.child.once("exit", r));
  first.child.kill("SIGKILL");
  await exited;

  const historyEnd = Math.floor(startedAt / MINUTE) * MINUTE;
  const rows = await seedMinuteHistory(dataDir, {
    service: `service:${service.id}`,
    instances: instances.map((i) => `instance:${i.id}`),
    rate: RATE,
    until: historyEnd,
    outage: { from: historyEnd - 180 * MINUTE, to: historyEnd - 160 * MINUTE },
  });
  const gantry = await startGantryProcess(port, env, [], dataDir);
  await readyInstances(gantry, service.id, INSTANCES);
  return { gantry, service, historyRows: rows };
}

type Clicked = { pressedAt?: number };

/** Click → the new count drawn: from the input event's time (so time queued behind other work counts) to the first frame that shows it. */
async function clickToShown(page: Page, button: Locator, expected: number): Promise<number> {
  await page.evaluate(() => {
    const w = window as unknown as Clicked;
    w.pressedAt = undefined;
    document.addEventListener("pointerdown", (e) => (w.pressedAt = e.timeStamp), { capture: true, once: true });
  });
  await button.click();
  const shown = await page.waitForFunction(
    ({ label, value }) => {
      const pressedAt = (window as unknown as Clicked).pressedAt;
      const field = document.querySelector<HTMLInputElement>(`input[aria-label="${label}"]`);
      return pressedAt !== undefined && field?.value === value ? performance.now() - pressedAt : false;
    },
    { label: `Replicas of ${NAME}`, value: String(expected) },
    { polling: "raf", timeout: 60_000 },
  );
  return round((await shown.jsonValue()) as number);
}

export async function busyInspector(browser: Browser, port: number) {
  const { gantry, service, historyRows } = await gantryWithHistory(port);
  const traffic = sendTraffic([service.listenPort!], RATE);
  try {
    const page = await signedInPage(browser, gantry.url, VIEWPORT);
    const measure = await watchMainThread(page);
    await page.goto(`${gantry.url}/topology?service=${service.id}`);
    const panel = page.getByRole("complementary", { name: `Inspector: ${NAME}` });
    const tab = (name: string) => panel.getByRole("tab", { name });
    await tab("instances").click(); // the cheap tab while the seconds fill up
    console.log(`busy inspector: ${INSTANCES} instances at ${RATE} req/s, ${historyRows} minute points of history; ${WARMUP_MS / 1000} s under traffic first…`);
    await sleep(WARMUP_MS);

    /** The window's figures, then + and − clicked (the count is back where it was before the next window). */
    const figures = async (): Promise<TabFigures> => {
      await sleep(SETTLE_MS);
      const use = await measure(WINDOW_MS);
      const clickUpMs = await clickToShown(page, panel.getByRole("button", { name: `Scale ${NAME} up` }), INSTANCES + 1);
      const clickDownMs = await clickToShown(page, panel.getByRole("button", { name: `Scale ${NAME} down` }), INSTANCES);
      await readyInstances(gantry, service.id, INSTANCES);
      return { ...use, clickUpMs, clickDownMs };
    };
    const results: Record<string, { metrics: TabFigures; instancesTab: TabFigures }> = {};
    for (const window of windows) {
      await tab("metrics").click();
      await panel.getByRole("group", { name: "Chart window" }).getByRole("button", { name: window, exact: true }).click();
      await until(async () => ((await panel.getByTestId("chart-rps").getByTestId("chart-latest").textContent({ timeout: 60_000 })) !== "no data" ? true : undefined));
      const metrics = await figures();
      await tab("instances").click();
      const instancesTab = await figures();
      results[window] = { metrics, instancesTab };
      const line = (f: TabFigures) =>
        `${f.busyPercent}% busy, ${f.longTaskPercent}% in ${f.longTasks} long tasks (longest ${f.longestTaskMs} ms); + shown in ${f.clickUpMs} ms, − in ${f.clickDownMs} ms`;
      const over = round(metrics.busyPercent - instancesTab.busyPercent);
      console.log(`  ${window.padEnd(3)} Metrics:   ${line(metrics)} — ${over} points over the reference`);
      console.log(`      Instances: ${line(instancesTab)} (reference)`);
    }
    const seconds = (performance.now() - traffic.startedAt) / 1000;
    return { instances: INSTANCES, rate: RATE, answeredPerSecond: round(traffic.answered() / seconds), windowMs: WINDOW_MS, warmupMs: WARMUP_MS, viewport: `${VIEWPORT.width}x${VIEWPORT.height}`, historyRows, windows: results };
  } finally {
    traffic.stop();
    await gantry.stop();
  }
}
