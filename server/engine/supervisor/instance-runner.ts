import os from "node:os";
import { isDeepStrictEqual } from "node:util";
import { runtimeLabel, type Instance, type InstancePhase, type RuntimeDetails } from "../../contracts/instance";
import type { ProbeStatus, ProbeType } from "../../contracts/probe";
import type { InstanceTemplate } from "../../contracts/service";
import type { Clock, Timer } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import type { LaunchSpec, RuntimeDriver, RuntimeHandle, Usage } from "../drivers/runtime-driver";
import type { EngineEvent, ExitStatus, InstanceCore, InstanceRecord } from "../types";
import type { InstanceControl, InstanceHook, ProbeSource } from "./instance-hooks";
import type { InstanceView } from "./instance-view";
import { RestartTracker, type RestartTrackerOptions } from "./restart-tracker";

export type RunnerObserver = {
  /** Any field of the instance changed (phase, readiness, probes…). */
  changed(instance: InstanceRunner): void;
  event(event: EngineEvent): void;
  /** Stopped for good and cleaned up: forget it. */
  removed(instance: InstanceRunner): void;
};

export type RunnerDeps = {
  driver: RuntimeDriver;
  clock: Clock;
  log: Logger;
  hooks: InstanceHook[];
  observer: RunnerObserver;
  /** Builds what the driver starts; hooks have run `prepare` by then. */
  launchSpec(instance: InstanceView): Omit<LaunchSpec, "progress">;
  restartOptions?: RestartTrackerOptions;
};

export type RunnerIdentity = {
  id: string;
  serviceId: string;
  serviceName: string;
  revision: number;
  template: InstanceTemplate;
  /** Creation order within this Gantry process; higher is newer. */
  seq: number;
};

const describeExit = (status: ExitStatus) =>
  status.signal
    ? `killed by ${status.signal} (signal ${os.constants.signals[status.signal as keyof typeof os.constants.signals] ?? "?"})`
    : status.code === null
      ? "exited (status unknown: adopted process)"
      : `exited with code ${status.code}`;
/** How an exit is recorded on its event: code and signal, for the timeline and whoever reads the log. */
const exitData = (status: ExitStatus) => ({ exitCode: status.code, signal: status.signal });
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * One instance's life, as a small state machine driven by events: launch, spawned, exited,
 * backoff elapsed, stop, restart. Restart decisions belong to RestartTracker; ports, logs and
 * probes to hooks; running it to its driver; this class only sequences them. Everything else
 * reads it as an InstanceView.
 */
export class InstanceRunner implements InstanceView {
  readonly id: string;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly revision: number;
  readonly template: InstanceTemplate;
  readonly seq: number;

  phase: InstancePhase = "Pending";
  /** Since when (clock ms) the instance has been ready without a break; null while it isn't. */
  readySince: number | null = null;
  runtime: RuntimeDetails | null = null;
  port: number | null = null;
  restarts = 0;
  exitCode: number | null = null;
  signal: string | null = null;
  reason: string | null = null;
  message: string | null = null;
  startedAt: Date | null = null;
  nextRestartAt: number | null = null;
  /** Set by the supervisor from its driver's samples. */
  usage: Usage | null = null;
  ejected = false;

  private handle: RuntimeHandle | undefined;
  /** The probes running for the current process (the health hook's), by type. */
  private readonly probeSources = new Map<ProbeType, ProbeSource>();
  private readonly tracker: RestartTracker;
  private backoffTimer: Timer | undefined;
  private graceTimer: Timer | undefined;
  private stopRequested = false;
  private restartRequested = false;
  private killReason: string | undefined;
  private launching = false;
  private preparing = false;
  /** Ready at least once since its current process was launched. */
  private servedSinceLaunch = false;
  private finished = false;
  private readonly stoppedPromise: Promise<void>;
  private resolveStopped!: () => void;

  constructor(
    identity: RunnerIdentity,
    private readonly deps: RunnerDeps,
  ) {
    ({ id: this.id, serviceId: this.serviceId, serviceName: this.serviceName, revision: this.revision, template: this.template, seq: this.seq } = identity);
    this.tracker = new RestartTracker(identity.template.restartPolicy, deps.clock, deps.restartOptions);
    this.stoppedPromise = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  /** True once the instance has been asked to stop (it no longer counts toward replicas). */
  get leaving(): boolean {
    return this.stopRequested;
  }

  /** What its driver runs now, if anything (the supervisor samples it). */
  get runningHandle(): RuntimeHandle | undefined {
    return this.handle;
  }

  get address(): InstanceView["address"] {
    return this.handle && this.port !== null ? { host: this.handle.host, port: this.port } : null;
  }

  get probes(): ProbeStatus[] {
    return [...this.probeSources.values()].map((p) => p.status());
  }

  /** Probe results not yet sent to live views, by type. */
  freshProbeResults(): Partial<Record<ProbeType, NonNullable<ReturnType<ProbeSource["takeFresh"]>>>> | undefined {
    let fresh: ReturnType<InstanceRunner["freshProbeResults"]>;
    for (const [type, probe] of this.probeSources) {
      const result = probe.takeFresh();
      if (result) (fresh ??= {})[type] = result;
    }
    return fresh;
  }

  /** Ended for good under its restart policy; keeps its slot until stopped. */
  get done(): boolean {
    const idle = this.handle === undefined && !this.launching && !this.preparing && this.backoffTimer === undefined;
    return !this.stopRequested && idle && (this.phase === "Stopped" || this.phase === "Failed");
  }

  /** Prepares and starts a new instance; `port` is one its runtime gave it (a cluster task's), instead of one from Gantry's range. */
  begin(port: number | null = null): void {
    this.port = port;
    void this.prepareThen(() => this.launch());
  }

  /** A cluster scheduler restarts and replaces its tasks itself: Gantry's restart decisions are off. */
  private get clusterRestarts(): boolean {
    return this.deps.driver.capabilities.replicas === "cluster";
  }

  /**
   * Takes over an instance a previous Gantry left running; resolves to whether it still ran. It
   * keeps the readiness it last had until its probes say otherwise (as the kubelet does after a
   * restart): its traffic never stopped, and marking it unready until the first probe would
   * answer 503 meanwhile.
   */
  adopt(record: InstanceRecord): Promise<boolean> {
    this.port = record.port;
    this.restarts = record.restarts;
    let adopted = false;
    return this.prepareThen(async () => {
      const handle = record.runtime && (await this.deps.driver.adopt(record.runtime, this.deps.launchSpec(this)));
      if (!handle) return void this.finish(`${this.id} was not running when Gantry started; marked stopped`);
      adopted = true;
      this.emit("instance.adopted", `adopted ${this.id} (${runtimeLabel(handle.details)}) left running by the previous Gantry`);
      this.ready = record.ready;
      this.spawned(handle, record.startedAt ?? new Date(this.deps.clock.now()));
    }).then(() => adopted);
  }

  /** What its runtime says of it now (a cluster task's node, state, desired state, error), while it runs. */
  observeRuntime(details: RuntimeDetails): void {
    if (!this.handle || this.runtime?.kind !== details.kind || isDeepStrictEqual(this.runtime, details)) return;
    this.runtime = details;
    this.deps.observer.changed(this);
  }

  /** Stops the instance gracefully; resolves once it is stopped and cleaned up. */
  stop(reason: string): Promise<void> {
    if (!this.stopRequested) {
      this.stopRequested = true;
      this.clearBackoff();
      if (this.handle) void this.terminate(reason);
      else if (!this.launching && !this.preparing) void this.finish(`stopped ${this.id} (${reason})`);
      // A preparation or launch in flight finishes first, then sees stopRequested.
    }
    return this.stoppedPromise;
  }

  /** Restarts the process in place (same instance, same port). */
  restart(): void {
    if (this.stopRequested || this.launching) return;
    this.restarts++;
    if (this.handle) {
      this.restartRequested = true;
      void this.terminate("restart requested");
    } else {
      this.clearBackoff();
      this.launch();
    }
  }

  /**
   * Ends the process with a reason its restart decision will see: at once with SIGKILL (e.g.
   * OOMKilled), or gracefully through the stop signal (e.g. a failing liveness probe).
   */
  kill(reason: string, message: string, { graceful = false } = {}): void {
    if (!this.handle || this.stopRequested || this.killReason) return;
    this.killReason = reason;
    this.emit(`instance.${reason.toLowerCase()}`, `${this.id} ${graceful ? "restarting" : "killed"}: ${message}`);
    if (graceful) void this.terminate(reason);
    else this.handle.signal("SIGKILL");
  }

  get ready(): boolean {
    return this.readySince !== null;
  }

  private set ready(ready: boolean) {
    if (ready !== this.ready) this.readySince = ready ? this.deps.clock.now() : null;
    if (ready) this.servedSinceLaunch = true;
  }

  /** On its way to serving: being prepared or launched, or running and not yet ready (a readiness probe failing later doesn't count). */
  get starting(): boolean {
    return !this.stopRequested && (this.preparing || this.launching || (this.handle !== undefined && !this.servedSinceLaunch));
  }

  private setReady(ready: boolean, why?: string): void {
    if (this.ready === ready || (ready && this.phase !== "Running")) return;
    this.ready = ready;
    this.emit(ready ? "instance.ready" : "instance.unready", `${this.id} is ${ready ? "ready" : "not ready"}${why ? `: ${why}` : ""}`);
    this.deps.observer.changed(this);
  }

  /** What hooks may do while `handle` runs; nothing, once it has ended (a late verdict of its probes). */
  private controlOf(handle: RuntimeHandle): InstanceControl {
    const current = () => this.handle === handle;
    return {
      setReady: (ready, why) => current() && this.setReady(ready, why),
      restart: (reason, message) => current() && this.kill(reason, message, { graceful: true }),
      setProbe: (type, probe) => {
        if (!current()) return;
        if (probe) this.probeSources.set(type, probe);
        else this.probeSources.delete(type);
        this.deps.observer.changed(this);
      },
      changed: () => current() && this.deps.observer.changed(this),
      exec: handle.exec && ((command, env, timeoutMs) => handle.exec!(command, env, timeoutMs)),
    };
  }

  /** The instance as the API shows it. */
  toInstance(): Instance {
    return {
      ...this.state(),
      serviceName: this.serviceName,
      startedAt: this.startedAt?.toISOString() ?? null,
      nextRestartAt: this.nextRestartAt === null ? null : new Date(this.nextRestartAt).toISOString(),
      cpuPercent: this.usage?.cpuPercent ?? null,
      memoryBytes: this.usage?.memoryBytes ?? null,
      probes: this.probes,
      ejected: this.ejected,
    };
  }

  toRecord(): InstanceRecord {
    return { ...this.state(), startedAt: this.startedAt };
  }

  private state(): InstanceCore {
    const { id, serviceId, revision, phase, ready, runtime, port, restarts, exitCode, signal, reason, message } = this;
    return { id, serviceId, revision, phase, ready, runtime, port, restarts, exitCode, signal, reason, message };
  }

  private async prepareThen(next: () => Promise<void> | void): Promise<void> {
    this.preparing = true;
    try {
      for (const hook of this.deps.hooks) {
        const added = await hook.prepare?.(this);
        if (added?.port !== undefined) this.port = added.port;
      }
    } catch (err) {
      this.preparing = false;
      this.deps.log.error({ err, instance: this.id }, "instance preparation failed");
      this.set("Failed", { reason: "PrepareError", message: (err as Error).message });
      this.emit("instance.failed", `${this.id} could not be prepared: ${(err as Error).message}`);
      // Nothing is running; stopping releases whatever the hooks did set up.
      void this.stop("preparation failed");
      return;
    }
    this.preparing = false;
    if (this.stopRequested) return void this.finish(`stopped ${this.id} before it started`);
    await next();
  }

  private launch(): void {
    this.launching = true;
    this.servedSinceLaunch = false;
    this.nextRestartAt = null;
    this.set("Starting", { reason: null, message: null });
    this.emit("instance.starting", `starting ${this.id} (revision ${this.revision})`);
    let spec: LaunchSpec;
    try {
      spec = { ...this.deps.launchSpec(this), progress: (message) => this.progressed(message) };
    } catch (err) {
      this.launching = false;
      return this.spawnFailed(err as Error);
    }
    this.deps.driver.start(spec).then(
      (handle) => {
        this.launching = false;
        this.spawned(handle, new Date(this.deps.clock.now()));
      },
      (err: Error) => {
        this.launching = false;
        this.spawnFailed(err);
      },
    );
  }

  /** Long preparation by the driver (an image pull): shown on the instance while it starts. */
  private progressed(message: string): void {
    if (this.phase !== "Starting") return;
    this.message = message;
    this.deps.observer.changed(this);
  }

  private spawned(handle: RuntimeHandle, startedAt: Date): void {
    this.handle = handle;
    this.runtime = handle.details;
    this.startedAt = startedAt;
    this.exitCode = null;
    this.signal = null;
    handle.exited.then(
      (status) => this.exited(status),
      (err: unknown) => this.deps.log.error({ err, instance: this.id }, "waiting for exit failed"),
    );
    if (this.stopRequested) return void this.terminate("stop requested while starting");
    this.tracker.started();
    this.set("Running", { reason: null, message: null });
    this.emit("instance.running", `${this.id} running: ${runtimeLabel(handle.details)}, port ${this.port ?? "none"}`);
    const control = this.controlOf(handle);
    for (const hook of this.deps.hooks) this.guarded(hook, "started", () => hook.started?.(this, control));
  }

  private spawnFailed(err: Error): void {
    this.deps.log.warn({ instance: this.id, err: err.message }, "instance could not start");
    if (this.stopRequested) return void this.finish(`stopped ${this.id}`);
    if (this.clusterRestarts) {
      this.set("Failed", { reason: "TaskFailed", message: err.message });
      return this.emit("instance.failed", `${this.id} did not start: ${err.message}`);
    }
    const decision = this.tracker.spawnFailed();
    if (!decision.restart) {
      this.set("Failed", { reason: decision.reason, message: err.message });
      this.emit("instance.failed", `${this.id} could not start: ${err.message}; restart policy is never`);
      return;
    }
    this.set("Failed", { reason: decision.reason, message: err.message });
    this.scheduleRestart(decision.delayMs, "instance.failed", `${this.id} could not start: ${err.message}`);
  }

  private exited(status: ExitStatus): void {
    this.handle = undefined;
    this.runtime = null;
    this.exitCode = status.code;
    this.signal = status.signal;
    this.ready = false;
    this.probeSources.clear();
    if (this.graceTimer) this.deps.clock.clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    for (const hook of this.deps.hooks) this.guarded(hook, "exited", () => hook.exited?.(this));
    const killReason = this.killReason ?? status.reason;
    this.killReason = undefined;

    // Every exit is an event with its code or signal, whatever happens next.
    const exit = exitData(status);
    if (this.stopRequested) return void this.finish(`${this.id} stopped (${describeExit(status)})`, exit);
    if (this.clusterRestarts) return void this.finish(`${this.id} ended (${describeExit(status)}${status.reason ? `: ${status.reason}` : ""}); its cluster replaces it if the service still wants it`, exit);
    if (this.restartRequested) {
      this.restartRequested = false;
      this.emit("instance.exited", `${this.id} ${describeExit(status)} (restart requested); starting it again`, exit);
      return this.launch();
    }
    const decision = this.tracker.exited(status, killReason);
    const what = `${this.id} ${killReason ? `was ${killReason} (${describeExit(status)})` : describeExit(status)}`;
    if (!decision.restart) {
      this.set(decision.phase, { reason: decision.reason, message: describeExit(status) });
      this.emit(`instance.${decision.phase.toLowerCase()}`, `${what}; not restarting (restart policy ${this.template.restartPolicy})`, exit);
      return;
    }
    this.restarts++;
    this.set("CrashLoop", { reason: decision.reason, message: describeExit(status) });
    this.scheduleRestart(decision.delayMs, "instance.crashloop", what, exit);
  }

  private scheduleRestart(delayMs: number, kind: string, what: string, exit?: EngineEvent["data"]): void {
    this.nextRestartAt = this.deps.clock.now() + delayMs;
    this.deps.observer.changed(this);
    this.emit(kind, `${what}; restarting in ${seconds(delayMs)}`, exit);
    this.backoffTimer = this.deps.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      if (!this.stopRequested) this.launch();
    }, delayMs);
  }

  /** Stop signal to the process group, then SIGKILL after the grace period. */
  private async terminate(reason: string): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    this.set("Stopping", {});
    this.ready = false;
    this.deps.observer.changed(this);
    const grace = this.template.gracePeriodSeconds * 1000;
    // A cluster's task is stopped by its cluster: Gantry only takes it out of traffic.
    if (this.clusterRestarts) this.emit("instance.stopping", `draining ${this.id} (${reason})`);
    else this.emit("instance.stopping", `stopping ${this.id} (${reason}): ${this.template.stopSignal}, then SIGKILL after ${seconds(grace)}`);
    for (const hook of this.deps.hooks) {
      try {
        await hook.stopping?.(this);
      } catch (err) {
        this.deps.log.error({ err, instance: this.id, hook: hook.name }, "stopping hook failed");
      }
    }
    if (this.handle !== handle || this.clusterRestarts) return; // exited while draining, or its cluster stops it
    handle.signal(this.template.stopSignal);
    this.graceTimer = this.deps.clock.setTimeout(() => {
      this.graceTimer = undefined;
      if (this.handle !== handle) return;
      this.emit("instance.killed", `${this.id} did not exit within ${seconds(grace)} of ${this.template.stopSignal}; sent SIGKILL`);
      handle.signal("SIGKILL");
    }, grace);
  }

  private async finish(message: string, exit?: EngineEvent["data"]): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.clearBackoff();
    this.set("Stopped", {});
    this.emit("instance.stopped", message, exit);
    for (const hook of [...this.deps.hooks].reverse()) {
      try {
        await hook.cleanup?.(this);
      } catch (err) {
        this.deps.log.error({ err, instance: this.id, hook: hook.name }, "cleanup hook failed");
      }
    }
    this.deps.observer.removed(this);
    this.resolveStopped();
  }

  private clearBackoff(): void {
    if (this.backoffTimer) this.deps.clock.clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.nextRestartAt = null;
  }

  private set(phase: InstancePhase, details: { reason?: string | null; message?: string | null }): void {
    this.phase = phase;
    if (phase !== "Running") this.ready = false;
    if (details.reason !== undefined) this.reason = details.reason;
    if (details.message !== undefined) this.message = details.message;
    this.deps.observer.changed(this);
  }

  private guarded(hook: InstanceHook, stage: "started" | "exited", run: () => void): void {
    try {
      run();
    } catch (err) {
      this.deps.log.error({ err, instance: this.id, hook: hook.name, stage }, "instance hook failed");
    }
  }

  private emit(kind: string, message: string, data?: EngineEvent["data"]): void {
    this.deps.observer.event({ kind, message, serviceId: this.serviceId, serviceName: this.serviceName, instanceId: this.id, ...(data ? { data } : {}) });
  }
}
