import { fork, type ChildProcess } from "node:child_process";
import type { Logger } from "../../lib/logger";
import { signalGroup } from "../../lib/proc";
import type { DataPlaneConfig, DataPlaneStats, FromDataPlane, ToDataPlane } from "./types";

const RESTART_MS = 1000;
/** How long a stop waits for the process to go by itself before killing it with its workers. */
const STOP_MS = 5000;

/**
 * The engine's handle on the data plane process (its own process tree: a cluster of proxy workers,
 * one per core). Sends it configurations and drain requests, asks for counters, and restarts it
 * (re-sending the configuration) if it ever dies. It dies with Gantry, even a killed one.
 */
export class DataPlane {
  private worker: ChildProcess | undefined;
  private config: DataPlaneConfig | undefined;
  private nextRequest = 0;
  private readonly pending = new Map<number, (message: FromDataPlane) => void>();
  private stopped = false;
  private restart: NodeJS.Timeout | undefined;
  /** Until the process says it listens, messages wait here (the configuration is re-sent anyway). */
  private ready = false;
  private readonly waiting: ToDataPlane[] = [];
  private announceReady: (() => void) | undefined;

  constructor(
    private readonly log: Logger,
    private readonly onListener: (key: string, bound: boolean, error: string | null) => void,
    /** Proxy worker processes; 0 lets the data plane pick by core count. */
    private readonly workers = 0,
  ) {}

  start(): Promise<void> {
    const worker = fork(new URL("./data-plane-process.mjs", import.meta.url), {
      // Larger young generation: fewer scavenges on the hot path.
      execArgv: ["--max-semi-space-size=32"],
      env: { ...process.env, GANTRY_PROXY_WORKERS: String(this.workers) },
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      // Its own process group: Ctrl-C in Gantry's terminal must not cut traffic while instances drain.
      // It still ends with Gantry: it exits when its IPC channel to us closes.
      detached: true,
    });
    this.worker = worker;
    this.ready = false;
    worker.on("message", (message: FromDataPlane) => this.receive(message));
    worker.on("error", (err) => this.log.error({ err }, "data plane process failed"));
    worker.on("exit", (code, signal) => {
      for (const resolve of this.pending.values()) resolve({ type: "drained", requestId: -1 });
      this.pending.clear();
      if (this.stopped) return;
      this.log.error({ code, signal }, "data plane process exited; restarting it");
      this.restart = setTimeout(() => void this.start(), RESTART_MS);
    });
    return new Promise((resolve) => (this.announceReady = resolve));
  }

  configure(config: DataPlaneConfig): void {
    this.config = config;
    this.send({ type: "config", config });
  }

  /** Resolves once no request to the instance is in flight, or after `timeoutMs`. */
  drain(instanceId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const requestId = ++this.nextRequest;
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        resolve();
      }, timeoutMs);
      this.pending.set(requestId, () => {
        clearTimeout(timer);
        resolve();
      });
      this.send({ type: "drain", instanceId, requestId });
    });
  }

  stats(): Promise<DataPlaneStats> {
    return new Promise((resolve) => {
      const requestId = ++this.nextRequest;
      this.pending.set(requestId, (message) => resolve(message.type === "stats" ? message.stats : { listeners: [], services: [], endpoints: [] }));
      this.send({ type: "stats", requestId });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restart);
    const worker = this.worker;
    if (!worker || worker.exitCode !== null || worker.signalCode !== null) return;
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    // Its own process group holds its workers: killing the group leaves no proxy holding a port.
    const kill = () => signalGroup(worker.pid!, "SIGKILL");
    if (worker.connected) worker.disconnect(); // the process takes its workers down and exits…
    else kill();
    const timer = setTimeout(() => {
      this.log.error(`the data plane did not exit within ${STOP_MS / 1000} s of being told to; killing it and its workers`);
      kill();
    }, STOP_MS); // …unless it is stuck
    await exited;
    clearTimeout(timer);
  }

  private send(message: ToDataPlane): void {
    if (!this.ready) {
      if (message.type !== "config") this.waiting.push(message);
      return;
    }
    if (this.worker?.connected) this.worker.send(message);
  }

  private receive(message: FromDataPlane): void {
    switch (message.type) {
      case "ready":
        this.ready = true;
        if (this.config) this.send({ type: "config", config: this.config });
        for (const waiting of this.waiting.splice(0)) this.send(waiting);
        this.announceReady?.();
        break;
      case "drained":
      case "stats": {
        const resolve = this.pending.get(message.requestId);
        this.pending.delete(message.requestId);
        resolve?.(message);
        break;
      }
      case "listener":
        this.onListener(message.key, message.bound, message.error);
        break;
      case "log":
        this.log[message.level](message.context ?? {}, message.message);
        break;
    }
  }
}
