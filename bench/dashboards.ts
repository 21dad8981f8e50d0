// npm run bench:dashboards — what live dashboards cost: BENCH_CLIENTS (default 10,000) WebSockets
// subscribed to the Overview page's topics, against a headless Gantry running the demo under
// traffic. Gantry's CPU (% of one core) and median RSS over a window without clients, then with
// them, in the same run; the added CPU and RSS per socket against issue 22's targets (≤ 20 points
// of a core, ≤ 30 KB per socket); the delay from a metrics tick to its arrival, and how many ticks
// arrived, so a cheap gateway cannot hide behind dropped updates. The clients run in
// BENCH_CLIENT_PROCESSES child processes (bench/dashboard-clients.ts), their CPU reported apart, from
// several 127.0.0.x source addresses so that Gantry's default per-address cap (256) holds. Each
// window starts from a full GC in Gantry (asked through --inspect), so that garbage left by start-up
// or by the connects, collected in one run's window and not in another's, does not decide the figure.
import { fork, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { FixedTopic } from "../server/contracts/realtime";
import { defaultRealtimeLimits } from "../server/realtime/limits";
import type { ClientsConfig, ClientsReport, FromClients, ToClients } from "./dashboard-clients";
import { benchAuth, collectGarbage, newDataDir, processStats, saveResults, startHeadlessGantry, until } from "./gantry-process";
import { sendTraffic } from "./traffic";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10_000);
const PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 4);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 30_000);
/** Requests per second to the demo's web service, which calls api, which calls users. */
const RATE = 20;
/** Sockets per source address, under Gantry's default cap of 256. */
const PER_ADDRESS = 250;
/** What the Overview page subscribes to (app/(dashboard)/overview/page.tsx and what it renders). */
const OVERVIEW_TOPICS: FixedTopic[] = ["topology", "instances", "catalog", "metrics", "events"];
const TARGETS = { addedCpuPoints: 20, kibPerSocket: 30 };
const port = Number(process.env.BENCH_PORT ?? 3990);
const inspectPort = port + 10_000;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU (% of one core) of a process over `ms`, and its RSS read every second (median, MiB). */
async function measure(pid: number, ms: number): Promise<{ cpuPercent: number; rssMiB: number }> {
  const before = processStats(pid).cpuSeconds;
  const rss: number[] = [];
  for (let waited = 0; waited < ms; waited += 1000) {
    await sleep(1000);
    rss.push(processStats(pid).rssBytes / 2 ** 20);
  }
  return { cpuPercent: ((processStats(pid).cpuSeconds - before) / (ms / 1000)) * 100, rssMiB: median(rss) };
}

/** Each socket is a descriptor in Gantry and in a client process: say so before the run, not as EMFILE half-way. */
function checkDescriptorLimit() {
  const limit = Number(spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).stdout.trim());
  const needed = CLIENTS + 1000;
  if (Number.isFinite(limit) && limit < needed) throw new Error(`ulimit -n is ${limit}: Gantry needs a descriptor per client, raise it to at least ${needed} (ulimit -n ${needed}) or lower BENCH_CLIENTS`);
}

type ClientProcess = { child: ChildProcess; connected: Promise<FromClients>; ask(message: ToClients): Promise<FromClients> };

function startClients(config: ClientsConfig): ClientProcess {
  const child = fork(path.join(import.meta.dirname, "dashboard-clients.ts"), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, BENCH_CLIENTS_CONFIG: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = () =>
    new Promise<FromClients>((resolve, reject) => {
      child.once("message", (message: FromClients) => (message.type === "failed" ? reject(new Error(message.message)) : resolve(message)));
      child.once("exit", (code) => reject(new Error(`a client process exited with ${code}`)));
    });
  return { child, connected: next(), ask: (message) => (child.send(message), next()) };
}

checkDescriptorLimit();
const gantry = await startHeadlessGantry(
  port,
  { listeners: "47000-47049", instances: "47050-47099" },
  // The totals raised for the run (GANTRY_REALTIME_*); per address the defaults hold.
  {
    GANTRY_DEMO: "1",
    GANTRY_REALTIME_CONNECTIONS: String(Math.max(defaultRealtimeLimits.sockets, CLIENTS)),
    GANTRY_REALTIME_SUBSCRIPTIONS: String(Math.max(defaultRealtimeLimits.subscriptions, CLIENTS * OVERVIEW_TOPICS.length)),
  },
  newDataDir(),
  [`--inspect=127.0.0.1:${inspectPort}`],
);
const pid = gantry.child.pid!;
let stopTraffic = () => {};
const clientProcesses: ClientProcess[] = [];
try {
  const services = await until(async () => {
    const list = await gantry.api.services.list.query();
    const instances = await gantry.api.instances.list.query({});
    return list.length === 3 && instances.filter((i) => i.ready).length === 4 ? list : undefined;
  });
  const web = services.find((s) => s.name === "web")!;
  stopTraffic = sendTraffic([web.listenPort!], RATE).stop;
  await sleep(5000); // let start-up work settle

  await collectGarbage(inspectPort);
  const without = await measure(pid, WINDOW_MS);
  console.log(`no clients: Gantry CPU ${without.cpuPercent.toFixed(1)}% of one core, RSS ${without.rssMiB.toFixed(0)} MiB (demo, ${RATE} req/s through web → api → users)`);

  const addresses = Array.from({ length: Math.ceil(CLIENTS / PER_ADDRESS) }, (_, i) => `127.0.0.${i + 2}`);
  if (addresses.length > 250) throw new Error(`BENCH_CLIENTS=${CLIENTS} needs more than 250 source addresses at ${PER_ADDRESS} each`);
  const connectStarted = performance.now();
  for (let p = 0; p < PROCESSES; p++) {
    const count = Math.floor(CLIENTS / PROCESSES) + (p < CLIENTS % PROCESSES ? 1 : 0);
    // Each process takes whole addresses of its own, so no address holds more than PER_ADDRESS sockets.
    const mine = addresses.filter((_, i) => i % PROCESSES === p);
    clientProcesses.push(startClients({ url: gantry.url, count, addresses: mine, topics: OVERVIEW_TOPICS, headers: benchAuth }));
  }
  const retries = (await Promise.all(clientProcesses.map((c) => c.connected))).reduce((n, m) => n + (m.type === "connected" ? m.retries : 0), 0);
  console.log(
    `${CLIENTS} clients × ${OVERVIEW_TOPICS.length} topics (${OVERVIEW_TOPICS.join(", ")}) from ${addresses.length} addresses subscribed, snapshots in ${Math.round(performance.now() - connectStarted)} ms ` +
      `(${retries} upgrades refused and tried again)`,
  );
  await sleep(5000);

  await Promise.all(clientProcesses.map((c) => c.ask({ type: "reset" })));
  await collectGarbage(inspectPort);
  const clientCpuBefore = clientProcesses.map((c) => processStats(c.child.pid!).cpuSeconds);
  const withClients = await measure(pid, WINDOW_MS);
  const clientCpuSeconds = clientProcesses.reduce((sum, c, i) => sum + processStats(c.child.pid!).cpuSeconds - clientCpuBefore[i]!, 0);
  const reports = (await Promise.all(clientProcesses.map((c) => c.ask({ type: "report" })))).map((m) => (m as { report: ClientsReport }).report);

  const seconds = WINDOW_MS / 1000;
  const sum = (pick: (r: ClientsReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
  const delays = reports.flatMap((r) => r.delaysMs).sort((a, b) => a - b);
  const sampled = sum((r) => r.sampled);
  const addedCpuPoints = withClients.cpuPercent - without.cpuPercent;
  const kibPerSocket = ((withClients.rssMiB - without.rssMiB) * 1024) / CLIENTS;
  const result = {
    clients: CLIENTS,
    clientProcesses: PROCESSES,
    upgradesRetried: retries,
    topics: OVERVIEW_TOPICS,
    trafficPerSecond: RATE,
    gantryCpuPercentWithoutClients: without.cpuPercent,
    gantryCpuPercentWithClients: withClients.cpuPercent,
    addedCpuPoints,
    gantryRssMiBWithoutClients: without.rssMiB,
    gantryRssMiBWithClients: withClients.rssMiB,
    kibPerSocket,
    targets: TARGETS,
    met: { cpu: addedCpuPoints <= TARGETS.addedCpuPoints, memory: kibPerSocket <= TARGETS.kibPerSocket },
    socketsOpenAtEnd: sum((r) => r.sockets) - sum((r) => r.closed),
    framesPerSecond: sum((r) => r.frames) / seconds,
    kibPerSecond: sum((r) => r.bytes) / 1024 / seconds,
    sampledSockets: sampled,
    metricsTicksPerSampledSocketPerSecond: sum((r) => r.metricsDeltas) / sampled / seconds,
    otherDeltasPerSampledSocketPerSecond: sum((r) => r.otherDeltas) / sampled / seconds,
    metricsDelayMs: { p50: percentile(delays, 50), p95: percentile(delays, 95), p99: percentile(delays, 99), max: delays.at(-1) },
    clientsCpuPercent: (clientCpuSeconds / seconds) * 100,
  };
  console.log(
    `${CLIENTS} clients: Gantry CPU ${withClients.cpuPercent.toFixed(1)}% of one core (+${addedCpuPoints.toFixed(1)} points, target ≤ ${TARGETS.addedCpuPoints}), ` +
      `RSS ${withClients.rssMiB.toFixed(0)} MiB (+${kibPerSocket.toFixed(1)} KiB per socket, target ≤ ${TARGETS.kibPerSocket})`,
  );
  console.log(
    `${Math.round(result.framesPerSecond)} frames/s (${Math.round(result.kibPerSecond)} KiB/s); each sampled socket got ${result.metricsTicksPerSampledSocketPerSecond.toFixed(2)} metrics ticks/s ` +
      `and ${result.otherDeltasPerSampledSocketPerSecond.toFixed(2)} other deltas/s; ${result.socketsOpenAtEnd} of ${CLIENTS} sockets open at the end`,
  );
  console.log(`tick → client delay: p50 ${result.metricsDelayMs.p50} ms, p95 ${result.metricsDelayMs.p95} ms, p99 ${result.metricsDelayMs.p99} ms, max ${result.metricsDelayMs.max} ms (the client processes used ${result.clientsCpuPercent.toFixed(0)}% of a core)`);
  console.log(`results: ${saveResults("dashboards", result)}`);
} finally {
  for (const c of clientProcesses) if (c.child.exitCode === null) c.child.send({ type: "close" } satisfies ToClients);
  stopTraffic();
  await gantry.stop();
}
