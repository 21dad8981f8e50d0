// The data plane process: a cluster of proxy workers sharing every listening socket (each worker
// accepts on its own, so connections spread over cores without passing through here). This
// process relays the engine's configuration to the workers and gathers their answers.
import cluster, { type Worker } from "node:cluster";
import os from "node:os";
import path from "node:path";
import { mergeStats } from "./counters-merge";
import type { DataPlaneStats, FromDataPlane, ToDataPlane } from "./types";

/** One core is left to Gantry's own thread and the instances (on 2 cores one worker proxies as fast as two). */
const WORKERS = Math.max(1, Number(process.env.GANTRY_PROXY_WORKERS) || Math.min(4, os.availableParallelism() - 1));
const RESTART_MS = 1000;

cluster.schedulingPolicy = cluster.SCHED_NONE;
cluster.setupPrimary({ exec: path.join(import.meta.dirname, "proxy-worker.mjs"), silent: false });

const toEngine = (message: FromDataPlane) => process.send?.(message);
let config: Extract<ToDataPlane, { type: "config" }> | undefined;
let nextId = 0;
/** Requests to the workers, awaiting one answer from each. */
const gathering = new Map<number, { remaining: number; parts: DataPlaneStats[]; done(parts: DataPlaneStats[]): void }>();
const workers = new Set<Worker>();
/** Workers whose message handler is in place; the others have no traffic to drain or count yet. */
const ready = new Set<Worker>();
let stopping = false;
let announced = false;

function fork(): void {
  const worker = cluster.fork();
  workers.add(worker);
  worker.on("message", (message: FromDataPlane) => {
    if (message.type === "ready") {
      ready.add(worker);
      if (config) worker.send(config);
      // The engine counts the data plane as up once a worker can take connections.
      if (!announced) (announced = true), toEngine({ type: "ready" });
    } else if (message.type === "drained" || message.type === "stats") {
      const pending = gathering.get(message.requestId);
      if (!pending) return;
      if (message.type === "stats") pending.parts.push(message.stats);
      if (--pending.remaining === 0) {
        gathering.delete(message.requestId);
        pending.done(pending.parts);
      }
    } else toEngine(message);
  });
  worker.on("exit", (code, signal) => {
    workers.delete(worker);
    ready.delete(worker);
    if (stopping) return;
    toEngine({ type: "log", level: "error", message: `proxy worker exited (${signal ?? `code ${code}`}); starting another` });
    // Whatever was being gathered from it will never come: settle without it.
    for (const [id, pending] of gathering) if (--pending.remaining === 0) (gathering.delete(id), pending.done(pending.parts));
    setTimeout(fork, RESTART_MS).unref();
  });
}

/** Asks every worker and calls `done` once each has answered. */
function gather(ask: (requestId: number) => ToDataPlane, done: (parts: DataPlaneStats[]) => void): void {
  const requestId = ++nextId;
  if (ready.size === 0) return done([]);
  gathering.set(requestId, { remaining: ready.size, parts: [], done });
  for (const worker of ready) worker.send(ask(requestId));
}

process.on("message", (message: ToDataPlane) => {
  switch (message.type) {
    case "config":
      config = message;
      for (const worker of ready) worker.send(message);
      break;
    case "drain":
      gather((requestId) => ({ ...message, requestId }), () => toEngine({ type: "drained", requestId: message.requestId }));
      break;
    case "stats":
      gather((requestId) => ({ type: "stats", requestId }), (parts) => toEngine({ type: "stats", requestId: message.requestId, stats: mergeStats(parts) }));
      break;
  }
});

// Gantry went away (even if it was killed): take the workers down with us.
process.on("disconnect", () => {
  stopping = true;
  for (const worker of workers) worker.process.kill("SIGKILL");
  process.exit(0);
});

for (let i = 0; i < WORKERS; i++) fork();
