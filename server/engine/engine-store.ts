import type { ClusterRolloutStatus } from "../contracts/rollout";
import type { InstanceTemplate } from "../contracts/service";
import type { Rollup } from "./metrics/metrics-collector";
import type { TrafficTopology } from "./proxy/traffic-controller";
import type { RegistrationRecord } from "./registry/registry-controller";
import type { DesiredService, EngineEvent, InstanceRecord } from "./types";

export type InstanceChanges = { saves: InstanceRecord[]; removals: string[]; events: EngineEvent[] };

/** What the engine needs from persistence; server/store implements it with Prisma. */
export interface EngineStore {
  /** Undefined once the service is gone entirely. */
  desiredService(id: string): Promise<DesiredService | undefined>;
  desiredServiceIds(): Promise<string[]>;
  revisionTemplate(serviceId: string, revision: number): Promise<InstanceTemplate | undefined>;
  instanceRecords(): Promise<InstanceRecord[]>;
  /** Applied in one transaction; saves for services that no longer exist are skipped. */
  applyInstanceChanges(changes: InstanceChanges): Promise<void>;
  /** All instances of a service whose deletion was requested are gone: remove the service. */
  finalizeDeletion(serviceId: string): Promise<void>;
  /** Listeners, routes and traffic settings of every service, and the dependency edges. */
  trafficTopology(): Promise<TrafficTopology>;
  /** Endpoints of external services, registered through the Consul-compatible agent API. */
  registrations(): Promise<RegistrationRecord[]>;
  /** A rollout moved forward: a new high of updated instances or a new low of old ones. */
  rolloutProgressed(rolloutId: string, progress: { updated: number; remaining: number }): Promise<void>;
  /** Every wanted instance runs the new revision and is ready; the old ones have exited. */
  rolloutSucceeded(rolloutId: string, progress: { updated: number; remaining: number }): Promise<void>;
  /** What a cluster scheduler (Swarm) now says of the update it runs for this rollout. */
  rolloutClusterStatus(rolloutId: string, status: ClusterRolloutStatus): Promise<void>;
  /** No progress within the deadline: the rollout fails and, if its service asks for it, rolls back. */
  rolloutStalled(rolloutId: string, message: string): Promise<void>;
  /** Minute points of metric series. */
  saveRollups(rollups: Rollup[]): Promise<void>;
  loadRollups(since: number): Promise<Rollup[]>;
  pruneRollups(before: number): Promise<number>;
}
