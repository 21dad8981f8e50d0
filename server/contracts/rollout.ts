import { z } from "zod";
import { serviceId } from "./service-id";

const strategyFields = {
  /** Extra instances allowed above replicas while replacing. */
  maxSurge: z.number().int("max surge must be a whole number").min(0, "max surge must be 0 or more").max(100, "max surge must be at most 100"),
  /** Ready instances that may be missing below replicas while replacing. */
  maxUnavailable: z.number().int("max unavailable must be a whole number").min(0, "max unavailable must be 0 or more").max(100, "max unavailable must be at most 100"),
  /** A rollout that makes no progress for this long fails. */
  progressDeadlineSeconds: z.number().min(1, "the progress deadline must be at least 1 s").max(86_400, "the progress deadline must be at most a day"),
  /** A failed rollout returns to the revision it started from. */
  autoRollback: z.boolean(),
  /** A new instance must stay ready this long before it counts (and an old one may go). */
  minReadySeconds: z.number().min(0, "min ready must be 0 or more").max(3600, "min ready must be at most an hour"),
};

const neverMoves = { message: "max surge and max unavailable can't both be 0: no instance could ever be replaced", path: ["maxSurge"] };

/** How a service moves from one revision to the next (Kubernetes' RollingUpdate, plus Nomad's auto revert). */
export const rolloutStrategy = z
  .object({
    maxSurge: strategyFields.maxSurge.default(1),
    maxUnavailable: strategyFields.maxUnavailable.default(0),
    progressDeadlineSeconds: strategyFields.progressDeadlineSeconds.default(120),
    autoRollback: strategyFields.autoRollback.default(false),
    minReadySeconds: strategyFields.minReadySeconds.default(0),
  })
  .refine((s) => s.maxSurge + s.maxUnavailable > 0, neverMoves);
/** Only the fields given change; the merged result is checked with rolloutStrategy. */
export const rolloutStrategyPatch = z.object(strategyFields).partial().strict();
export type RolloutStrategy = z.infer<typeof rolloutStrategy>;
export const defaultStrategy: RolloutStrategy = rolloutStrategy.parse({});

export const rolloutStatuses = ["progressing", "paused", "succeeded", "failed", "aborted", "superseded"] as const;
export type RolloutStatus = (typeof rolloutStatuses)[number];
/** Still moving instances, or paused on the way. */
export const activeStatuses: readonly RolloutStatus[] = ["progressing", "paused"];
/** The newest rollout to the wanted revision in one of these holds back replacing instances. */
export const holdingStatuses: readonly RolloutStatus[] = ["paused", "failed"];

/** Why a rollout began: an edit, a rollback the user asked for, one after a failure, or one after an abort. */
export type RolloutCause = "update" | "rollback" | "auto-rollback" | "abort";

export type Rollout = {
  id: string;
  serviceId: string;
  fromRevision: number;
  toRevision: number;
  cause: RolloutCause;
  status: RolloutStatus;
  /** Why it failed, was aborted or superseded. */
  message: string | null;
  /** Replicas wanted when it started. */
  replicas: number;
  /** Most instances of the new revision ready at once so far. */
  updated: number;
  /** Fewest instances of older revisions left so far. */
  remaining: number;
  /** A swarm service's update as Swarm itself reports it (null for other runtimes, and before Swarm said anything). */
  cluster: ClusterRolloutStatus | null;
  startedAt: string;
  /** Last time it moved forward; the progress deadline counts from here. */
  progressAt: string;
  finishedAt: string | null;
};

/** Swarm's UpdateStatus of a service: its state word (updating, paused, completed, rollback_started…), its message, and its tasks running the new spec. */
export type ClusterRolloutStatus = { state: string; message: string | null; updatedTasks: number };

/** One field of an instance template that differs between two revisions. Secret values show as `<secret>`. */
export type TemplateChange = { path: string; before: JsonValue; after: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type RevisionSummary = { number: number; createdAt: string; command: string; current: boolean };

/** What saving an edit will do, computed by the engine's own reconciler. */
export type PlanPreview = {
  /** Fields that change, in words (replicas, template, traffic…). */
  changed: string[];
  revision: { from: number; to: number } | null;
  diff: TemplateChange[];
  /** The steps, in waves: each wave is what the engine does before waiting for instances to become ready or stop. */
  waves: PlanStep[][];
  starts: number;
  stops: number;
  /** Most instances running at once during the change. */
  peak: number;
  /** Fewest ready instances at once during the change. */
  lowestReady: number;
  /** For a swarm service: what Swarm will do (Gantry's own steps below don't apply to it). */
  cluster: string | null;
  /** Callers that roll to a new revision too, their link to this service renamed (a protocol change: NAME_URL ↔ NAME_ADDR). */
  relinks: Array<{ service: string; from: string; to: string }>;
};
export type PlanStep = { kind: "start"; revision: number } | { kind: "stop"; instanceId: string; revision: number; reason: string };

export const rolloutTarget = z.object({ serviceId });
/** Revision numbers are PostgreSQL integers: 1 to 2³¹ − 1. */
const revisionNumber = z.number().int("revisions are whole numbers").min(1, "revisions are numbered from 1").max(2_147_483_647, "no revision is numbered that high");
export const rollbackInput = z.object({ serviceId, revision: revisionNumber });
export const revisionDiffInput = z.object({ serviceId, from: revisionNumber, to: revisionNumber });
