import type { Instance } from "../contracts/instance";
import type { RolloutStatus, RolloutStrategy } from "../contracts/rollout";
import type { InstanceTemplate } from "../contracts/service";

/** What the user asked for, as the engine reads it from the store. */
export type DesiredService = {
  id: string;
  name: string;
  replicas: number;
  /** The revision instances should run, with its template. */
  revision: number;
  template: InstanceTemplate;
  /** Deletion requested: stop everything, then let the store remove the service. */
  deleting: boolean;
  strategy: RolloutStrategy;
  /** The latest rollout toward `revision`, unless it succeeded, was aborted or superseded. */
  rollout: TrackedRollout | null;
};

/** What the engine needs of a rollout to move it on and to judge its progress. */
export type TrackedRollout = {
  id: string;
  status: Extract<RolloutStatus, "progressing" | "paused" | "failed">;
  fromRevision: number;
  updated: number;
  remaining: number;
  /** Epoch ms of its last progress. */
  progressAt: number;
  cause: string;
};

/** How an instance ended; `reason` is a cause the runtime itself saw (a container's OOMKilled). */
export type ExitStatus = { code: number | null; signal: string | null; reason?: string };

/** The fields an instance's view and its durable record share. */
export type InstanceCore = Pick<
  Instance,
  "id" | "serviceId" | "revision" | "phase" | "ready" | "runtime" | "port" | "restarts" | "exitCode" | "signal" | "reason" | "message"
>;

/** The engine's durable record of an instance: enough to adopt it after Gantry restarts. */
export type InstanceRecord = InstanceCore & { startedAt: Date | null };

export type EngineEvent = {
  kind: string;
  /** Who made it happen, when a person did (chaos); otherwise the engine. */
  actor?: string;
  message: string;
  /** Absent for an event about no one service (a swarm node drained). */
  serviceId?: string;
  serviceName?: string;
  instanceId?: string;
  data?: Record<string, string | number | boolean | null>;
};
