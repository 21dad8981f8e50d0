import { z } from "zod";
import type { ProbeResult, ProbeStatus, ProbeType } from "./probe";

/**
 * Pending → Starting → Running (ready or not) → Stopping → Stopped.
 * CrashLoop: exited and waiting out its restart backoff. Failed: could not start, or exited for
 * good under its restart policy. Stopped also ends an instance that completed (exit 0, on-failure).
 */
export const instancePhases = ["Pending", "Starting", "Running", "Stopping", "Stopped", "CrashLoop", "Failed"] as const;
export type InstancePhase = (typeof instancePhases)[number];

/**
 * Where an instance runs, as its driver recorded it (to find it again after Gantry restarts).
 * A process: its pid, and its start time from /proc (a decimal string) that tells a reused pid
 * apart. A container: its id, the image as asked for and the digest that resolved to.
 */
export const runtimeDetails = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("process"), pid: z.number().int().positive(), startTime: z.string().regex(/^\d+$/) }),
  z.object({ kind: z.literal("docker"), containerId: z.string().regex(/^[a-f0-9]{12,64}$/), image: z.string().max(512), digest: z.string().max(200).nullable() }),
  /** A Swarm task: which one, on which node, in which of Swarm's states, and what Swarm last said of it. */
  z.object({
    kind: z.literal("swarm"),
    taskId: z.string().regex(/^[a-z0-9]{10,64}$/),
    slot: z.number().int().positive(),
    nodeId: z.string().max(64),
    node: z.string().max(255),
    state: z.string().max(32),
    desiredState: z.string().max(32),
    error: z.string().max(2048).nullable(),
    containerId: z.string().regex(/^[a-f0-9]{12,64}$/).nullable(),
    /** Gantry can read its CPU and memory: it runs on the manager's node, or on one whose daemon is given (node label gantry.docker-host). */
    sampled: z.boolean().default(false),
  }),
]);
export type RuntimeDetails = z.infer<typeof runtimeDetails>;

/** How people name it: `pid 4242`, `container 3f2a9c1b7d04`, `swarm task 7x2k… on node-2`. */
export function runtimeLabel(details: RuntimeDetails): string {
  switch (details.kind) {
    case "process":
      return `pid ${details.pid}`;
    case "docker":
      return `container ${details.containerId.slice(0, 12)}`;
    case "swarm":
      return `swarm task ${details.taskId.slice(0, 12)} (slot ${details.slot}) on ${details.node}`;
  }
}

export type Instance = {
  id: string;
  serviceId: string;
  serviceName: string;
  revision: number;
  phase: InstancePhase;
  ready: boolean;
  /** Null while nothing runs (starting, between restarts). */
  runtime: RuntimeDetails | null;
  port: number | null;
  restarts: number;
  exitCode: number | null;
  signal: string | null;
  /** Short machine-readable cause of the last transition, e.g. Completed, Error, OOMKilled, SpawnError. */
  reason: string | null;
  message: string | null;
  startedAt: string | null;
  /** When a CrashLoop or Failed instance will be started again. */
  nextRestartAt: string | null;
  cpuPercent: number | null;
  memoryBytes: number | null;
  /** The probes currently running for this instance (none while it is not running). */
  probes: ProbeStatus[];
  /**
   * Taken out of rotation by the data plane after repeated errors or timeouts (outlier ejection),
   * until its ejection time is up: it may pass its probes, or have none, and still not answer.
   */
  ejected: boolean;
};

/** Sent once per second: what changed in every running instance's usage and latest probe results. */
export type UsageSample = { id: string; cpuPercent: number; memoryBytes: number; probes?: Partial<Record<ProbeType, ProbeResult>> };

export type ServiceHealth = "healthy" | "degraded" | "down" | "idle";

/** Running and ready: what discovery lists and the data plane may send traffic to. */
export const isServing = (instance: Pick<Instance, "phase" | "ready">) => instance.phase === "Running" && instance.ready;

/** Serving, and not ejected by the data plane: what the dashboard counts as ready. */
export const inRotation = (instance: Pick<Instance, "phase" | "ready" | "ejected">) => isServing(instance) && !instance.ejected;

/**
 * healthy: every wanted replica is serving and in rotation; degraded: some are; down: none while
 * some are wanted; idle: none wanted. A deployment that is still starting counts as degraded, and
 * so does one the data plane ejected an instance of.
 */
export function serviceHealth(replicas: number, instances: Pick<Instance, "phase" | "ready" | "ejected">[]): ServiceHealth {
  return healthOf(replicas, instances.filter(inRotation).length);
}

/** The same rule on counts: `ready` of `replicas` wanted are serving and in rotation. */
export function healthOf(replicas: number, ready: number): ServiceHealth {
  if (replicas === 0) return ready === 0 ? "idle" : "degraded";
  if (ready === 0) return "down";
  return ready >= replicas ? "healthy" : "degraded";
}

export const instanceId = z.string().regex(/^[a-z][-a-z0-9]*$/, "not a valid instance id").max(80);
export const instanceListInput = z.object({ serviceId: z.string().uuid().optional() });
