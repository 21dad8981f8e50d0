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
