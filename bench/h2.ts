// npm run bench:h2 — h2load (Debian nghttp2-client) sending unary gRPC calls to one gRPC instance
// (grpc-js, server/testing/fixtures/grpc-health-server.mjs): directly, through a Gantry `grpc`
// service's listener, through nginx (`grpc_pass`) and through HAProxy (`proto h2` both sides), in
// the same run, in rounds so machine noise hits all of them alike. Reports median calls/s and
// Gantry's ratios. One upstream instance for all, so the ratios measure the proxies, not balancing.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { saveResults, startHeadlessGantry, until, waitForPort } from "./gantry-process";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ports = { gantry: 3970, nginx: 3971, haproxy: 3972, listeners: "39500-39599", instances: "39600-39699" };

for (const tool of ["h2load", "nginx", "haproxy"]) {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
    console.error(`bench:h2 needs ${tool}: apt-get install -y nghttp2-client nginx haproxy`);
    process.exit(1);
  }
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-bench-h2-"));
const children: ChildProcess[] = [];
// One gRPC message: uncompressed, 1 byte long ("?"): the fixture's Who call answers the instance name.
const body = path.join(scratch, "who.bin");
fs.writeFileSync(body, Buffer.from([0, 0, 0, 0, 1, 0x3f]));

type Run = { callsPerSecond: number; succeeded: number; failed: number; meanMs: number };

/** h2load's summary: `finished in 2.31s, 21602.43 req/s, …`, `requests: … 50000 succeeded, 0 failed …`, `time for request: min max mean …`. */
function h2load(port: number): Run {
  const args = ["-n", String(REQUESTS), "-c", String(CLIENTS), "-m", String(STREAMS), "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers", `http://127.0.0.1:${port}/gantry.fixture.Echo/Who`];
  const out = spawnSync("h2load", args, { encoding: "utf8" }).stdout;
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  const counts = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(out);
  const mean = /time for request:\s+\S+\s+\S+\s+(\S+)/.exec(out);
  if (!rate || !counts) throw new Error(`h2load printed nothing usable for port ${port}:\n${out}`);
  const ms = (text: string | undefined) => (text?.endsWith("us") ? Number.parseFloat(text) / 1000 : text?.endsWith("ms") ? Number.parseFloat(text) : Number.parseFloat(text ?? "0") * 1000);
  return { callsPerSecond: Number(rate[1]), succeeded: Number(counts[1]), failed: Number(counts[2]), meanMs: ms(mean?.[1]) };
}

function startNginx(upstreamPort: number): void {
  const temp = (name: string) => `${name}_temp_path ${path.join(scratch, name)};`;
  const config = `worker_processes 1;
pid ${scratch}/nginx.pid;
error_log ${scratch}/nginx-error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  ${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(temp).join("\n  ")}
  access_log off;
  upstream grpc_instance { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${ports.nginx} http2;
    keepalive_requests 1000000;
    location / { grpc_pass grpc://grpc_instance; }
  }
}
`;
  fs.writeFileSync(path.join(scratch, "nginx.conf"), config);
  children.push(spawn("nginx", ["-c", path.join(scratch, "nginx.conf"), "-p", scratch], { stdio: "ignore" }));
}

function startHaproxy(upstreamPort: number): void {
  const config = [
    "global",
    "  maxconn 4096",
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    "  timeout client 60s",
    "  timeout server 60s",
    "listen grpc",
    `  bind 127.0.0.1:${ports.haproxy} proto h2`,
    `  server g1 127.0.0.1:${upstreamPort} proto h2`,
    "",
  ].join("\n");
  fs.writeFileSync(path.join(scratch, "haproxy.cfg"), config);
  children.push(spawn("haproxy", ["-f", path.join(scratch, "haproxy.cfg")], { stdio: "ignore" }));
}

const gantry = await startHeadlessGantry(ports.gantry, ports);
try {
  const fixture = path.resolve(import.meta.dirname, "../server/testing/fixtures/grpc-health-server.mjs");
  const service = await gantry.api.services.create.mutate({
    name: "echo",
    replicas: 1,
    template: { command: process.execPath, args: [fixture], probes: { readiness: { kind: "grpc", periodSeconds: 0.5 } } },
    traffic: { protocol: "grpc" },
  });
  await until(async () => ((await gantry.api.services.endpoints.query({ id: service.id })).length === 1 ? true : undefined), 30_000);
  const [instance] = await gantry.api.instances.list.query({ serviceId: service.id });
  const upstreamPort = instance!.port!;
  startNginx(upstreamPort);
  startHaproxy(upstreamPort);
  await Promise.all([waitForPort(service.listenPort!), waitForPort(ports.nginx), waitForPort(ports.haproxy)]);

  const targets = { direct: upstreamPort, gantry: service.listenPort!, nginx: ports.nginx, haproxy: ports.haproxy };
  const runs: Record<string, Run[]> = { direct: [], gantry: [], nginx: [], haproxy: [] };
  for (const port of Object.values(targets)) h2load(port); // warm-up (and JIT of the instance)
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, port] of Object.entries(targets)) {
      const run = h2load(port);
      runs[name]!.push(run);
      console.log(`round ${round} ${name.padEnd(8)} ${run.callsPerSecond.toFixed(0)} calls/s, mean ${run.meanMs.toFixed(2)} ms, ${run.failed} failed`);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const results = Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, { callsPerSecond: median(list.map((r) => r.callsPerSecond)), meanMs: median(list.map((r) => r.meanMs)), failed: list.reduce((n, r) => n + r.failed, 0) }]));
  console.log(`\nh2load -n ${REQUESTS} -c ${CLIENTS} -m ${STREAMS}, unary gRPC calls, medians of ${ROUNDS} rounds:`);
  for (const [name, r] of Object.entries(results)) console.log(`  ${name.padEnd(8)} ${r.callsPerSecond.toFixed(0)} calls/s  mean ${r.meanMs.toFixed(2)} ms  failed ${r.failed}`);
  const ratios = { toDirect: results.gantry!.callsPerSecond / results.direct!.callsPerSecond, toNginx: results.gantry!.callsPerSecond / results.nginx!.callsPerSecond, toHaproxy: results.gantry!.callsPerSecond / results.haproxy!.callsPerSecond };
  console.log(`Gantry / direct ${ratios.toDirect.toFixed(2)}×   Gantry / nginx ${ratios.toNginx.toFixed(2)}×   Gantry / HAProxy ${ratios.toHaproxy.toFixed(2)}×`);
  console.log(`results: ${saveResults("h2", { requests: REQUESTS, clients: CLIENTS, streams: STREAMS, rounds: ROUNDS, runs, results, ratios })}`);
} finally {
  for (const child of children) child.kill("SIGTERM");
  await gantry.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}
