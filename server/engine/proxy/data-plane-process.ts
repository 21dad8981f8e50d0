// The data plane process: a cluster of proxy workers sharing every listening socket (each worker
// accepts on its own, so connections spread over cores without passing through here). This
// process relays Gantry's configuration to the workers and gathers their answers. With one worker
// (2 cores) it proxies itself: a worker process would add ~45 MiB and a hop for every message.
//
// It outlives Gantry. Gantry reaches it over a control socket in the data dir, so the Gantry
// that starts after a crash takes it over with its last configuration still serving; one of
// another build has it start its successor with its listening sockets (control/successor.ts).
// Nobody coming for it within the orphan time, it retires (control/custody.ts).
import cluster, { type Worker } from "node:cluster";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { systemClock } from "../../lib/clock";
import { processStartTime } from "../../lib/proc";
import { Custody } from "./control/custody";
import { removeState, writeState } from "./control/files";
import { connectControl, ControlLink } from "./control/link";
import { readSettings } from "./control/settings";
import { InheritedListeners, startSuccessor } from "./control/successor";
import { mergeStats } from "./counters-merge";
import { serveProxy } from "./serve-proxy";
import { CONTROL_PROTOCOL, type DataPlaneConfig, type DataPlaneStats, type FromDataPlane, type FromProxyWorker, type LaunchSpec, type ToDataPlane, type ToProxyWorker } from "./types";

const settings = readSettings(process.env);
/**
 * One core is left to Gantry's main process and the instances. On 2 cores one worker proxies faster
 * than two: measured under wrk, 48–50 µs of CPU per request against 61–70 µs for two workers (each
 * wakes for fewer events at a time), and ~20 % more requests per second.
 */
const WORKERS = Math.max(1, settings.workers || Math.min(4, os.availableParallelism() - 1));
const RESTART_MS = 1000;
/** How long retiring waits for client connections to end (long-lived WebSockets, mostly). */
const RETIRE_MS = 30_000;
/** After a handover, how long an idle keep-alive client must have been quiet before it is let go (see ClientConnection.retire). */
const RETIRE_QUIET_MS = 1000;

// Its control socket and state file are for the user running Gantry alone (0600).
process.umask(0o177);
const inherited = new InheritedListeners(settings.inheritance);
cluster.schedulingPolicy = cluster.SCHED_NONE;
cluster.setupPrimary({ exec: path.join(import.meta.dirname, "proxy-worker.mjs"), silent: false });

type Controller = ControlLink<ToDataPlane, FromDataPlane>;
/** The Gantry in charge: the newest to say hello (the data dir lock lets only one run at a time). */
let controller: Controller | undefined;
let config: DataPlaneConfig | undefined;
let nextId = 0;
/** Requests to the workers, awaiting one answer from each. */
const gathering = new Map<number, { remaining: number; parts: DataPlaneStats[]; done(parts: DataPlaneStats[]): void }>();
/** A proxy worker as this process drives it: a worker process of the cluster, or this process itself. */
type ProxyWorker = { send(message: ToProxyWorker): void; kill(): void };
const workers = new Set<ProxyWorker>();
/** Workers whose message handler is in place; the others have no traffic to drain or count yet. */
const ready = new Set<ProxyWorker>();
let retiring = false;
let handedOver = false;
let announced = false;

/** A JSON line in data-plane.log (its stderr). */
function logToFile(level: "info" | "warn" | "error", message: string, context?: Record<string, unknown>): void {
  console.error(JSON.stringify({ time: new Date().toISOString(), level, pid: process.pid, message, ...context }));
}

/** To Gantry if one is attached, else to the log file: what happens while it is away matters most. */
function log(level: "warn" | "error", message: string, context?: Record<string, unknown>): void {
  if (controller) controller.send({ type: "log", level, message, context });
  else logToFile(level, message, context);
}

function sendConfig(worker: ProxyWorker): void {
  if (config) worker.send({ type: "config", config, inherited: inherited.offer(config) });
}

/** What a worker says: ready for its configuration, an answer being gathered, or news for Gantry. */
function received(worker: ProxyWorker, message: FromProxyWorker): void {
  if (message.type === "ready") {
    ready.add(worker);
    sendConfig(worker);
    // Gantry counts the data plane as up once a worker can take connections.
    if (!announced) (announced = true), controller?.send({ type: "ready" });
  } else if (message.type === "drained" || message.type === "stats" || message.type === "retired") {
    const pending = gathering.get(message.requestId);
    if (!pending) return;
    if (message.type === "stats") pending.parts.push(message.stats);
    if (--pending.remaining === 0) {
      gathering.delete(message.requestId);
      pending.done(pending.parts);
    }
  } else if (message.type === "log") log(message.level, message.message, message.context);
  else controller?.send(message);
}

function fork(): void {
  const child: Worker = cluster.fork();
  const worker: ProxyWorker = { send: (message) => child.send(message), kill: () => child.process.kill("SIGKILL") };
  workers.add(worker);
  child.on("message", (message: FromProxyWorker) => received(worker, message));
  child.on("exit", (code, signal) => {
    workers.delete(worker);
    ready.delete(worker);
    // Whatever was being gathered from it will never come: settle without it.
    for (const [id, pending] of gathering) if (--pending.remaining === 0) (gathering.delete(id), pending.done(pending.parts));
    if (retiring) return;
    log("error", `proxy worker exited (${signal ?? `code ${code}`}); starting another`);
    setTimeout(fork, RESTART_MS).unref();
  });
}

/** Asks every worker and calls `done` once each has answered. */
function gather(ask: (requestId: number) => ToProxyWorker, done: (parts: DataPlaneStats[]) => void): void {
  const requestId = ++nextId;
  if (ready.size === 0) return done([]);
  gathering.set(requestId, { remaining: ready.size, parts: [], done });
  for (const worker of ready) worker.send(ask(requestId));
}

/** A message from the Gantry in charge; answers go back to it (not to one that took over meanwhile: its request ids are its own). */
function handle(from: Controller, message: ToDataPlane): void {
  switch (message.type) {
    case "config":
      config = message.config;
      for (const worker of ready) sendConfig(worker);
      break;
    case "drain":
      gather((requestId) => ({ ...message, requestId }), () => from.send({ type: "drained", requestId: message.requestId }));
      break;
    case "stats":
      gather((requestId) => ({ type: "stats", requestId }), (parts) => from.send({ type: "stats", requestId: message.requestId, stats: mergeStats(parts) }));
      break;
    case "handover":
      handOver(from, message.successor);
      break;
    case "retire":
      retire("Gantry asked");
      break;
  }
}

/** A Gantry of another build replaces us: our successor takes our sockets; we serve until told to retire. */
function handOver(from: Controller, successor: LaunchSpec): void {
  handedOver = true;
  control.close(); // frees the socket's path for the successor (a unix server removes its file on close)
  const child = startSuccessor(successor, config?.host ?? "");
  child.once("error", (err) => log("error", `could not start the data plane that replaces this one: ${err.message}`));
  child.once("exit", (code, signal) => {
    if (!retiring) log("error", `the data plane that replaces this one exited (${signal ?? `code ${code}`})`);
  });
  if (child.pid !== undefined) from.send({ type: "successor", pid: child.pid });
}

/** Stops accepting, lets the requests in flight finish (within RETIRE_MS), exits. */
function retire(reason: string): void {
  if (retiring) return;
  retiring = true;
  logToFile("info", `retiring: ${reason}`);
  if (control.listening) control.close();
  // Handed over, its successor serves the same sockets: an idle keep-alive client may reconnect to it,
  // so it is let go only once quiet. Otherwise nobody will serve it: at once.
  const quietMs = handedOver ? RETIRE_QUIET_MS : 0;
  const exit = () => {
    removeState(settings.state, process.pid);
    for (const worker of workers) worker.kill();
    process.exit(0);
  };
  gather((requestId) => ({ type: "retire", requestId, quietMs }), exit);
  setTimeout(exit, RETIRE_MS);
}

function attach(link: Controller): void {
  link.onMessage((message) => {
    if (message.type === "hello") welcome(link);
    else if (link === controller) handle(link, message);
  });
  void link.closed.then(() => {
    if (link !== controller) return;
    controller = undefined;
    custody.released();
  });
}

function welcome(link: Controller): void {
  if (controller && controller !== link) controller.close();
  controller = link;
  custody.held();
  // Gantry decides what to do with a data plane of another build: it asks for a handover.
  link.send({ type: "welcome", protocol: CONTROL_PROTOCOL, build: settings.build, pid: process.pid });
  if (announced) link.send({ type: "ready" });
}

/** Listens on the control socket, taking the path over from a data plane that died without removing it. */
async function listenControl(server: net.Server): Promise<void> {
  for (;;) {
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once("error", resolve);
      server.listen(settings.socket, () => {
        server.off("error", resolve);
        resolve(undefined);
      });
    });
    if (!error) return;
    if (error.code !== "EADDRINUSE") throw error;
    const live = await connectControl(settings.socket);
    if (live) {
      live.destroy();
      throw new Error(`another data plane answers on ${settings.socket}`);
    }
    fs.rmSync(settings.socket, { force: true }); // stale: its data plane is gone
  }
}

const custody = new Custody(systemClock, settings.orphanMs, () => retire(`no Gantry took it over within ${settings.orphanMs / 1000} s`));
const control = net.createServer((socket) => attach(new ControlLink(socket)));
await listenControl(control);
writeState(settings.state, { pid: process.pid, startTime: String(processStartTime(process.pid) ?? 0), protocol: CONTROL_PROTOCOL, build: settings.build });
// Stopped directly (kill <pid>): retire as when Gantry asks.
process.on("SIGTERM", () => retire("SIGTERM"));
if (WORKERS === 1) serveHere();
else for (let i = 0; i < WORKERS; i++) fork();

/** The one worker's work in this process: its messages are calls, answered as they are made. */
function serveHere(): void {
  const worker: ProxyWorker = { send: (message) => work(message), kill: () => {} };
  const work = serveProxy((message) => received(worker, message));
  workers.add(worker);
  received(worker, { type: "ready" });
}
