// npm run bench:realtime — what live charts cost: 100 dashboard clients, each watching the metrics
// of 50 services that are serving traffic. Reports Gantry's CPU with and without the clients, and
// the delay from a metrics tick to its arrival in a client.
import path from "node:path";
import WebSocket from "ws";
import type { MetricsDelta, ServerMessage, TopicMessage } from "../server/contracts/realtime";
import { benchAuth, measureIdle, saveResults, startGantryProcess, until } from "./gantry-process";
import { sendTraffic } from "./traffic";

const SERVICES = Number(process.env.BENCH_SERVICES ?? 50);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 100);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 30_000);
/** Requests per second sent to each service, so its charts have something to show. */
const RATE = 4;
const port = Number(process.env.BENCH_PORT ?? 3900);
const fixture = path.resolve(import.meta.dirname, "../server/testing/fixtures/fixture-server.mjs");

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

type Client = { ws: WebSocket; snapshots: number; delays: number[]; bytes: number; messages: number };

async function connect(url: string, topics: string[]): Promise<Client> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/api/ws`, { headers: benchAuth });
  const client: Client = { ws, snapshots: 0, delays: [], bytes: 0, messages: 0 };
  const take = (message: TopicMessage, receivedAt: number) => {
    if (message.type === "snapshot") client.snapshots++;
    else if (message.topic.startsWith("metrics:")) client.delays.push(receivedAt - (message.data as MetricsDelta).at);
  };
  ws.on("message", (raw: Buffer) => {
    const receivedAt = Date.now();
    client.bytes += raw.length;
    client.messages++;
    const message = JSON.parse(raw.toString()) as ServerMessage;
    if (message.type === "batch") for (const m of message.messages) take(m, receivedAt);
    else if (message.type === "error") throw new Error(`gateway error: ${message.message}`);
    else take(message, receivedAt);
  });
  ws.on("close", (code) => code !== 1000 && code !== 1005 && console.error(`client closed with ${code}`));
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  for (const topic of topics) ws.send(JSON.stringify({ type: "subscribe", topic }));
  return client;
}

const gantry = await startGantryProcess(port, { GANTRY_PORT_RANGE: "42000-42999", GANTRY_LISTENER_PORT_RANGE: "43000-43199", GANTRY_INGRESS_PORT: "0" });
const { api } = gantry;
const pid = gantry.child.pid!;
let stopTraffic = () => {};
try {
  console.log(`creating ${SERVICES} services with one instance each…`);
  const services = [];
  for (let i = 0; i < SERVICES; i++) {
    services.push(await api.services.create.mutate({ name: `live-${i}`, replicas: 1, template: { command: process.execPath, args: [fixture] } }));
  }
  await until(async () => ((await api.instances.list.query({})).filter((i) => i.ready).length === SERVICES ? true : undefined));
  stopTraffic = sendTraffic(services.map((s) => s.listenPort!), RATE).stop;
  await new Promise((r) => setTimeout(r, 5000)); // let start-up work settle

  const without = await measureIdle(pid, WINDOW_MS);
  console.log(`no clients: Gantry CPU ${without.cpuPercent.toFixed(1)}% of one core, RSS ${without.rssMiB.toFixed(0)} MiB (${SERVICES} services at ${RATE} req/s each)`);

  const topics = services.map((s) => `metrics:${s.id}`);
  const connectStarted = performance.now();
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connect(gantry.url, topics)));
  await until(async () => (clients.every((c) => c.snapshots === SERVICES) ? true : undefined));
  console.log(`${CLIENTS} clients × ${SERVICES} topics subscribed, snapshots (15 min at 1 s each) in ${Math.round(performance.now() - connectStarted)} ms`);
  await new Promise((r) => setTimeout(r, 3000));

  for (const c of clients) (c.delays.length = 0), (c.bytes = 0), (c.messages = 0);
  const benchBefore = process.cpuUsage();
  const withClients = await measureIdle(pid, WINDOW_MS);
  const benchCpu = process.cpuUsage(benchBefore);
  const delays = clients.flatMap((c) => c.delays).sort((a, b) => a - b);
  const seconds = WINDOW_MS / 1000;
  const result = {
    services: SERVICES,
    clients: CLIENTS,
    subscriptions: CLIENTS * SERVICES,
    gantryCpuPercentWithoutClients: without.cpuPercent,
    gantryCpuPercentWithClients: withClients.cpuPercent,
    gantryRssMiBWithClients: withClients.rssMiB,
    deltasPerSecond: delays.length / seconds,
    framesPerSecond: clients.reduce((n, c) => n + c.messages, 0) / seconds,
    kibPerSecond: clients.reduce((n, c) => n + c.bytes, 0) / 1024 / seconds,
    delayMs: { p50: percentile(delays, 50), p95: percentile(delays, 95), p99: percentile(delays, 99), max: delays.at(-1) },
    benchClientCpuPercent: ((benchCpu.user + benchCpu.system) / 1e6 / seconds) * 100,
    dataPlaneNote: "proxying runs in the data plane processes, not counted in Gantry's CPU",
  };
  console.log(
    `${CLIENTS} clients: Gantry CPU ${withClients.cpuPercent.toFixed(1)}% of one core (+${(withClients.cpuPercent - without.cpuPercent).toFixed(1)} points), ` +
      `RSS ${withClients.rssMiB.toFixed(0)} MiB; ${Math.round(result.deltasPerSecond)} deltas/s in ${Math.round(result.framesPerSecond)} frames/s (${Math.round(result.kibPerSecond)} KiB/s)`,
  );
  console.log(`tick → client delay: p50 ${result.delayMs.p50} ms, p95 ${result.delayMs.p95} ms, p99 ${result.delayMs.p99} ms, max ${result.delayMs.max} ms (the clients used ${result.benchClientCpuPercent.toFixed(0)}% of a core)`);
  for (const c of clients) c.ws.close(1000);
  console.log(`results: ${saveResults("realtime", result)}`);
} finally {
  stopTraffic();
  await gantry.stop();
}
