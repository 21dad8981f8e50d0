// npm run bench:autoscale — how fast autoscaling reacts to a load step of 20 → 200 req/s through the
// service's listener (target 50 req/s per instance: 1 → 4 instances) and back to 20 req/s. Run with
// Kubernetes' HPA defaults (15 s sync; scale-down window 5 min, shortened here to 10 s so the run
// ends) and with a 1 s sync. The reference line is what the HPA's defaults allow for the same step.
import path from "node:path";
import { startPacedLoad } from "../server/testing/load";
import { saveResults, startHeadlessGantry, until, type GantryProcess } from "./gantry-process";

const fixture = path.resolve(import.meta.dirname, "../server/testing/fixtures/fixture-server.mjs");
const port = Number(process.env.BENCH_PORT ?? 3960);
const DOWN_WINDOW_SECONDS = 10;
const HPA = { syncSeconds: 15, downWindowSeconds: 300 };

const seconds = (from: number, to: number) => (to - from) / 1000;

async function measure(gantry: GantryProcess, syncSeconds: number) {
  const { api } = gantry;
  const service = await api.services.create.mutate({
    name: `step-${syncSeconds}s`,
    replicas: 1,
    template: { command: process.execPath, args: [fixture] },
    autoscale: { maxReplicas: 8, targets: { requestsPerSecond: 50 }, behavior: { scaleDown: { stabilizationWindowSeconds: DOWN_WINDOW_SECONDS } } },
  });
  const readyCount = async () => (await api.instances.list.query({ serviceId: service.id })).filter((i) => i.ready).length;
  const scaledTo = (replicas: number, since: number) =>
    until(async () => {
      const events = await api.events.list.query({ serviceId: service.id, kind: "service.autoscaled" });
      return events.find((e) => Date.parse(e.at) >= since && (e.data as { to: number }).to === replicas);
    });
  await until(async () => ((await readyCount()) === 1 ? true : undefined));
  const load = startPacedLoad(`http://127.0.0.1:${service.listenPort}/`, 20);
  try {
    await new Promise((r) => setTimeout(r, (syncSeconds + 2) * 1000)); // a sync or more at 20 req/s
    const stepUp = Date.now();
    load.setRate(200);
    const firstUp = await until(async () => (await api.events.list.query({ serviceId: service.id, kind: "service.autoscaled" })).find((e) => Date.parse(e.at) >= stepUp));
    const atFour = await scaledTo(4, stepUp);
    await until(async () => ((await readyCount()) === 4 ? true : undefined));
    const allReady = Date.now();
    const stepDown = Date.now();
    load.setRate(20);
    const backToOne = await scaledTo(1, stepDown);
    const traffic = await load.stop();
    const row = {
      syncSeconds,
      firstScaleUpSeconds: seconds(stepUp, Date.parse(firstUp.at)),
      wantedFourSeconds: seconds(stepUp, Date.parse(atFour.at)),
      fourReadySeconds: seconds(stepUp, allReady),
      scaleDownSeconds: seconds(stepDown, Date.parse(backToOne.at)),
      downWindowSeconds: DOWN_WINDOW_SECONDS,
      events: (await api.events.list.query({ serviceId: service.id, kind: "service.autoscaled" })).reverse().map((e) => e.message),
      ...traffic,
    };
    await api.services.delete.mutate({ id: service.id });
    return row;
  } finally {
    await load.stop();
  }
}

const rows = [];
for (const syncSeconds of [HPA.syncSeconds, 1]) {
  const gantry = await startHeadlessGantry(port, { instances: "61000-61099", listeners: "61100-61199" }, { GANTRY_AUTOSCALE_SYNC: `${syncSeconds}s` });
  try {
    const row = await measure(gantry, syncSeconds);
    rows.push(row);
    console.log(
      `sync ${String(syncSeconds).padStart(2)} s: step 20 → 200 req/s — first scale-up ${row.firstScaleUpSeconds.toFixed(1)} s, 4 wanted ${row.wantedFourSeconds.toFixed(1)} s, ` +
        `4 ready ${row.fourReadySeconds.toFixed(1)} s; back to 20 req/s — 1 wanted after ${row.scaleDownSeconds.toFixed(1)} s (window ${DOWN_WINDOW_SECONDS} s); ` +
        `${row.ok} ok, ${row.failed} failed requests`,
    );
    for (const message of row.events) console.log(`    ${message}`);
  } finally {
    await gantry.stop();
  }
}
console.log(
  `reference (Kubernetes HPA defaults): the first scale-up decision comes at the next ${HPA.syncSeconds} s sync (0–${HPA.syncSeconds} s after the step, ` +
    `plus metrics-server's own 15 s+ resolution); scale-down no sooner than the ${HPA.downWindowSeconds} s window after the drop, up to ${HPA.downWindowSeconds + HPA.syncSeconds} s`,
);
console.log(`results: ${saveResults("autoscale", { reference: HPA, rows })}`);
