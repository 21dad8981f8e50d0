import path from "node:path";
import type { Instance, UsageSample } from "../../contracts/instance";
import type { InstancesDelta } from "../../contracts/realtime";
import type { InstanceTemplate } from "../../contracts/service";
import type { Clock } from "../../lib/clock";
import { Feed } from "../../lib/feed";
import { newInstanceId } from "../../lib/ids";
import type { Logger } from "../../lib/logger";
import { every, type Loop } from "../../lib/loop";
import type { DriverSet } from "../drivers";
import type { ClusterTask, LaunchSpec } from "../drivers/runtime-driver";
import type { LogPump } from "../logs/log-pump";
import type { ActualInstance, InstanceState } from "../reconciler/reconcile";
import type { EngineEvent, InstanceRecord } from "../types";
import { instanceEnv } from "./instance-env";
import type { InstanceHook } from "./instance-hooks";
import { InstanceRunner } from "./instance-runner";
import type { InstanceView } from "./instance-view";
import type { RestartTrackerOptions } from "./restart-tracker";
import type { StateWriter } from "./state-writer";

export type SupervisorOptions = {
  drivers: DriverSet;
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
 * Owns the running instances: creates runners on their runtime's driver, persists and publishes
 * what they do, samples their CPU and memory, and enforces memory limits the runtime doesn't. It
 * decides nothing about how many should run. Everything outside reads instances as InstanceViews.
 */
export class Supervisor {
  private readonly runners = new Map<string, InstanceRunner>();
  private readonly deltas: Feed<InstancesDelta>;
  private readonly stateChanges: Feed<string>;
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
    // On the clock's seconds, like the metrics tick: a live dashboard gets both in one frame, not two.
    this.usageLoop = every(this.options.clock, this.options.usageSampleMs ?? 1000, "usage sampling", this.options.log, () => this.sampleUsage(), { aligned: true });
  }

  launch(service: ServiceRef): InstanceView {
    const runner = this.create(service, this.uniqueId(service.name));
    runner.begin();
    return runner;
  }

  /** An instance for a task a cluster scheduler placed: it follows the task, with the port the cluster gave it. */
  follow(service: ServiceRef, task: ClusterTask): InstanceView {
    const runner = this.create(service, task.instanceId);
    runner.begin(task.port);
    return runner;
  }

  /**
   * Takes over an instance a previous Gantry left running; resolves once it is (Running, with the
   * readiness it last had) to true, or to false when it had ended meanwhile (then forgotten).
   */
  adopt(service: ServiceRef, record: InstanceRecord): Promise<boolean> {
    return this.create(service, record.id).adopt(record);
  }

  /** What a cluster says of one of its tasks now (state, desired state, error), shown on its instance. */
  observeTask(task: ClusterTask): void {
    this.runners.get(task.instanceId)?.observeRuntime(task.details);
  }

  get(id: string): InstanceView | undefined {
    return this.runners.get(id);
  }

  /** Sends a signal to a running instance (chaos); false when it isn't running (or is being stopped, unless `evenLeaving`). */
  signal(id: string, signal: NodeJS.Signals, evenLeaving = false): boolean {
    const runner = this.runners.get(id);
    const handle = runner && (evenLeaving || !runner.leaving) ? runner.runningHandle : undefined;
    handle?.signal(signal);
    return handle !== undefined;
  }

  all(): InstanceView[] {
    return [...this.runners.values()];
  }

  /** Whether some instance is on its way to serving (see InstanceRunner.starting). */
  starting(): boolean {
    for (const runner of this.runners.values()) if (runner.starting) return true;
    return false;
  }

  instancesOf(serviceId: string): InstanceView[] {
    return this.all().filter((r) => r.serviceId === serviceId);
  }

  /** Instances as the API shows them, of one service or all. */
  api(serviceId?: string): Instance[] {
    return [...this.runners.values()].filter((r) => serviceId === undefined || r.serviceId === serviceId).map((r) => r.toInstance());
  }

  /**
   * The instances the data plane has ejected right now (from its stats). Each change is published
   * like any other, so the dashboard shows an instance that stopped answering even without a probe.
   */
  markEjected(ejected: ReadonlySet<string>): void {
    for (const runner of this.runners.values()) {
      const now = ejected.has(runner.id);
      if (runner.ejected === now) continue;
      runner.ejected = now;
      this.deltas.publish({ kind: "instance.upserted", instance: runner.toInstance() });
    }
  }

  /** Stops one instance; resolves once it has stopped. */
  stop(id: string, reason: string): Promise<void> {
    return this.runners.get(id)?.stop(reason) ?? Promise.resolve();
  }

  /** Restarts one instance in place (same id and port). */
  restart(id: string): void {
    this.runners.get(id)?.restart();
  }

  /** How the reconciler sees a service's instances. */
  actualOf(serviceId: string): ActualInstance[] {
    return [...this.runners.values()].filter((r) => r.serviceId === serviceId).map((r) => ({ id: r.id, revision: r.revision, state: stateOf(r), seq: r.seq, readySince: r.readySince }));
  }

  /** Stops every instance gracefully (Gantry is shutting down); a cluster's tasks are the cluster's and keep running. */
  async stopAll(): Promise<void> {
    this.usageLoop?.stop();
    const own = [...this.runners.values()].filter((r) => !this.clusterRuns(r));
    await Promise.all(own.map((r) => r.stop("Gantry is shutting down")));
  }

  /** Whether a cluster scheduler, not Gantry, starts and stops this instance (a Swarm task). */
  clusterRuns(instance: InstanceView): boolean {
    return this.options.drivers.get(instance.template.runtime).capabilities.replicas === "cluster";
  }

  private create(service: ServiceRef, id: string): InstanceRunner {
    const { writer, log } = this.options;
    const runner: InstanceRunner = new InstanceRunner(
      { id, serviceId: service.id, serviceName: service.name, revision: service.revision, template: service.template, seq: ++this.seq },
      {
        driver: this.options.drivers.get(service.template.runtime),
        clock: this.options.clock,
        log,
        hooks: this.options.hooks,
        restartOptions: this.options.restartOptions,
        launchSpec: (instance) => this.launchSpec(instance),
        observer: {
          changed: (instance) => {
            if (!this.runners.has(instance.id)) return;
            writer.save(instance.toRecord());
            this.deltas.publish({ kind: "instance.upserted", instance: instance.toInstance() });
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
    this.deltas.publish({ kind: "instance.upserted", instance: runner.toInstance() });
    return runner;
  }

  private launchSpec(instance: InstanceView): Omit<LaunchSpec, "progress"> {
    const logs = this.options.logs.logsOf(instance.id);
    if (!logs) throw new Error(`logs of ${instance.id} are not open`);
    const { template } = instance;
    return {
      instanceId: instance.id,
      serviceId: instance.serviceId,
      serviceName: instance.serviceName,
      revision: instance.revision,
      template,
      cwd: path.resolve(this.options.baseDir, template.cwd),
      env: instanceEnv(instance),
      port: instance.port,
      stdoutPath: logs.rawPath("stdout"),
      stderrPath: logs.rawPath("stderr"),
    };
  }

  /** Each driver samples its own instances; a limit the runtime doesn't enforce, Gantry does. */
  private async sampleUsage(): Promise<void> {
    const now = this.options.clock.now();
    const samples: UsageSample[] = [];
    await Promise.all(
      this.options.drivers.active().map(async (driver) => {
        const running = [...this.runners.values()].filter((r) => r.runningHandle && r.template.runtime === driver.name);
        if (running.length === 0) return;
        const usage = await driver.sample(running.map((r) => r.runningHandle!), now);
        for (const runner of running) {
          const sample = usage.get(runner.runningHandle!);
          if (!sample) continue;
          runner.usage = sample;
          samples.push({ id: runner.id, cpuPercent: sample.cpuPercent, memoryBytes: sample.memoryBytes, probes: runner.freshProbeResults() });
          const limitMb = runner.template.memoryLimitMb;
          if (driver.capabilities.memoryLimit === "sampled" && limitMb !== null && sample.memoryBytes > limitMb * MiB) {
            runner.kill("OOMKilled", `resident memory ${Math.round(sample.memoryBytes / MiB)} MiB exceeds the limit of ${limitMb} MiB`);
          }
        }
      }),
    );
    if (samples.length > 0) this.deltas.publish({ kind: "usage", samples });
  }

  private uniqueId(serviceName: string): string {
    for (;;) {
      const id = newInstanceId(serviceName);
      if (!this.runners.has(id)) return id;
    }
  }
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
