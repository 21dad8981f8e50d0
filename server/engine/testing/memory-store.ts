import type { ClusterRolloutStatus } from "../../contracts/rollout";
import type { InstanceTemplate } from "../../contracts/service";
import { trafficSettings } from "../../contracts/traffic";
import type { Rollup } from "../metrics/metrics-collector";
import type { EngineStore, InstanceChanges } from "../engine-store";
import type { DesiredService, EngineEvent, InstanceRecord } from "../types";

/** An in-memory EngineStore for unit tests of the engine. */
export class MemoryStore implements EngineStore {
  readonly services = new Map<string, DesiredService>();
  readonly revisions = new Map<string, InstanceTemplate>();
  readonly records = new Map<string, InstanceRecord>();
  readonly events: EngineEvent[] = [];
  readonly finalized: string[] = [];

  put(service: DesiredService): void {
    this.services.set(service.id, service);
    this.revisions.set(`${service.id}/${service.revision}`, service.template);
  }

  async desiredService(id: string) {
    return this.services.get(id);
  }

  async desiredServiceIds() {
    return [...this.services.keys()];
  }

  async revisionTemplate(serviceId: string, revision: number) {
    return this.revisions.get(`${serviceId}/${revision}`);
  }

  async instanceRecords() {
    return [...this.records.values()];
  }

  async applyInstanceChanges({ saves, removals, events }: InstanceChanges) {
    for (const record of saves) if (this.services.has(record.serviceId)) this.records.set(record.id, record);
    for (const id of removals) this.records.delete(id);
    this.events.push(...events);
  }

  async trafficTopology() {
    const traffic = trafficSettings.parse({});
    return { services: [...this.services.values()].map((s) => ({ id: s.id, name: s.name, listenPort: null, traffic })), dependencies: [] };
  }

  async registrations() {
    return [];
  }

  readonly rollups: Rollup[] = [];

  async saveRollups(rollups: Rollup[]) {
    this.rollups.push(...rollups);
  }

  async loadRollups(since: number) {
    return this.rollups.filter((r) => r.at >= since);
  }

  async pruneRollups(before: number) {
    const kept = this.rollups.filter((r) => r.at >= before);
    const pruned = this.rollups.length - kept.length;
    this.rollups.splice(0, this.rollups.length, ...kept);
    return pruned;
  }

  /** Rollouts as the real store keeps them: progress, then success or a stall (with auto rollback). */
  readonly rolloutLog: string[] = [];
  /** Set to the test's clock. */
  now = () => Date.now();

  private withRollout(rolloutId: string, change: (service: DesiredService) => void): Promise<void> {
    const service = [...this.services.values()].find((s) => s.rollout?.id === rolloutId);
    if (service) change(service);
    return Promise.resolve();
  }

  rolloutProgressed(rolloutId: string, progress: { updated: number; remaining: number }) {
    this.rolloutLog.push(`progressed ${progress.updated}/${progress.remaining}`);
    return this.withRollout(rolloutId, (s) => (s.rollout = { ...s.rollout!, ...progress, progressAt: this.now() }));
  }

  rolloutClusterStatus(rolloutId: string, status: ClusterRolloutStatus) {
    this.rolloutLog.push(`cluster: ${status.state} ${status.updatedTasks}`);
    return Promise.resolve();
  }

  rolloutSucceeded(rolloutId: string) {
    this.rolloutLog.push("succeeded");
    return this.withRollout(rolloutId, (s) => (s.rollout = null));
  }

  rolloutStalled(rolloutId: string, message: string) {
    this.rolloutLog.push(`stalled: ${message}`);
    return this.withRollout(rolloutId, (s) => {
      if (!s.strategy.autoRollback) return void (s.rollout = { ...s.rollout!, status: "failed" });
      Object.assign(s, { revision: s.rollout!.fromRevision, template: this.revisions.get(`${s.id}/${s.rollout!.fromRevision}`), rollout: null });
    });
  }

  async finalizeDeletion(serviceId: string) {
    this.services.delete(serviceId);
    this.finalized.push(serviceId);
  }
}
