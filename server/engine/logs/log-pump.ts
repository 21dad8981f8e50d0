import fs from "node:fs/promises";
import path from "node:path";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import { every, type Loop } from "../../lib/loop";
import type { InstanceHook } from "../supervisor/instance-hooks";
import type { LogLine } from "../../contracts/logs";
import { InstanceLogs } from "./instance-logs";

const COLLECT_EVERY_MS = 250;
const RETAIN_STOPPED_MS = 24 * 3600_000;

/**
 * Collects every running instance's log files on one timer, and keeps the logs of stopped
 * instances for a day. Its `hook` wires an instance's logs into its lifecycle.
 */
export class LogPump {
  private readonly active = new Map<string, InstanceLogs>();
  private readonly listeners = new Set<(instanceId: string, lines: LogLine[]) => void>();
  private loop: Loop | undefined;

  constructor(
    private readonly root: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  readonly hook: InstanceHook = {
    name: "logs",
    prepare: async (instance) => {
      const logs = new InstanceLogs(path.join(this.root, instance.id), { clock: this.clock });
      await logs.open();
      this.active.set(instance.id, logs);
    },
    cleanup: async (instance) => {
      const logs = this.active.get(instance.id);
      this.active.delete(instance.id);
      if (logs) await this.collect(instance.id, logs, true);
    },
  };

  /** New lines of every instance, as they are collected (live tails). */
  onLines(listener: (instanceId: string, lines: LogLine[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Where an instance's process writes its output. */
  logsOf(instanceId: string): InstanceLogs | undefined {
    return this.active.get(instanceId);
  }

  start(): void {
    this.loop = every(this.clock, COLLECT_EVERY_MS, "log collection", this.log, async () => {
      for (const [id, logs] of this.active) await this.collect(id, logs, false);
    });
  }

  stop(): void {
    this.loop?.stop();
  }

  /** Removes log folders of instances that are not running and haven't been written to for a day. */
  async prune(): Promise<void> {
    const entries = await fs.readdir(this.root, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || this.active.has(entry.name)) continue;
      const dir = path.join(this.root, entry.name);
      const stat = (await fs.stat(path.join(dir, "output.log")).catch(() => undefined)) ?? (await fs.stat(dir).catch(() => undefined));
      if (stat && this.clock.now() - stat.mtimeMs > RETAIN_STOPPED_MS) await fs.rm(dir, { recursive: true, force: true });
    }
  }

  private async collect(instanceId: string, logs: InstanceLogs, flushPartial: boolean): Promise<void> {
    try {
      const lines = await logs.collect(flushPartial);
      if (lines.length > 0) for (const listener of this.listeners) listener(instanceId, lines);
    } catch (err) {
      this.log.warn({ err, instance: instanceId }, "collecting instance logs failed");
    }
  }
}
