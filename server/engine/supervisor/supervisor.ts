import path from "node:path";
import type { UsageSample } from "../../contracts/instance";
import type { InstancesDelta } from "../../contracts/realtime";
import type { InstanceTemplate } from "../../contracts/service";
import type { Clock } from "../../lib/clock";
import { Feed } from "../../lib/feed";
import { newInstanceId } from "../../lib/ids";
import type { Logger } from "../../lib/logger";
import { every, type Loop } from "../../lib/loop";
import type { LaunchSpec, ProcessHandle, RuntimeDriver } from "../drivers/runtime-driver";
import type { LogPump } from "../logs/log-pump";
import type { ActualInstance, InstanceState } from "../reconciler/reconcile";
import { UsageSampler } from "../resources/usage-sampler";
import type { EngineEvent, InstanceRecord } from "../types";
import { instanceEnv } from "./instance-env";
import type { InstanceHook } from "./instance-hooks";
import { InstanceRunner } from "./instance-runner";
import type { RestartTrackerOptions } from "./restart-tracker";
import type { StateWriter } from "./state-writer";

export type SupervisorOptions = {
  driver: RuntimeDriver;
  clock: Clock;
  log: Logger;
  writer: StateWriter;
  logs: LogPump;
  hooks: InstanceHook[];
  /** Relative working directories resolve against this folder. */
  baseDir: string;
  restartOptions?: RestartTrackerOptions;
  usageSampleMs?: number;
};

type ServiceRef = { id: string; name: string; revision: number; template: InstanceTemplate };

const MiB = 1024 * 1024;

/**
 * Owns the running instances: creates runners, persists and publishes what they do, samples their
 * CPU and memory, and enforces memory limits. It decides nothing about how many should run.
 */
export class Supervisor {
  private readonly runners = new Map<string, InstanceRunner>();
  private readonly deltas: Feed<InstancesDelta>;
  private readonly stateChanges: Feed<string>;
  private readonly sampler = new UsageSampler();
  private seq = 0;
  private usageLoop: Loop | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.deltas = new Feed("instance deltas", options.log);
    this.stateChanges = new Feed("instance state changes", options.log);
  }

  /** A change to an instance's state (not its usage) for the controller: enqueue that service. */
  onStateChange(listener: (serviceId: string) => void): () => void {
    return this.stateChanges.subscribe(listener);
  }

  /** Instance upserts, removals and usage samples, for live views. */
  subscribe(listener: (delta: InstancesDelta) => void): () => void {
    return this.deltas.subscribe(listener);
  }

  start(): void {
    this.usageLoop = every(this.options.clock, this.options.usageSampleMs ?? 1000, "usage sampling", this.options.log, () => this.sampleUsage());
  }

  launch(service: ServiceRef): InstanceRunner {
    const runner = this.create(service, this.uniqueId(service.name));
    runner.begin();
    return runner;
  }

  /** Resolves once the instance is taken over (Running, with the readiness it last had). */
  adopt(service: ServiceRef, record: InstanceRecord, handle: ProcessHandle): Promise<void> {
    return this.create(service, record.id).adopt(handle, record);
  }

  get(id: string): InstanceRunner | undefined {
    return this.runners.get(id);
  }

  all(): InstanceRunner[] {
    return [...this.runners.values()];
  }

  instancesOf(serviceId: string): InstanceRunner[] {
    return this.all().filter((r) => r.serviceId === serviceId);
  }

  /** How the reconciler sees a service's instances. */
  actualOf(serviceId: string): ActualInstance[] {
    return this.instancesOf(serviceId).map((r) => ({ id: r.id, revision: r.revision, state: stateOf(r), seq: r.seq, readySince: r.readySince }));
  }

  /** Stops every instance gracefully (Gantry is shutting down). */
  async stopAll(): Promise<void> {
    this.usageLoop?.stop();
    await Promise.all(this.all().map((r) => r.stop("Gantry is shutting down")));
  }

  private create(service: ServiceRef, id: string): InstanceRunner {
    const { writer, log } = this.options;
    const runner: InstanceRunner = new InstanceRunner(
      { id, serviceId: service.id, serviceName: service.name, revision: service.revision, template: service.template, seq: ++this.seq },
      {
        driver: this.options.driver,
        clock: this.options.clock,
        log,
        hooks: this.options.hooks,
        restartOptions: this.options.restartOptions,
        launchSpec: (instance) => this.launchSpec(instance),
        observer: {
          changed: (instance) => {
            if (!this.runners.has(instance.id)) return;
            writer.save(instance.toRecord());
            this.deltas.publish({ kind: "instance.upserted", instance: instance.toView() });
            this.stateChanges.publish(instance.serviceId);
          },
          event: (event: EngineEvent) => writer.event(event),
          removed: (instance) => {
            this.runners.delete(instance.id);
            writer.remove(instance.id);
            this.deltas.publish({ kind: "instance.removed", id: instance.id });
            this.stateChanges.publish(instance.serviceId);
          },
        },
      },
    );
    this.runners.set(id, runner);
    writer.save(runner.toRecord());
    this.deltas.publish({ kind: "instance.upserted", instance: runner.toView() });
    return runner;
  }

  private launchSpec(instance: InstanceRunner): LaunchSpec {
    const logs = this.options.logs.logsOf(instance.id);
    if (!logs) throw new Error(`logs of ${instance.id} are not open`);
    const { template } = instance;
    return {
      instanceId: instance.id,
      command: template.command,
      args: template.args,
      shell: template.shell,
      cwd: path.resolve(this.options.baseDir, template.cwd),
      env: instanceEnv(instance),
      stdoutPath: logs.rawPath("stdout"),
      stderrPath: logs.rawPath("stderr"),
    };
  }

  private sampleUsage(): void {
    const byPid = new Map<number, InstanceRunner>();
    for (const runner of this.runners.values()) if (runner.pid !== null && runner.phase !== "Stopped") byPid.set(runner.pid, runner);
    const usage = this.sampler.sample(byPid.keys(), this.options.clock.now());
    const samples: UsageSample[] = [];
    for (const [pid, sample] of usage) {
      const runner = byPid.get(pid)!;
      runner.usage = sample;
      samples.push({ id: runner.id, cpuPercent: sample.cpuPercent, memoryBytes: sample.memoryBytes, probes: freshProbeResults(runner) });
      const limitMb = runner.template.memoryLimitMb;
      if (limitMb !== null && sample.memoryBytes > limitMb * MiB) {
        runner.kill("OOMKilled", `resident memory ${Math.round(sample.memoryBytes / MiB)} MiB exceeds the limit of ${limitMb} MiB`);
      }
    }
    if (samples.length > 0) this.deltas.publish({ kind: "usage", samples });
  }

  private uniqueId(serviceName: string): string {
    for (;;) {
      const id = newInstanceId(serviceName);
      if (!this.runners.has(id)) return id;
    }
  }
}

function freshProbeResults(runner: InstanceRunner): UsageSample["probes"] {
  let fresh: UsageSample["probes"];
  for (const [type, probe] of runner.probes) {
    const result = probe.takeFresh();
    if (result) (fresh ??= {})[type] = result;
  }
  return fresh;
}

function stateOf(runner: InstanceRunner): InstanceState {
  if (runner.leaving) return "stopping";
  if (runner.done) return runner.reason === "Completed" ? "completed" : "done";
  switch (runner.phase) {
    case "Running":
      return runner.ready ? "ready" : "unready";
    case "Stopping": // restarting in place
      return "unready";
    case "CrashLoop":
    case "Failed":
      return "backoff";
    default:
      return "starting";
  }
}
