import { activeStatuses, type Rollout } from "@/server/contracts/rollout";

/** Still moving instances, or paused on the way. */
export const isActive = (rollout: Pick<Rollout, "status">) => activeStatuses.includes(rollout.status);

/** Failed, and still holding the service on its revision: nothing more is replaced until someone acts. */
export const isStuck = (rollout: Pick<Rollout, "status" | "toRevision">, revision: number) => rollout.status === "failed" && rollout.toRevision === revision;

/**
 * How far a rollout has come, 0–1: each wanted instance counts twice, once when its new
 * replacement is ready and once when an old one has gone. Old ones not yet counted count as all.
 */
export function rolloutFraction(rollout: Pick<Rollout, "replicas" | "updated" | "remaining" | "status" | "cluster">): number {
  if (rollout.status === "succeeded") return 1;
  // A swarm service's update is Swarm's: its tasks on the new spec, as Swarm counts them.
  if (rollout.cluster && rollout.replicas > 0) return Math.min(1, rollout.cluster.updatedTasks / rollout.replicas);
  if (rollout.replicas === 0) return rollout.remaining === 0 ? 1 : 0;
  const gone = Math.max(0, rollout.replicas - (rollout.remaining < 0 ? rollout.replicas : rollout.remaining));
  return Math.min(1, (rollout.updated + gone) / (2 * rollout.replicas));
}

const causes: Record<Rollout["cause"], string> = { update: "", rollback: " (rollback)", "auto-rollback": " (automatic rollback)", abort: " (after abort)" };

/** One line saying where a rollout stands. */
export function describeRollout(rollout: Rollout): string {
  const target = `revision ${rollout.toRevision}${causes[rollout.cause]}`;
  const counts = rollout.cluster
    ? `Swarm ${rollout.cluster.state.replace("_", " ")}${rollout.cluster.message ? ` (${rollout.cluster.message})` : ""}, ${rollout.cluster.updatedTasks}/${rollout.replicas} tasks updated`
    : `${rollout.updated}/${rollout.replicas} updated` + (rollout.remaining > 0 ? `, ${rollout.remaining} old left` : "");
  switch (rollout.status) {
    case "progressing":
      return `Rolling to ${target}: ${counts}`;
    case "paused":
      return `Paused on the way to ${target}: ${counts}`;
    case "succeeded":
      return `Rolled out ${target}`;
    case "failed":
      return `Rollout to ${target} failed: ${rollout.message ?? "no progress"}`;
    case "aborted":
      return `Rollout to ${target} aborted`;
    case "superseded":
      return `Rollout to ${target} superseded by a newer change`;
  }
}
