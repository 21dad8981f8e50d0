// npm run bench:dns — queries per second and latency of Gantry's DNS interface under dnsperf, against
// dnsmasq answering the same records (same names, same A and SRV data, TTL 0) in the same run.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { saveResults, startGantryProcess, until } from "./gantry-process";

const fixture = path.resolve(import.meta.dirname, "../server/testing/fixtures/fixture-server.mjs");
const port = Number(process.env.BENCH_PORT ?? 3900);
const seconds = Number(process.env.BENCH_DNS_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_DNS_ROUNDS ?? 2);

for (const tool of ["dnsperf", "dnsmasq"]) {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
    console.error(`bench:dns needs ${tool} (apt-get install dnsperf dnsmasq-base)`);
    process.exit(1);
  }
}

/** A port free for both UDP and TCP on loopback. */
async function freeDnsPort(): Promise<number> {
  for (;;) {
    const udp = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
    const candidate = udp.address().port;
    const tcp = net.createServer();
    const free = await new Promise<boolean>((resolve) => {
      tcp.once("error", () => resolve(false));
      tcp.listen(candidate, "127.0.0.1", () => resolve(true));
    });
    await new Promise((r) => tcp.close(r));
    udp.close();
    if (free) return candidate;
  }
}

type Result = { qps: number; avgLatencyMs: number; minLatencyMs: number; maxLatencyMs: number; lost: number; completed: number; rcodes: string; error?: string };

type Failed = { error: string };

/**
 * One dnsperf run; its summary parsed. dnsperf gives up without a summary when a server drops its
 * TCP connections under load (dnsmasq, which forks a child per connection, does): that is reported.
 */
function dnsperf(server: number, queryFile: string, mode: "udp" | "tcp"): Result | Failed {
  const run = spawnSync("dnsperf", ["-s", "127.0.0.1", "-p", String(server), "-m", mode, "-d", queryFile, "-l", String(seconds), "-c", "4", "-q", "100", "-t", "2"], { encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
  const out = run.stdout;
  const number = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? NaN);
  const latency = /Average Latency \(s\):\s+([\d.]+) \(min ([\d.]+), max ([\d.]+)\)/.exec(out);
  const error = run.status === 0 ? undefined : (/Error: .*/.exec(out + run.stderr)?.[0] ?? `exit ${run.status}`);
  if (!latency) return { error: `dnsperf gave up: ${error}` };
  return {
    qps: number(/Queries per second:\s+([\d.]+)/),
    avgLatencyMs: Number(latency[1]) * 1000,
    minLatencyMs: Number(latency[2]) * 1000,
    maxLatencyMs: Number(latency[3]) * 1000,
    completed: number(/Queries completed:\s+(\d+)/),
    lost: number(/Queries lost:\s+(\d+)/),
    rcodes: /Response codes:\s+(.*)/.exec(out)?.[1] ?? "",
    ...(error && { error }),
  };
}

/** dnsmasq, answering only what it is told: the same A and SRV records, no upstream, no cache of others. */
async function startDnsmasq(dnsPort: number, instancePorts: number[]): Promise<ChildProcess> {
  const child = spawn(
    "dnsmasq",
    [
      "--keep-in-foreground",
      "--conf-file=/dev/null",
      "--no-resolv",
      "--no-hosts",
      "--pid-file=",
      "--user=root",
      "--bind-interfaces",
      "--listen-address=127.0.0.1",
      `--port=${dnsPort}`,
      "--local-ttl=0",
      "--host-record=api.service.consul,127.0.0.1",
      "--host-record=7f000001.addr.dc1.consul,127.0.0.1",
      ...instancePorts.map((p) => `--srv-host=api.service.consul,7f000001.addr.dc1.consul,${p},1,1`),
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  await until(async () => (spawnSync("dig", ["@127.0.0.1", "-p", String(dnsPort), "+short", "+time=1", "+tries=1", "api.service.consul"], { encoding: "utf8" }).stdout.includes("127.0.0.1") ? true : undefined), 10_000);
  return child;
}

/** The same answer from both, checked before timing them. */
function srvPorts(dnsPort: number): number[] {
  const out = spawnSync("dig", ["@127.0.0.1", "-p", String(dnsPort), "+short", "api.service.consul", "SRV"], { encoding: "utf8" }).stdout;
  return out
    .trim()
    .split("\n")
    .map((line) => Number(line.split(" ")[2]))
    .sort((a, b) => a - b);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-bench-dns-"));
const queryFile = path.join(work, "queries.txt");
// Half A, half SRV: what a client library does (SRV for the port, A for the address).
fs.writeFileSync(queryFile, "api.service.consul A\napi.service.consul SRV\n".repeat(500));

const gantryDns = await freeDnsPort();
const gantry = await startGantryProcess(port, { GANTRY_DNS_PORT: String(gantryDns), GANTRY_DASHBOARD: "0", GANTRY_PORT_RANGE: "41000-41999" });
let dnsmasq: ChildProcess | undefined;
try {
  const service = await gantry.api.services.create.mutate({ name: "api", replicas: 3, template: { command: process.execPath, args: [fixture] } });
  const instances = await until(async () => {
    const list = await gantry.api.instances.list.query({ serviceId: service.id });
    return list.length === 3 && list.every((i) => i.ready) ? list : undefined;
  });
  const instancePorts = instances.map((i) => i.port!).sort((a, b) => a - b);
  await until(async () => (srvPorts(gantryDns).join() === instancePorts.join() ? true : undefined), 10_000);

  const dnsmasqPort = await freeDnsPort();
  dnsmasq = await startDnsmasq(dnsmasqPort, instancePorts);
  if (srvPorts(dnsmasqPort).join() !== instancePorts.join()) throw new Error("dnsmasq does not answer the same SRV records");

  const results: Record<string, { gantry: Array<Result | Failed>; dnsmasq: Array<Result | Failed> }> = {};
  for (const mode of ["udp", "tcp"] as const) {
    results[mode] = { gantry: [], dnsmasq: [] };
    // Alternated, so drift on the machine touches both alike.
    for (let round = 0; round < rounds; round++) {
      results[mode].gantry.push(dnsperf(gantryDns, queryFile, mode));
      results[mode].dnsmasq.push(dnsperf(dnsmasqPort, queryFile, mode));
    }
  }

  /** The run with the most queries per second, or the failure if every run failed. */
  const best = (runs: Array<Result | Failed>) => runs.reduce((a, b) => ("qps" in b && (!("qps" in a) || b.qps > a.qps) ? b : a));
  const summary = Object.fromEntries(
    Object.entries(results).map(([mode, { gantry: g, dnsmasq: d }]) => {
      const [gb, db] = [best(g), best(d)];
      return [mode, { gantry: gb, dnsmasq: db, qpsRatio: "qps" in gb && "qps" in db ? gb.qps / db.qps : null }];
    }),
  );
  for (const [mode, row] of Object.entries(summary)) {
    const line = (name: string, r: Result | Failed) =>
      "qps" in r
        ? `  ${name.padEnd(8)} ${r.qps.toFixed(0).padStart(7)} q/s   latency avg ${r.avgLatencyMs.toFixed(3)} ms (min ${r.minLatencyMs.toFixed(3)}, max ${r.maxLatencyMs.toFixed(1)})   lost ${r.lost}   ${r.rcodes}${r.error ? `   (${r.error})` : ""}`
        : `  ${name.padEnd(8)} ${r.error}`;
    console.log(`${mode.toUpperCase()}, dnsperf -c 4 -q 100, ${seconds} s, best of ${rounds}, A + SRV for a service of 3 instances:`);
    console.log(line("gantry", row.gantry));
    console.log(line("dnsmasq", row.dnsmasq));
    if (row.qpsRatio !== null) console.log(`  gantry / dnsmasq: ${(row.qpsRatio * 100).toFixed(0)}% of the queries per second`);
  }
  console.log(`results: ${saveResults("dns", { seconds, rounds, instances: 3, runs: results, best: summary })}`);
} finally {
  dnsmasq?.kill("SIGTERM");
  await gantry.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
