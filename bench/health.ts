// npm run bench:health — what probing 200 instances × 2 probes (HTTP readiness + TCP liveness) at a 1 s
// period costs Gantry: CPU of the probing process, probes run per second, probe latency, event-loop lag.
import { fork } from "node:child_process";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { probe as probeSchema } from "../server/contracts/probe";
import { systemClock } from "../server/lib/clock";
import { createLogger } from "../server/lib/logger";
import { ProbeScheduler } from "../server/engine/health/probe-scheduler";
import { ProbeWorker } from "../server/engine/health/probe-worker";
import { runProbe } from "../server/engine/health/probes";
import { saveResults } from "./gantry-process";

const INSTANCES = 200;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

const targets = fork(path.join(import.meta.dirname, "probe-targets.mjs"), [String(INSTANCES)], { stdio: "inherit" });
const ports = await new Promise<number[]>((resolve) => targets.once("message", (m) => resolve((m as { ports: number[] }).ports)));

async function measure(label: string, seconds: number) {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const used = process.cpuUsage(cpu);
  const elapsed = (performance.now() - started) / 1000;
  lag.disable();
  return {
    label,
    cpuPercent: ((used.user + used.system) / 1e6 / elapsed) * 100,
    loopLagP99Ms: lag.percentile(99) / 1e6,
  };
}

const baseline = await measure("no probes", 5);

const scheduler = new ProbeScheduler(systemClock, createLogger("warn", process.stderr));
const latencies: number[] = [];
let failures = 0;
const workers: ProbeWorker[] = [];
const readiness = probeSchema.parse({ kind: "http", path: "/", periodSeconds: 1, timeoutSeconds: 1 });
const liveness = probeSchema.parse({ kind: "tcp", periodSeconds: 1, timeoutSeconds: 1 });
for (const port of ports) {
  for (const [type, probe] of [["readiness", readiness], ["liveness", liveness]] as const) {
    const worker = new ProbeWorker({
      type,
      probe,
      target: { host: "127.0.0.1", port, cwd: "/", env: {} },
      clock: systemClock,
      scheduler,
      jitterMs: 1000, // spread the first runs over the period, as a long-running Gantry's would be
      run: async (p, t, timeout) => {
        const outcome = await runProbe(p, t, timeout);
        if (!outcome.ok) failures++;
        return outcome;
      },
      onVerdict: () => {},
    });
    workers.push(worker);
    worker.start();
  }
}
// Collect each result's latency as the UI would see it.
const collector = setInterval(() => {
  for (const worker of workers) {
    const fresh = worker.takeFresh();
    if (fresh) latencies.push(fresh.latencyMs);
  }
}, 250);

await new Promise((r) => setTimeout(r, 2000)); // warm up
latencies.length = 0;
failures = 0;
const probing = await measure(`${INSTANCES} instances × 2 probes @ 1 s`, SECONDS);
const probesRun = latencies.length;
clearInterval(collector);
for (const worker of workers) worker.stop();
targets.kill();

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
const result = {
  baseline,
  probing,
  probingCostPercentOfOneCore: probing.cpuPercent - baseline.cpuPercent,
  probesPerSecond: probesRun / SECONDS,
  failures,
  latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99) },
};
console.log(`baseline (no probes):   CPU ${baseline.cpuPercent.toFixed(1)}% of one core, loop lag p99 ${baseline.loopLagP99Ms.toFixed(1)} ms`);
console.log(`${probing.label}: CPU ${probing.cpuPercent.toFixed(1)}% of one core, loop lag p99 ${probing.loopLagP99Ms.toFixed(1)} ms`);
console.log(`probes run: ${result.probesPerSecond.toFixed(0)}/s (expected ${INSTANCES * 2}/s), failures ${failures}`);
console.log(`probe latency: p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms`);
console.log(`results: ${saveResults("health", result)}`);
process.exit(0);
