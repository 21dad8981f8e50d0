import { z } from "zod";
import type { ProbeResult, ProbeStatus, ProbeType } from "./probe";

/**
 * Pending → Starting → Running (ready or not) → Stopping → Stopped.
 * CrashLoop: exited and waiting out its restart backoff. Failed: could not start, or exited for
 * good under its restart policy. Stopped also ends an instance that completed (exit 0, on-failure).
 */
export const instancePhases = ["Pending", "Starting", "Running", "Stopping", "Stopped", "CrashLoop", "Failed"] as const;
export type InstancePhase = (typeof instancePhases)[number];

export type Instance = {
  id: string;
  serviceId: string;
  serviceName: string;
  revision: number;
  phase: InstancePhase;
  ready: boolean;
  pid: number | null;
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
};

/** Sent once per second: what changed in every running instance's usage and latest probe results. */
export type UsageSample = { id: string; cpuPercent: number; memoryBytes: number; probes?: Partial<Record<ProbeType, ProbeResult>> };

export type ServiceHealth = "healthy" | "degraded" | "down" | "idle";

/**
 * healthy: every wanted replica is ready; degraded: some are; down: none while some are wanted;
 * idle: none wanted. A deployment that is still starting counts as degraded.
 */
export function serviceHealth(replicas: number, instances: Pick<Instance, "phase" | "ready">[]): ServiceHealth {
  const ready = instances.filter((i) => i.phase === "Running" && i.ready).length;
  if (replicas === 0) return ready === 0 ? "idle" : "degraded";
  if (ready === 0) return "down";
  return ready >= replicas ? "healthy" : "degraded";
}

export const instanceId = z.string().regex(/^[a-z][-a-z0-9]*$/, "not a valid instance id").max(80);
export const instanceListInput = z.object({ serviceId: z.string().uuid().optional() });
