// npm run bench:rollout — how long a rolling update of 4 and 20 instances takes, and how many client
// requests fail during it, under continuous load through the service's listener. The reference in
// the same run is "recreate" (stop everything, then start the new revision), the naive way.
import http from "node:http";
import path from "node:path";
import type { RolloutStrategy } from "../server/contracts/rollout";
import { saveResults, startGantryProcess, until } from "./gantry-process";

const fixture = path.resolve(import.meta.dirname, "../server/testing/fixtures/fixture-server.mjs");
const port = Number(process.env.BENCH_PORT ?? 3950);
const CLIENTS = 16;
const strategies: Record<string, (replicas: number) => Partial<RolloutStrategy>> = {
  "rolling (surge 1, unavailable 0)": () => ({ maxSurge: 1, maxUnavailable: 0 }),
  "rolling (surge 25 %)": (replicas) => ({ maxSurge: Math.max(1, Math.ceil(replicas / 4)), maxUnavailable: 0 }),
  "recreate (reference)": (replicas) => ({ maxSurge: 0, maxUnavailable: replicas }),
};

/** Keep-alive clients sending GET / back to back until stopped; failures are anything but a 200. */
function load(url: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const latencies: number[] = [];
  let failed = 0;
  let running = true;
  const once = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      http
        .get(url, { agent }, (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode === 200) latencies.push(performance.now() - started);
            else failed++;
            resolve();
          });
        })
        .on("error", () => (failed++, resolve()));
    });
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (running) await once();
  });
  return async () => {
    running = false;
    await Promise.all(clients);
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return { ok: latencies.length, failed, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
  };
}

const gantry = await startGantryProcess(port, { GANTRY_PORT_RANGE: "42000-42999", GANTRY_LISTENER_PORT_RANGE: "43000-43099", GANTRY_INGRESS_PORT: "0" });
const { api } = gantry;
const rows = [];
try {
  for (const replicas of [4, 20]) {
    for (const [name, strategyOf] of Object.entries(strategies)) {
      const service = await api.services.create.mutate({
        name: `roll-${replicas}-${rows.length}`,
        replicas,
        template: { command: process.execPath, args: [fixture], env: { VERSION: "1" } },
        strategy: strategyOf(replicas),
      });
      await until(async () => {
        const list = await api.instances.list.query({ serviceId: service.id });
        return list.length === replicas && list.every((i) => i.ready) ? true : undefined;
      });
      const stop = load(`http://127.0.0.1:${service.listenPort}/`);
      await new Promise((r) => setTimeout(r, 1000));
      const started = performance.now();
      await api.services.update.mutate({ id: service.id, version: service.version, patch: { template: { env: { VERSION: "2" } } } });
      const rollout = await until(async () => {
        const [latest] = await api.rollouts.list.query({ serviceId: service.id });
        return latest?.status === "succeeded" ? latest : undefined;
      });
      const clientSeconds = (performance.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 500));
      const traffic = await stop();
      const row = {
        instances: replicas,
        strategy: name,
        rolloutSeconds: (Date.parse(rollout.finishedAt!) - Date.parse(rollout.startedAt)) / 1000,
        seenByClientSeconds: clientSeconds,
        ...traffic,
      };
      rows.push(row);
      console.log(
        `${String(replicas).padStart(2)} instances, ${name.padEnd(32)} ${row.rolloutSeconds.toFixed(2)} s; ${traffic.ok} ok, ${traffic.failed} failed; ` +
          `latency p50 ${traffic.p50Ms.toFixed(1)} / p99 ${traffic.p99Ms.toFixed(1)} / max ${traffic.maxMs.toFixed(0)} ms`,
      );
      await api.services.delete.mutate({ id: service.id });
      await until(async () => ((await api.instances.list.query({ serviceId: service.id })).length === 0 ? true : undefined));
    }
  }
  console.log(`results: ${saveResults("rollout", { clients: CLIENTS, rows })}`);
} finally {
  await gantry.stop();
}
