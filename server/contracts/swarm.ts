import { z } from "zod";
import { rolloutStrategy, type RolloutStrategy } from "./rollout";
import type { InstanceTemplate } from "./service";

/** A swarm service's tasks take ports block × 100 + slot, so a service has at most 99 slots. */
export const SWARM_MAX_REPLICAS = 99;

/** What a swarm service rolls with when none is given: one task at a time, stop-first. */
export const swarmDefaultStrategy: RolloutStrategy = rolloutStrategy.parse({ maxSurge: 0, maxUnavailable: 1 });

/**
 * What Gantry can't ask of Swarm, each with the field to change. A task's new version takes its
 * slot's port, so it can only start once the old one has stopped: updates are stop-first, which is
 * Gantry's maxUnavailable with no surge.
 */
export function swarmIssues(service: { replicas: number; template: InstanceTemplate; strategy: RolloutStrategy }): Array<{ path: string; message: string }> {
  const { template, strategy } = service;
  if (template.runtime !== "swarm") return [];
  const issues: Array<{ path: string; message: string }> = [];
  if (service.replicas > SWARM_MAX_REPLICAS) issues.push({ path: "replicas", message: `a swarm service runs at most ${SWARM_MAX_REPLICAS} tasks (each takes its slot's port)` });
  if (strategy.maxSurge > 0 || strategy.maxUnavailable < 1) {
    issues.push({
      path: "strategy.maxSurge",
      message: "a swarm service updates stop-first (a task's new version takes its slot's port once the old one stopped): set max surge to 0 and max unavailable to 1 or more",
    });
  }
  if (template.network !== "host") issues.push({ path: "template.network", message: "a swarm task runs on its node's host network; network `published` is for docker services" });
  for (const [type, probe] of Object.entries(template.probes)) {
    if (probe?.kind === "exec") issues.push({ path: `template.probes.${type}`, message: `the ${type} probe is an exec probe, which Gantry cannot run inside a swarm task; use http or tcp` });
  }
  return issues;
}

export const nodeAvailabilities = ["active", "drain"] as const;
export const nodeAvailabilityInput = z.object({
  id: z.string().regex(/^[a-z0-9]{10,64}$/, "not a swarm node id"),
  availability: z.enum(nodeAvailabilities),
});

/** A swarm node as the Nodes page shows it: what it is, what it holds, and Gantry's instances on it. */
export type SwarmNode = {
  id: string;
  hostname: string;
  address: string;
  role: "manager" | "worker";
  leader: boolean;
  /** Swarm's own word: active, pause or drain. */
  availability: string;
  /** Swarm's own word: ready, down, disconnected, unknown. */
  state: string;
  cpus: number;
  memoryBytes: number;
  /** What tasks on it reserve (Swarm's reservations), and what Gantry's instances on it use (null: not sampled). */
  reservedCpus: number;
  reservedMemoryBytes: number;
  usedCpuPercent: number | null;
  usedMemoryBytes: number | null;
  instances: Array<{ id: string; serviceName: string; ready: boolean }>;
};

/** The swarm Gantry is connected to, or why there is none. */
export type SwarmNodes = { connected: true; manager: string; nodes: SwarmNode[] } | { connected: false; reason: string };
