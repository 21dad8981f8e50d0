import type { DesiredService, TrackedRollout } from "../types";
import { isSettled, type ActualInstance, type InstanceState } from "./reconcile";

export type RolloutMeasure = {
  /** Instances of the new revision ready (or, run to completion, completed) now, up to replicas. */
  updated: number;
  /** Instances of other revisions still serving (a draining one no longer counts, as in Kubernetes). */
  remaining: number;
  complete: boolean;
};

export function measureRollout(desired: DesiredService, actual: ActualInstance[], now = Number.POSITIVE_INFINITY): RolloutMeasure {
  const minReadyMs = desired.strategy.minReadySeconds * 1000;
  const ready = actual.filter((i) => i.revision === desired.revision && isSettled(i, desired.revision, now, minReadyMs)).length;
  const remaining = actual.filter((i) => i.revision !== desired.revision && i.state !== "stopping").length;
  return { updated: Math.min(ready, desired.replicas), remaining, complete: remaining === 0 && ready >= desired.replicas };
}

export type RolloutVerdict = { kind: "succeeded" } | { kind: "progressed" } | { kind: "stalled" } | { kind: "waiting"; until: number };

/**
 * Progress is a new high of updated instances or a new low of old ones left (Kubernetes counts
 * new ready replicas the same way); without any for the deadline, the rollout has stalled.
 * `since` is when the deadline's clock may start at the earliest (Gantry's own start).
 */
export function judgeRollout(rollout: TrackedRollout, measure: RolloutMeasure, now: number, deadlineMs: number, since = 0): RolloutVerdict {
  if (measure.complete) return { kind: "succeeded" };
  if (measure.updated > rollout.updated || rollout.remaining < 0 || measure.remaining < rollout.remaining) return { kind: "progressed" };
  const until = Math.max(rollout.progressAt, since) + deadlineMs;
  return now >= until ? { kind: "stalled" } : { kind: "waiting", until };
}

const stateWords: Partial<Record<InstanceState, string>> = { starting: "starting", unready: "not ready", backoff: "crash-looping", done: "exited for good" };

/** Why a rollout stalled, in the words on-call would use. */
export function describeStall(desired: DesiredService, actual: ActualInstance[], measure: RolloutMeasure): string {
  const counts = new Map<string, number>();
  for (const i of actual) {
    const word = i.revision === desired.revision ? stateWords[i.state] : undefined;
    if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const detail = [...counts].map(([word, n]) => `${n} ${word}`).join(", ");
  return `no progress for ${desired.strategy.progressDeadlineSeconds} s: revision ${desired.revision} has ${measure.updated} of ${desired.replicas} instance(s) ready` + (detail ? ` (${detail})` : "");
}

/** When the next new instance that is ready but not yet for minReadySeconds will count. */
export function nextAvailableAt(desired: DesiredService, actual: ActualInstance[], now: number): number | undefined {
  const minReadyMs = desired.strategy.minReadySeconds * 1000;
  const due = actual
    .filter((i) => i.revision === desired.revision && i.state === "ready" && i.readySince != null && now - i.readySince < minReadyMs)
    .map((i) => i.readySince! + minReadyMs);
  return due.length > 0 ? Math.min(...due) : undefined;
}
