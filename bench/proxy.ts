// npm run bench:proxy — wrk against the same two upstream instances: directly, through Gantry's
// data plane, through HAProxy and through nginx (Debian packages), in rounds so machine noise
// hits all of them alike. Reports median req/s and p50/p99 latency, and Gantry's ratio to nginx.
// BENCH_PROFILE=1 also writes CPU profiles of Gantry (all threads) under bench/results/.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { saveResults, startGantryProcess } from "./gantry-process";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ports = { gantry: 3950, nginx: 3951, haproxy: 3952, listeners: "39500-39599", instances: "39600-39699" };

for (const tool of ["wrk", "nginx", "haproxy"]) {
  if (spawnSync("which", [tool]).status !== 0) {
    console.error(`bench:proxy needs ${tool}: apt-get install -y wrk nginx haproxy`);
    process.exit(1);
  }
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-bench-proxy-"));
const profileDir = path.resolve(import.meta.dirname, "results/profiles");
const children: ChildProcess[] = [];

function fill(template: string, values: Record<string, string | number>): string {
  return fs.readFileSync(path.join(import.meta.dirname, template), "utf8").replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key]));
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answers on port ${port}`);
}

type Run = { rps: number; p50: number; p99: number };

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  return match[2] === "us" ? n / 1000 : match[2] === "s" ? n * 1000 : n;
}

function wrk(port: number): Run {
  const out = spawnSync("wrk", ["-t1", `-c${CONNECTIONS}`, `-d${SECONDS}s`, "--latency", `http://127.0.0.1:${port}/`], { encoding: "utf8" }).stdout;
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out);
  if (errors) console.warn(`  warning on port ${port}: ${errors[0]}`);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: toMs(/ 50%\s+(\S+)/.exec(out)?.[1] ?? ""),
    p99: toMs(/ 99%\s+(\S+)/.exec(out)?.[1] ?? ""),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const gantry = await startGantryProcess(
  ports.gantry,
  { GANTRY_LISTENER_PORT_RANGE: ports.listeners, GANTRY_PORT_RANGE: ports.instances, GANTRY_INGRESS_PORT: "0" },
  process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
);
try {
  const service = await gantry.api.services.create.mutate({
    name: "bench",
    replicas: 2,
    template: { command: process.execPath, args: [path.join(import.meta.dirname, "upstream.mjs")] },
  });
  let instances;
  for (;;) {
    instances = await gantry.api.instances.list.query({ serviceId: service.id });
    const endpoints = await gantry.api.services.endpoints.query({ id: service.id });
    if (endpoints.length === 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const [a, b] = instances.map((i) => i.port!) as [number, number];

  fs.writeFileSync(path.join(scratch, "nginx.conf"), fill("nginx.conf", { dir: scratch, a, b, port: ports.nginx }));
  fs.writeFileSync(path.join(scratch, "haproxy.cfg"), fill("haproxy.cfg", { a, b, port: ports.haproxy }));
  children.push(spawn("nginx", ["-c", path.join(scratch, "nginx.conf"), "-p", scratch], { stdio: "ignore" }));
  children.push(spawn("haproxy", ["-f", path.join(scratch, "haproxy.cfg")], { stdio: "ignore" }));
  await Promise.all([waitForPort(service.listenPort!), waitForPort(ports.nginx), waitForPort(ports.haproxy)]);

  const targets = { direct: a, gantry: service.listenPort!, haproxy: ports.haproxy, nginx: ports.nginx };
  const runs: Record<string, Run[]> = { direct: [], gantry: [], haproxy: [], nginx: [] };
  for (const port of Object.values(targets)) wrk(port); // warm-up: JIT, pools, caches
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, port] of Object.entries(targets)) {
      const run = wrk(port);
      runs[name]!.push(run);
      console.log(`round ${round} ${name.padEnd(8)} ${run.rps.toFixed(0).padStart(7)} req/s  p50 ${run.p50.toFixed(2)} ms  p99 ${run.p99.toFixed(2)} ms`);
    }
  }

  const summary = Object.fromEntries(
    Object.entries(runs).map(([name, list]) => [name, { rps: median(list.map((r) => r.rps)), p50: median(list.map((r) => r.p50)), p99: median(list.map((r) => r.p99)) }]),
  ) as Record<string, Run>;
  console.log(`\nmedians of ${ROUNDS} rounds (wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, two upstream Node instances):`);
  for (const [name, s] of Object.entries(summary)) console.log(`  ${name.padEnd(8)} ${s.rps.toFixed(0).padStart(7)} req/s  p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms`);
  const ratio = summary.gantry!.rps / summary.nginx!.rps;
  const p99Gap = summary.gantry!.p99 - summary.nginx!.p99;
  console.log(`Gantry / nginx: ${ratio.toFixed(2)}× req/s; p99 ${p99Gap >= 0 ? "+" : ""}${p99Gap.toFixed(2)} ms (target ≥ 0.80×, within 1 ms)`);
  console.log(`results: ${saveResults("proxy", { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, runs, summary, ratioToNginx: ratio, p99GapMs: p99Gap })}`);
} finally {
  for (const child of children) child.kill("SIGTERM");
  await gantry.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}
