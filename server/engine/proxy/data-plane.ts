import { Worker } from "node:worker_threads";
import type { Logger } from "../../lib/logger";
import type { DataPlaneConfig, DataPlaneStats, FromDataPlane, ToDataPlane } from "./types";

const RESTART_MS = 1000;

/**
 * The engine's handle on the data plane thread: sends it configurations and drain requests,
 * asks for counters, and restarts it (re-sending the configuration) if it ever dies.
 */
export class DataPlane {
  private worker: Worker | undefined;
  private config: DataPlaneConfig | undefined;
  private nextRequest = 0;
  private readonly pending = new Map<number, (message: FromDataPlane) => void>();
  private stopped = false;

  constructor(
    private readonly log: Logger,
    private readonly onListener: (key: string, bound: boolean, error: string | null) => void = () => {},
  ) {}

  start(): void {
    const worker = new Worker(new URL("./proxy-worker.mjs", import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: 64 }, // fewer scavenges on the hot path
    });
    this.worker = worker;
    worker.on("message", (message: FromDataPlane) => this.receive(message));
    worker.on("error", (err) => this.log.error({ err }, "data plane thread failed"));
    worker.on("exit", (code) => {
      if (this.stopped) return;
      this.log.error({ code }, "data plane thread exited; restarting it");
      for (const resolve of this.pending.values()) resolve({ type: "drained", requestId: -1 });
      this.pending.clear();
      setTimeout(() => this.start(), RESTART_MS).unref();
    });
    if (this.config) this.send({ type: "config", config: this.config });
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
      this.pending.set(requestId, (message) => resolve(message.type === "stats" ? message.stats : { listeners: [], endpoints: [] }));
      this.send({ type: "stats", requestId });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.worker?.terminate();
  }

  private send(message: ToDataPlane): void {
    this.worker?.postMessage(message);
  }

  private receive(message: FromDataPlane): void {
    switch (message.type) {
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
