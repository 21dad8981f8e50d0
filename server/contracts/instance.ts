import { z } from "zod";

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
};

export type UsageSample = { id: string; cpuPercent: number; memoryBytes: number };

export const instanceId = z.string().regex(/^[a-z][-a-z0-9]*$/, "not a valid instance id").max(80);
export const instanceListInput = z.object({ serviceId: z.string().uuid().optional() });
