import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import { every, type Loop } from "../../lib/loop";
import type { EngineStore } from "../engine-store";
import { reconcile } from "../reconciler/reconcile";
import type { DriverSet } from "../drivers";
import type { ClusterScheduler } from "../drivers/runtime-driver";
import type { Supervisor } from "../supervisor/supervisor";
import type { DesiredService, EngineEvent } from "../types";
import { ClusterSync } from "./cluster-sync";
import { DesiredCache } from "./desired-cache";
import { RolloutTracker } from "./rollout-tracker";
import { WorkQueue } from "./work-queue";

export type ControllerOptions = {
  store: EngineStore;
  supervisor: Supervisor;
  /** Services on a runtime whose cluster keeps replicas are handed to that cluster whole. */
  drivers: DriverSet;
  clock: Clock;
  event(event: EngineEvent): void;
  log: Logger;
  /** Every service is looked at this often even without a change (missed events, drift). */
  resyncMs?: number;
};

/**
 * Moves each service's instances toward what the store asks for. Changes only enqueue the
 * service's id; the worker reads desired state (re-read from the store after the service changed)
 * and actual state, asks the pure reconciler for a plan, and hands the steps to the supervisor.
 */
export class ServiceController {
  private readonly queue: WorkQueue<string>;
  private readonly rollouts: RolloutTracker;
  private resync: Loop | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly clusters: ClusterSync;
  private readonly desired: DesiredCache;
  /** Clusters whose changes enqueue their services. */
  private readonly watched = new Map<ClusterScheduler, () => void>();

  constructor(private readonly options: ControllerOptions) {
    this.desired = new DesiredCache((serviceId) => options.store.desiredService(serviceId));
    this.queue = new WorkQueue((serviceId) => this.sync(serviceId), { name: "services", clock: options.clock, log: options.log });
    this.rollouts = new RolloutTracker(options.store, options.clock, (serviceId) => this.enqueue(serviceId));
    this.clusters = new ClusterSync({ store: options.store, supervisor: options.supervisor, log: options.log, event: options.event });
  }

  start(): void {
    // An instance changed, not what its service asks for: the cached desired state holds.
    this.unsubscribe = this.options.supervisor.onStateChange((serviceId) => this.queue.add(serviceId));
    this.resync = every(this.options.clock, this.options.resyncMs ?? 30_000, "service resync", this.options.log, () => this.enqueueAll());
  }

  /** The service's desired state changed (or may have): read it again and reconcile. */
  enqueue(serviceId: string): void {
    this.desired.invalidate(serviceId);
    this.queue.add(serviceId);
  }

  /** Every service in the store and every service that still has instances, each read afresh (the resync's safety net for a missed change). */
  async enqueueAll(): Promise<void> {
    this.desired.invalidateAll();
    const ids = new Set([...(await this.options.store.desiredServiceIds()), ...this.options.supervisor.all().map((r) => r.serviceId)]);
    for (const id of ids) this.enqueue(id);
  }

  /** Resolves when no sync is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.resync?.stop();
    this.rollouts.stop();
    for (const unsubscribe of this.watched.values()) unsubscribe();
    await this.queue.shutDown();
  }

  private async sync(serviceId: string): Promise<void> {
    const { store, supervisor } = this.options;
    const desired = await this.desired.get(serviceId);
    const cluster = this.clusterOf(serviceId, desired);
    if (cluster) {
      await this.clusters.sync(serviceId, desired, cluster);
      return this.rollouts.track(serviceId, desired, supervisor.actualOf(serviceId));
    }
    const actual = supervisor.actualOf(serviceId);
    const plan = reconcile(desired, actual, this.options.clock.now());
    for (const step of plan) {
      switch (step.kind) {
        case "start":
          supervisor.launch(desired!);
          break;
        case "stop":
          // Not awaited: a graceful stop can take the whole grace period; its completion enqueues us again.
          void supervisor.stop(step.instanceId, step.reason);
          break;
        case "finalize":
          await store.finalizeDeletion(serviceId);
          this.desired.invalidate(serviceId);
          break;
      }
    }
    await this.rollouts.track(serviceId, desired, actual);
  }

  /** The cluster that keeps this service's replicas, if its runtime has one (a deleted service: its instances' runtime). */
  private clusterOf(serviceId: string, desired: DesiredService | undefined): ClusterScheduler | undefined {
    const runtime = desired?.template.runtime ?? this.options.supervisor.instancesOf(serviceId)[0]?.template.runtime;
    const cluster = runtime && this.options.drivers.get(runtime).cluster;
    if (cluster && !this.watched.has(cluster)) this.watched.set(cluster, cluster.onChange((id) => this.enqueue(id)));
    return cluster;
  }
}
