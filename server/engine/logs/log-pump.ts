import fs from "node:fs/promises";
import path from "node:path";
import type { Clock } from "../../lib/clock";
import { Feed } from "../../lib/feed";
import type { Logger } from "../../lib/logger";
import { every, type Loop } from "../../lib/loop";
import type { InstanceHook } from "../supervisor/instance-hooks";
import type { LogLine } from "../../contracts/logs";
import type { EngineEvent } from "../types";
import { describeDrop } from "./drop-tally";
import { InstanceLogs, type InstanceLogsOptions } from "./instance-logs";

const COLLECT_EVERY_MS = 250;
const RETAIN_STOPPED_MS = 24 * 3600_000;

export type LogPumpOptions = {
  root: string;
  clock: Clock;
  log: Logger;
  /** Where the pump says an instance's lines were dropped (`instance.logs-dropped`). */
  event(event: EngineEvent): void;
  /** Per instance (tests use small ones). */
  budget?: InstanceLogsOptions["budget"];
};

type CollectedLines = { instanceId: string; lines: LogLine[] };

/**
 * Collects every running instance's log files on one timer, and keeps the logs of stopped
 * instances for a day. Its `hook` wires an instance's logs into its lifecycle.
 */
export class LogPump {
  private readonly active = new Map<string, InstanceLogs>();
  private readonly lines: Feed<CollectedLines>;
  private loop: Loop | undefined;

  constructor(private readonly options: LogPumpOptions) {
    this.lines = new Feed("log lines", options.log);
  }

  readonly hook: InstanceHook = {
    name: "logs",
    prepare: async (instance) => {
      const logs: InstanceLogs = new InstanceLogs(path.join(this.options.root, instance.id), {
        clock: this.options.clock,
        budget: this.options.budget,
        onLines: (lines) => this.lines.publish({ instanceId: instance.id, lines }),
        onDropped: (report) =>
          this.options.event({
            kind: "instance.logs-dropped",
            message: `${instance.id} ${describeDrop(report, logs.budget)}`,
            serviceId: instance.serviceId,
            serviceName: instance.serviceName,
            instanceId: instance.id,
            data: { stream: report.stream, lines: report.lines, bytes: report.bytes },
          }),
      });
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
    return this.lines.subscribe(({ instanceId, lines }) => listener(instanceId, lines));
  }

  /** Where an instance's process writes its output. */
  logsOf(instanceId: string): InstanceLogs | undefined {
    return this.active.get(instanceId);
  }

  start(): void {
    this.loop = every(this.options.clock, COLLECT_EVERY_MS, "log collection", this.options.log, async () => {
      for (const [id, logs] of this.active) await this.collect(id, logs, false);
    });
  }

  stop(): void {
    this.loop?.stop();
  }

  /** Removes log folders of instances that are not running and haven't been written to for a day. */
  async prune(): Promise<void> {
    const entries = await fs.readdir(this.options.root, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || this.active.has(entry.name)) continue;
      const dir = path.join(this.options.root, entry.name);
      const stat = (await fs.stat(path.join(dir, "output.log")).catch(() => undefined)) ?? (await fs.stat(dir).catch(() => undefined));
      if (stat && this.options.clock.now() - stat.mtimeMs > RETAIN_STOPPED_MS) await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** One instance's turn. On a failure the unread lines stay in its raw files, and the next turn reads them again. */
  private async collect(instanceId: string, logs: InstanceLogs, final: boolean): Promise<void> {
    try {
      await logs.collect(final);
    } catch (err) {
      this.options.log.warn({ err, instance: instanceId, final }, "collecting instance logs failed");
    }
  }
}
