// npm run bench:hung — one of 6 instances hung (SIGSTOP for 6 s, through chaos.pause: alive,
// accepting, answering nothing) under 8 concurrent keep-alive clients looping GETs through the
// service's listener, with the default (no per-try timeout: hung-instance detection) and with a
// per-try timeout of 300 ms, in the same run. Reports failed requests and latency percentiles
// (target: 0 failed, p99 ≤ 1 s).
import http from "node:http";
import path from "node:path";
import { saveResults, startHeadlessGantry, until } from "./gantry-process";

const fixture = path.resolve(import.meta.dirname, "../server/testing/fixtures/fixture-server.mjs");
const CLIENTS = 8;
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 12_000);
const PAUSE_S = 6;
const ports = { gantry: 3976, listeners: "39350-39399", instances: "39300-39349" };

type Run = { perTryTimeoutMs: number | null; requests: number; failed: number; p50: number; p99: number; maxMs: number };

function getOnce(agent: http.Agent, port: number): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.get({ port, host: "127.0.0.1", path: "/", agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ ok: res.statusCode === 200, ms: performance.now() - started }));
    });
    request.on("error", () => resolve({ ok: false, ms: performance.now() - started }));
  });
}

const gantry = await startHeadlessGantry(ports.gantry, ports);
try {
  const { api } = gantry;
  const runs: Run[] = [];
  for (const perTryTimeoutMs of [null, 300]) {
    const service = await api.services.create.mutate({ name: `hung-${perTryTimeoutMs ?? "none"}`, replicas: 6, template: { command: process.execPath, args: [fixture] }, traffic: { perTryTimeoutMs } });
    await until(async () => ((await api.services.endpoints.query({ id: service.id })).length === 6 ? true : undefined), 60_000);
    const [victim] = await api.instances.list.query({ serviceId: service.id });
    const results: Array<{ ok: boolean; ms: number }> = [];
    const until_ = performance.now() + RUN_MS;
    const clients = Array.from({ length: CLIENTS }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      while (performance.now() < until_) results.push(await getOnce(agent, service.listenPort!));
      agent.destroy();
    });
    await new Promise((r) => setTimeout(r, 2000));
    await api.chaos.pause.mutate({ id: victim!.id, seconds: PAUSE_S });
    await Promise.all(clients);
    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    const run = { perTryTimeoutMs, requests: results.length, failed: results.filter((r) => !r.ok).length, p50: at(0.5), p99: at(0.99), maxMs: latencies.at(-1)! };
    runs.push(run);
    console.log(`perTryTimeoutMs ${String(perTryTimeoutMs).padEnd(4)}: ${run.requests} requests, ${run.failed} failed, p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, max ${run.maxMs.toFixed(0)} ms`);
    await api.services.delete.mutate({ id: service.id });
  }
  console.log(`results: ${saveResults("hung", { clients: CLIENTS, runMs: RUN_MS, pauseSeconds: PAUSE_S, runs })}`);
} finally {
  await gantry.stop();
}
