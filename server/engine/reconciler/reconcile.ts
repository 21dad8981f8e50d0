import type { DesiredService } from "../types";

/**
 * How the reconciler sees an instance. `done` instances ended for good under their restart policy
 * (failed with `never`), `completed` ones exited cleanly and won't run again (`on-failure` or
 * `never`): both keep their slot, so they are not replaced behind the user's back. `stopping`
 * ones are on their way out and no longer count.
 */
export type InstanceState = "starting" | "ready" | "unready" | "backoff" | "done" | "completed" | "stopping";

export type ActualInstance = {
  id: string;
  revision: number;
  state: InstanceState;
  /** Creation order; higher is newer. */
  seq: number;
  /** Clock ms since which a ready instance has been ready; unknown counts as long enough. */
  readySince?: number | null;
};

export type StopReason = "scale-down" | "replaced" | "service-deleted";

export type Step =
  | { kind: "start"; revision: number }
  | { kind: "stop"; instanceId: string; reason: StopReason }
  /** Every instance of a deleted service is gone: the service itself can go. */
  | { kind: "finalize" };

export type Plan = Step[];

/** Least useful first: an instance that serves nothing goes before one that does; newer before older. */
const stopPriority: Record<InstanceState, number> = { done: 0, completed: 0, backoff: 1, starting: 2, unready: 3, ready: 4, stopping: 5 };

/**
 * Fills its slot for a rollout: serving for at least `minReadyMs` (Kubernetes' "available"), or
 * (a run-to-completion service) finished its work.
 */
export const isSettled = (i: ActualInstance, revision: number, now = Number.POSITIVE_INFINITY, minReadyMs = 0) =>
  (i.state === "ready" && (i.readySince == null || now - i.readySince >= minReadyMs)) || (i.state === "completed" && i.revision === revision);
const byStopPriority = (a: ActualInstance, b: ActualInstance) => stopPriority[a.state] - stopPriority[b.state] || b.seq - a.seq;

const stop = (instances: ActualInstance[], reason: StopReason): Step[] => instances.map((i) => ({ kind: "stop", instanceId: i.id, reason }));
const start = (count: number, revision: number): Step[] => Array.from({ length: Math.max(0, count) }, () => ({ kind: "start", revision }));

/**
 * Pure: the steps that move `actual` toward `desired`. Called again after every change, so each
 * call only takes the next safe steps. Instances of an older revision are replaced by a rolling
 * update: at most `maxSurge` extra instances, and never fewer than `replicas - maxUnavailable`
 * ready ones because of it (a new one counts once ready for minReadySeconds, as of `now`;
 * omitted, every ready instance counts). A paused or failed rollout holds the mix as it is.
 */
export function reconcile(desired: DesiredService | undefined, actual: ActualInstance[], now = Number.POSITIVE_INFINITY): Plan {
  const live = actual.filter((i) => i.state !== "stopping");
  if (!desired || desired.deleting) {
    const steps = stop(live, "service-deleted");
    return desired && actual.length === 0 ? [{ kind: "finalize" }] : steps;
  }

  const replicas = desired.replicas;
  const current = live.filter((i) => i.revision === desired.revision);
  const outdated = live.filter((i) => i.revision !== desired.revision);

  if (outdated.length === 0) {
    if (current.length < replicas) return start(replicas - current.length, desired.revision);
    return stop([...current].sort(byStopPriority).slice(0, current.length - replicas), "scale-down");
  }

  if (desired.rollout && desired.rollout.status !== "progressing") return hold(desired, live);

  // Rolling update.
  const limits = desired.strategy;
  const steps: Step[] = [];
  const excessCurrent = [...current].sort(byStopPriority).slice(0, Math.max(0, current.length - replicas));
  steps.push(...stop(excessCurrent, "scale-down"));
  const currentKept = current.length - excessCurrent.length;
  const room = replicas + limits.maxSurge - (live.length - excessCurrent.length);
  steps.push(...start(Math.min(replicas - currentKept, room), desired.revision));

  // Outdated instances that serve nothing can go at once; ready ones only while enough stay ready.
  const [outdatedReady, outdatedIdle] = partition(outdated, (i) => i.state === "ready");
  steps.push(...stop(outdatedIdle, "replaced"));
  const ready = live.filter((i) => isSettled(i, desired.revision, now, limits.minReadySeconds * 1000) && !excessCurrent.includes(i)).length;
  const minReady = Math.max(0, replicas - limits.maxUnavailable);
  const removable = Math.min(outdatedReady.length, ready - minReady);
  steps.push(...stop([...outdatedReady].sort((a, b) => a.seq - b.seq).slice(0, Math.max(0, removable)), "replaced"));
  return steps;
}

/**
 * Replaces nothing more, keeping the mix of revisions a paused or failed rollout left (its surge
 * instance included); follows replicas. Scaling down stops what serves nothing first, then older
 * revisions, so a crash-looping new instance goes before a ready old one.
 */
function hold(desired: DesiredService, live: ActualInstance[]): Plan {
  if (live.length < desired.replicas) return start(desired.replicas - live.length, desired.revision);
  const cap = desired.replicas + desired.strategy.maxSurge;
  if (live.length <= cap) return [];
  const order = (a: ActualInstance, b: ActualInstance) => stopPriority[a.state] - stopPriority[b.state] || a.revision - b.revision || b.seq - a.seq;
  return stop([...live].sort(order).slice(0, live.length - cap), "scale-down");
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}
