// npm run bench:proxy — wrk against the same two upstream instances: directly, through Gantry's
// data plane, through HAProxy and through nginx (Debian packages), and through node-relay.mjs (the
// least a relay on Node's sockets can do: Gantry's floor), in rounds so machine noise hits all of
// them alike. Reports median req/s and p50/p99 latency, and Gantry's ratio to nginx.
// Each run also reads, from /proc, the CPU time the proxy's processes (all of its workers) and the
// two instances spent, per request: on a machine too busy for req/s to say much, the proxy's CPU
// microseconds per request still compare how much work each proxy does for the same requests.
// GANTRY_PROXY_WORKERS sets the data plane's worker count as for `npm start` (default: cores − 1, at most 4).
// A second Gantry runs with GANTRY_DATA_PLANE=haproxy (the row "gantry-haproxy"): its own two instances of
// the same upstream, behind HAProxy driven by Gantry; its CPU is HAProxy's master and worker.
// BENCH_PROFILE=1 also writes CPU profiles of Gantry's main process (the data plane runs apart, unprofiled) under bench/results/.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dataPlaneProcessesOf, descendantsOf, haproxyProcessesOf, launcherProcessesOf } from "../server/testing/processes";
import { processStats, saveResults, startGantryProcess } from "./gantry-process";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ports = {
  gantry: 3950,
  nginx: 3951,
  haproxy: 3952,
  nodeRelay: 3953,
  listeners: "39500-39599",
  instances: "39600-39699",
  gantryHaproxy: 3954,
  haproxyListeners: "39700-39749",
  haproxyInstances: "39750-39799",
};

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

/**
 * One wrk run, with the CPU the proxy and the instances spent per request, in µs: user + system, and
 * the proxy's system part (mostly the kernel's TCP work, which a faster proxy cannot save) on its own.
 */
type Run = { rps: number; p50: number; p99: number; proxyCpuUs: number; proxySystemUs: number; upstreamCpuUs: number };

/** User and system CPU seconds of processes (threads included). */
function cpuSecondsOf(pids: number[]): { user: number; system: number } {
  const total = { user: 0, system: 0 };
  for (const pid of pids) {
    const { userSeconds, systemSeconds } = processStats(pid);
    total.user += userSeconds;
    total.system += systemSeconds;
  }
  return total;
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  return match[2] === "us" ? n / 1000 : match[2] === "s" ? n * 1000 : n;
}

function wrk(port: number, proxyPids: number[], upstreamPids: number[]): Run {
  const proxyBefore = cpuSecondsOf(proxyPids);
  const upstreamBefore = cpuSecondsOf(upstreamPids);
  const out = spawnSync("wrk", ["-t1", `-c${CONNECTIONS}`, `-d${SECONDS}s`, "--latency", `http://127.0.0.1:${port}/`], { encoding: "utf8" }).stdout;
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out);
  if (errors) console.warn(`  warning on port ${port}: ${errors[0]}`);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const proxyAfter = cpuSecondsOf(proxyPids);
  const upstreamAfter = cpuSecondsOf(upstreamPids);
  const perRequestUs = (seconds: number) => (seconds / requests) * 1e6;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: toMs(/ 50%\s+(\S+)/.exec(out)?.[1] ?? ""),
    p99: toMs(/ 99%\s+(\S+)/.exec(out)?.[1] ?? ""),
    proxyCpuUs: perRequestUs(proxyAfter.user + proxyAfter.system - proxyBefore.user - proxyBefore.system),
    proxySystemUs: perRequestUs(proxyAfter.system - proxyBefore.system),
    upstreamCpuUs: perRequestUs(upstreamAfter.user + upstreamAfter.system - upstreamBefore.user - upstreamBefore.system),
  };
}

/** A process and everything below it (nginx's master and workers; HAProxy's threads are counted in its process). */
const treeOf = (pid: number) => [pid, ...descendantsOf(pid)];

const describe = (run: Run) =>
  `${run.rps.toFixed(0).padStart(7)} req/s  p50 ${run.p50.toFixed(2)} ms  p99 ${run.p99.toFixed(2).padStart(6)} ms  CPU/request: proxy ${run.proxyCpuUs.toFixed(0).padStart(3)} µs (system ${run.proxySystemUs.toFixed(0).padStart(2)}), instances ${run.upstreamCpuUs.toFixed(0).padStart(3)} µs`;

const threadsOf = (pid: number) => /Threads:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const gantry = await startGantryProcess(
  ports.gantry,
  { GANTRY_LISTENER_PORT_RANGE: ports.listeners, GANTRY_PORT_RANGE: ports.instances, GANTRY_INGRESS_PORT: "0" },
  process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
);
const gantryHaproxy = await startGantryProcess(ports.gantryHaproxy, {
  GANTRY_LISTENER_PORT_RANGE: ports.haproxyListeners,
  GANTRY_PORT_RANGE: ports.haproxyInstances,
  GANTRY_INGRESS_PORT: "0",
  GANTRY_DATA_PLANE: "haproxy",
}).catch(async (err: unknown) => {
  await gantry.stop(); // not left running behind a failed benchmark
  throw err;
});

/** The bench service (two instances of upstream.mjs) on a Gantry, once both are its endpoints. */
async function benchService(on: typeof gantry) {
  const service = await on.api.services.create.mutate({
    name: "bench",
    replicas: 2,
    template: { command: process.execPath, args: [path.join(import.meta.dirname, "upstream.mjs")] },
  });
  for (;;) {
    const instances = await on.api.instances.list.query({ serviceId: service.id });
    const endpoints = await on.api.services.endpoints.query({ id: service.id });
    if (endpoints.length === 2) return { service, instances };
    await new Promise((r) => setTimeout(r, 100));
  }
}

try {
  const [{ service, instances }, viaHaproxy] = await Promise.all([benchService(gantry), benchService(gantryHaproxy)]);
  const [a, b] = instances.map((i) => i.port!) as [number, number];

  fs.writeFileSync(path.join(scratch, "nginx.conf"), fill("nginx.conf", { dir: scratch, a, b, port: ports.nginx }));
  fs.writeFileSync(path.join(scratch, "haproxy.cfg"), fill("haproxy.cfg", { a, b, port: ports.haproxy }));
  const nginx = spawn("nginx", ["-c", path.join(scratch, "nginx.conf"), "-p", scratch], { stdio: "ignore" });
  const haproxy = spawn("haproxy", ["-f", path.join(scratch, "haproxy.cfg")], { stdio: "ignore" });
  const nodeRelay = spawn(process.execPath, [path.join(import.meta.dirname, "node-relay.mjs")], {
    env: { ...process.env, PORT: String(ports.nodeRelay), UPSTREAM_A: String(a), UPSTREAM_B: String(b) },
    stdio: "ignore",
  });
  children.push(nginx, haproxy, nodeRelay);
  await Promise.all([service.listenPort!, viaHaproxy.service.listenPort!, ports.nginx, ports.haproxy, ports.nodeRelay].map(waitForPort));

  const dataPlane = dataPlaneProcessesOf(gantry.child.pid!);
  const gantrysOwn = [...dataPlane, ...launcherProcessesOf(gantry.child.pid!)];
  const upstreams = descendantsOf(gantry.child.pid!).filter((pid) => !gantrysOwn.includes(pid));
  const gantrysHaproxy = haproxyProcessesOf(gantryHaproxy.child.pid!);
  const haproxyGantrysOwn = [...gantrysHaproxy, ...launcherProcessesOf(gantryHaproxy.child.pid!)];
  const haproxyUpstreams = descendantsOf(gantryHaproxy.child.pid!).filter((pid) => !haproxyGantrysOwn.includes(pid));
  const proxies = { direct: [], gantry: dataPlane, "gantry-haproxy": gantrysHaproxy, haproxy: treeOf(haproxy.pid!), nginx: treeOf(nginx.pid!), "node-relay": [nodeRelay.pid!] };
  console.log(`processes: Gantry's data plane ${dataPlane.length} (a primary and its proxy workers), Gantry's HAProxy ${gantrysHaproxy.length} (master and worker), nginx ${proxies.nginx.length} (a master and its workers), HAProxy 1 (threads: ${threadsOf(haproxy.pid!)})`);
  const targets = { direct: a, gantry: service.listenPort!, "gantry-haproxy": viaHaproxy.service.listenPort!, haproxy: ports.haproxy, nginx: ports.nginx, "node-relay": ports.nodeRelay };
  const runs: Record<string, Run[]> = { direct: [], gantry: [], "gantry-haproxy": [], haproxy: [], nginx: [], "node-relay": [] };
  for (const port of Object.values(targets)) wrk(port, [], []); // warm-up: JIT, pools, caches
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, port] of Object.entries(targets)) {
      const run = wrk(port, proxies[name as keyof typeof proxies], name === "gantry-haproxy" ? haproxyUpstreams : upstreams);
      runs[name]!.push(run);
      console.log(`round ${round} ${name.padEnd(14)} ${describe(run)}`);
    }
  }

  const summary = Object.fromEntries(
    Object.entries(runs).map(([name, list]) => [
      name,
      Object.fromEntries((["rps", "p50", "p99", "proxyCpuUs", "proxySystemUs", "upstreamCpuUs"] as const).map((key) => [key, median(list.map((r) => r[key]))])) as Run,
    ]),
  );
  console.log(`\nmedians of ${ROUNDS} rounds (wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, two upstream Node instances):`);
  for (const [name, s] of Object.entries(summary)) console.log(`  ${name.padEnd(14)} ${describe(s)}`);
  const ratio = summary.gantry!.rps / summary.nginx!.rps;
  const p99Gap = summary.gantry!.p99 - summary.nginx!.p99;
  const haproxyP99Gap = summary["gantry-haproxy"]!.p99 - summary.nginx!.p99;
  const signed = (ms: number) => `${ms >= 0 ? "+" : ""}${ms.toFixed(2)} ms`;
  const cpuRatio = summary.gantry!.proxyCpuUs / summary.nginx!.proxyCpuUs;
  const floorRatio = summary["node-relay"]!.proxyCpuUs / summary.nginx!.proxyCpuUs;
  const haproxyRatio = summary["gantry-haproxy"]!.rps / summary.nginx!.rps;
  console.log(`Gantry / nginx: ${ratio.toFixed(2)}× req/s; p99 ${signed(p99Gap)} (target ≥ 0.90×, no worse)`);
  console.log(`Gantry (haproxy data plane) / nginx: ${haproxyRatio.toFixed(2)}× req/s; p99 ${signed(haproxyP99Gap)}`);
  console.log(`proxy CPU per request / nginx's: Gantry ${cpuRatio.toFixed(2)}×, node-relay ${floorRatio.toFixed(2)}×`);
  const results = { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, processes: { gantry: dataPlane.length, nginx: proxies.nginx.length }, runs, summary };
  console.log(`results: ${saveResults("proxy", { ...results, ratioToNginx: ratio, haproxyDataPlaneRatioToNginx: haproxyRatio, p99GapMs: p99Gap, haproxyDataPlaneP99GapMs: haproxyP99Gap, cpuRatioToNginx: cpuRatio, nodeRelayCpuRatioToNginx: floorRatio })}`);
} finally {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all([gantry.stop(), gantryHaproxy.stop()]);
  fs.rmSync(scratch, { recursive: true, force: true });
}
