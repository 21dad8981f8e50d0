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
  if (template.secretEnv.length > 0 && !template.command) {
    issues.push({
      path: "template.command",
      message: "a swarm service's secrets reach its program through a /bin/sh wrapper around its command (Swarm hands secrets over as files): give it a command, as the image's own entrypoint can't be wrapped",
    });
  }
  for (const [type, probe] of Object.entries(template.probes)) {
    if (probe?.kind === "exec") issues.push({ path: `template.probes.${type}`, message: `the ${type} probe is an exec probe, which Gantry cannot run inside a swarm task; use http or tcp` });
  }
  return issues;
}

/**
 * How long after a task runs Gantry is expected to have seen it and probed it ready. 2 s was too
 * little on a loaded 2-core machine (Docker's API slow to list tasks): the next batch stopped the
 * last old task before Gantry had put the new one in rotation, and requests got 503s.
 */
const READY_LAG_SECONDS = 5;

/** Swarm's update config for a swarm service's strategy (times in seconds). */
export function swarmUpdatePolicy(strategy: RolloutStrategy) {
  return {
    parallelism: strategy.maxUnavailable,
    // A task's new version takes its slot's port: the old one stops first.
    order: "stop-first" as const,
    // Swarm moves on once a new task runs, not once Gantry's probes call it ready: the pause gives
    // them time (and is minReadySeconds, Gantry's wait before an instance counts).
    delaySeconds: strategy.minReadySeconds + READY_LAG_SECONDS,
    monitorSeconds: strategy.minReadySeconds,
    failureAction: strategy.autoRollback ? ("rollback" as const) : ("pause" as const),
  };
}

/** What Swarm will do to roll a swarm service to a new revision, in words (the plan preview's). */
export function describeSwarmUpdate(strategy: RolloutStrategy, replicas: number): string {
  const policy = swarmUpdatePolicy(strategy);
  const batch = policy.parallelism === 1 ? "one task at a time" : `${policy.parallelism} tasks at a time`;
  const watch = policy.monitorSeconds > 0 ? `watches each new task for ${policy.monitorSeconds} s (monitor)` : "counts a new task as updated once it runs";
  const failure = policy.failureAction === "rollback" ? "rolls the whole update back to the previous spec" : "pauses the update where it is";
  return `Swarm replaces the ${replicas} task(s) ${batch}, stop-first (each old task stops before its new one starts on the slot's port), ${policy.delaySeconds} s between batches; it ${watch}, and if a new task fails it ${failure}.`;
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
  /** Gantry reads its tasks' usage: the manager's own node, or one labelled gantry.docker-host=<its daemon>. */
  sampled: boolean;
  instances: Array<{ id: string; serviceName: string; ready: boolean }>;
};

/** The swarm Gantry is connected to, or why there is none. */
export type SwarmNodes = { connected: true; manager: string; nodes: SwarmNode[] } | { connected: false; reason: string };
