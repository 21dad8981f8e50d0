// npm run bench:tcp — redis-benchmark (ping, set, get) against one Redis: directly, through a Gantry
// `tcp` service's listener (one upstream instance: that same Redis, run by Gantry), and through
// HAProxy in `mode tcp` (Debian package, config written here), in the same run, in rounds so
// machine noise hits all three alike. Reports median req/s per test and Gantry's ratios.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { saveResults, startHeadlessGantry, until, waitForPort } from "./gantry-process";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ports = { gantry: 3960, haproxy: 3961, listeners: "39700-39799", instances: "39800-39899" };

for (const tool of ["redis-server", "redis-benchmark", "haproxy"]) {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
    console.error(`bench:tcp needs ${tool}: apt-get install -y redis-server redis-tools haproxy`);
    process.exit(1);
  }
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-bench-tcp-"));
const children: ChildProcess[] = [];

/** `redis-benchmark -q` prints `PING_INLINE: 98039.22 requests per second, p50=0.255 msec`. */
function redisBenchmark(port: number): Record<string, number> {
  const out = spawnSync("redis-benchmark", ["-p", String(port), "-t", "ping,set,get", "-n", String(REQUESTS), "-c", String(CLIENTS), "-q"], { encoding: "utf8" }).stdout;
  const results: Record<string, number> = {};
  for (const match of out.matchAll(/([A-Z_]+): ([\d.]+) requests per second/g)) results[match[1]!] = Number(match[2]);
  if (Object.keys(results).length === 0) throw new Error(`redis-benchmark printed nothing usable on port ${port}: ${out}`);
  return results;
}

const gantry = await startHeadlessGantry(ports.gantry, ports);
try {
  const service = await gantry.api.services.create.mutate({
    name: "redis",
    replicas: 1,
    template: {
      command: `exec redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no`,
      shell: true,
      probes: { readiness: { kind: "tcp", periodSeconds: 0.5 } },
    },
    traffic: { protocol: "tcp" },
  });
  await until(async () => ((await gantry.api.services.endpoints.query({ id: service.id })).length === 1 ? true : undefined), 30_000);
  const [instance] = await gantry.api.instances.list.query({ serviceId: service.id });
  const redisPort = instance!.port!;

  const haproxyConfig = [
    "global",
    "  maxconn 4096",
    "defaults",
    "  mode tcp",
    "  timeout connect 2s",
    "  timeout client 60s",
    "  timeout server 60s",
    `listen redis`,
    `  bind 127.0.0.1:${ports.haproxy}`,
    `  server r1 127.0.0.1:${redisPort}`,
    "",
  ].join("\n");
  fs.writeFileSync(path.join(scratch, "haproxy.cfg"), haproxyConfig);
  children.push(spawn("haproxy", ["-f", path.join(scratch, "haproxy.cfg")], { stdio: "ignore" }));
  await Promise.all([waitForPort(service.listenPort!), waitForPort(ports.haproxy)]);

  const targets = { direct: redisPort, gantry: service.listenPort!, haproxy: ports.haproxy };
  const runs: Record<string, Array<Record<string, number>>> = { direct: [], gantry: [], haproxy: [] };
  for (const port of Object.values(targets)) redisBenchmark(port); // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, port] of Object.entries(targets)) {
      const run = redisBenchmark(port);
      runs[name]!.push(run);
      console.log(`round ${round} ${name.padEnd(8)} ${Object.entries(run).map(([test, rps]) => `${test} ${rps.toFixed(0)}`).join("  ")} req/s`);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const results: Record<string, Record<string, number>> = {};
  for (const [name, list] of Object.entries(runs)) results[name] = Object.fromEntries(Object.keys(list[0]!).map((test) => [test, median(list.map((r) => r[test]!))]));
  console.log(`\nmedians of ${ROUNDS} rounds:`);
  for (const [name, r] of Object.entries(results)) console.log(`  ${name.padEnd(8)} ${Object.entries(r).map(([test, rps]) => `${test} ${rps.toFixed(0)}`).join("  ")} req/s`);
  const ratios: Record<string, { toDirect: number; toHaproxy: number }> = {};
  for (const test of Object.keys(results.direct!)) {
    ratios[test] = { toDirect: results.gantry![test]! / results.direct![test]!, toHaproxy: results.gantry![test]! / results.haproxy![test]! };
  }
  console.log(`redis-benchmark -t ping,set,get -n ${REQUESTS} -c ${CLIENTS} -q; Gantry through its listener (1 upstream):`);
  for (const [test, r] of Object.entries(ratios)) console.log(`  ${test.padEnd(12)} Gantry / direct ${r.toDirect.toFixed(2)}×   Gantry / HAProxy ${r.toHaproxy.toFixed(2)}×`);
  console.log(`results: ${saveResults("tcp", { requests: REQUESTS, clients: CLIENTS, rounds: ROUNDS, runs, results, ratios })}`);
} finally {
  for (const child of children) child.kill("SIGTERM");
  await gantry.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}
