import type { AutoscaleMetric, AutoscaleSettings, ScalingRules } from "../../contracts/autoscale";

// The HorizontalPodAutoscaler's decision (kube-controller-manager's podautoscaler/horizontal.go),
// as pure functions over what one service's autoscaler remembers. No I/O and no clock: the caller
// says what time it is, and records a scale only once it was carried out.

/**
 * What a service's autoscaler remembers between syncs. Invariants: `recommendations` holds only
 * entries younger than the longer stabilization window; `scaleUps`/`scaleDowns` only changes
 * younger than the longest policy period of their direction.
 */
export type AutoscalerMemory = {
  /** Every sync's recommendation before stabilization. */
  recommendations: Array<{ at: number; replicas: number }>;
  /** Replicas added (scaleUps) or removed (scaleDowns) by each scale, for the rate policies. */
  scaleUps: Array<{ at: number; change: number }>;
  scaleDowns: Array<{ at: number; change: number }>;
};

export const emptyMemory = (): AutoscalerMemory => ({ recommendations: [], scaleUps: [], scaleDowns: [] });

/**
 * Memory for an autoscaler that just (re)started: as if `replicas` had been recommended now, so a
 * restart of Gantry waits out the scale-down window instead of shrinking at once.
 */
export const memoryAfterRestart = (now: number, replicas: number): AutoscalerMemory => ({ ...emptyMemory(), recommendations: [{ at: now, replicas }] });

export type SyncInput = {
  now: number;
  /** Replicas wanted now (the service's spec). */
  current: number;
  /** Instances ready now. */
  ready: number;
  /** Each metric's current value, compared with its target; absent when there is no reading. */
  metrics: Partial<Record<AutoscaleMetric, number>>;
};

/** One metric's opinion: `replicas` = ceil(ready × value / target), or `current` within the tolerance. */
export type Proposal = { metric: AutoscaleMetric; value: number; target: number; replicas: number };

/** What bounded the count, when something did: the window, a rate policy, or min/max. */
export type Limit = "stabilization" | "rate" | "min" | "max";

export type Decision = {
  current: number;
  ready: number;
  proposals: Proposal[];
  /** The largest proposal (the metric that wants the most wins); null when no metric could be read. */
  recommended: number | null;
  desired: number;
  limitedBy: Limit | null;
};

/** HPA: within the tolerance of the target, keep the count; else ceil(ready × ratio). */
export function propose(metric: AutoscaleMetric, value: number, target: number, input: Pick<SyncInput, "current" | "ready">, tolerance: number): Proposal {
  const ratio = value / target;
  // A hair of slack: 400 req/s over 3 at 80 each is 5 instances, not the 6 that 5.000000000000001 rounds up to.
  const replicas = Math.abs(ratio - 1) <= tolerance ? input.current : Math.max(0, Math.ceil(input.ready * ratio - 1e-9));
  return { metric, value, target, replicas };
}

/**
 * One sync: the wanted count and the memory to keep. A count outside [min, max] is brought inside
 * first, without metrics (as the HPA does); otherwise the metrics' largest proposal is stabilized
 * and then held to the rate policies and to [min, max]. With no ready instance, per-instance
 * metrics can't be read and the count stays.
 */
export function sync(settings: AutoscaleSettings, memory: AutoscalerMemory, input: SyncInput): { decision: Decision; memory: AutoscalerMemory } {
  const { current, ready } = input;
  const base = { current, ready, proposals: [] as Proposal[], recommended: null };
  if (current > settings.maxReplicas) return { decision: { ...base, desired: settings.maxReplicas, limitedBy: "max" }, memory };
  if (current < settings.minReplicas) return { decision: { ...base, desired: settings.minReplicas, limitedBy: "min" }, memory };

  const proposals = ready === 0 ? [] : readings(settings, input).map(([metric, value, target]) => propose(metric, value, target, input, settings.tolerance));
  if (proposals.length === 0) return { decision: { ...base, desired: current, limitedBy: null }, memory };
  const recommended = Math.max(...proposals.map((p) => p.replicas));

  const { scaleUp, scaleDown } = settings.behavior;
  const stabilized = stabilize(memory.recommendations, recommended, current, input.now, scaleUp.stabilizationWindowSeconds, scaleDown.stabilizationWindowSeconds);
  const next = forget({ ...memory, recommendations: [...memory.recommendations, { at: input.now, replicas: recommended }] }, settings, input.now);
  const limited = limitRate(stabilized, current, settings, next, input.now);
  const limitedBy: Limit | null = limited.limitedBy ?? (stabilized !== recommended ? "stabilization" : null);
  return { decision: { current, ready, proposals, recommended, desired: limited.desired, limitedBy }, memory: next };
}

/** Remembers a scale that was carried out, for the rate policies of the next syncs. */
export function recordScale(memory: AutoscalerMemory, at: number, from: number, to: number): AutoscalerMemory {
  if (to > from) return { ...memory, scaleUps: [...memory.scaleUps, { at, change: to - from }] };
  if (to < from) return { ...memory, scaleDowns: [...memory.scaleDowns, { at, change: from - to }] };
  return memory;
}

const limitWords: Record<Limit, string> = {
  stabilization: "held by the stabilization window",
  rate: "held by the rate policy",
  min: "held at min replicas",
  max: "held at max replicas",
};

/** The metric that wanted the most (the first of equals). */
export const leadProposal = (decision: Decision): Proposal | undefined =>
  decision.proposals.reduce<Proposal | undefined>((best, p) => (!best || p.replicas > best.replicas ? p : best), undefined);

/** The decision in words, led by the metric that wanted the most: "3 → 5: 412 req/s over 3 instances, target 80". */
export function explain(decision: Decision): string {
  const head = `${decision.current} → ${decision.desired}`;
  const lead = leadProposal(decision);
  const over = `over ${decision.ready} instance${decision.ready === 1 ? "" : "s"}`;
  const reading = !lead
    ? decision.limitedBy === "min" || decision.limitedBy === "max"
      ? "outside min/max"
      : "no metrics to read"
    : lead.metric === "requestsPerSecond"
      ? `${round(lead.value * decision.ready)} req/s ${over}, target ${round(lead.target)}`
      : lead.metric === "cpuPercent"
        ? `CPU ${round(lead.value)} % per instance ${over}, target ${round(lead.target)} %`
        : `p95 ${round(lead.value)} ms ${over}, target ${round(lead.target)} ms`;
  const limit = decision.limitedBy && lead ? ` (${limitWords[decision.limitedBy]})` : "";
  return `${head}: ${reading}${limit}`;
}

const round = (n: number) => (n >= 10 ? Math.round(n) : Math.round(n * 10) / 10);

function readings(settings: AutoscaleSettings, input: SyncInput): Array<[AutoscaleMetric, number, number]> {
  return (Object.keys(settings.targets) as AutoscaleMetric[]).flatMap((metric) => {
    const target = settings.targets[metric];
    const value = input.metrics[metric];
    return target !== null && value !== undefined && Number.isFinite(value) ? [[metric, value, target] as [AutoscaleMetric, number, number]] : [];
  });
}

/**
 * Kubernetes' stabilizeRecommendationWithBehaviors: going up, no higher than the lowest
 * recommendation of the scale-up window; going down, no lower than the highest of the scale-down
 * window (the current recommendation counts in both).
 */
function stabilize(history: AutoscalerMemory["recommendations"], recommended: number, current: number, now: number, upWindowSeconds: number, downWindowSeconds: number): number {
  let upLimit = recommended;
  let downLimit = recommended;
  for (const { at, replicas } of history) {
    if (at > now - upWindowSeconds * 1000) upLimit = Math.min(upLimit, replicas);
    if (at > now - downWindowSeconds * 1000) downLimit = Math.max(downLimit, replicas);
  }
  return Math.min(Math.max(current, upLimit), downLimit);
}

/** Kubernetes' convertDesiredReplicasWithBehaviorRate: the policies bound the change, then min/max. */
function limitRate(desired: number, current: number, settings: AutoscaleSettings, memory: AutoscalerMemory, now: number): { desired: number; limitedBy: Limit | null } {
  if (desired > current) {
    const rateLimit = Math.max(current, scaleUpLimit(current, memory, settings.behavior.scaleUp, now));
    const bound = Math.min(settings.maxReplicas, rateLimit);
    return desired > bound ? { desired: bound, limitedBy: bound === settings.maxReplicas && settings.maxReplicas <= rateLimit ? "max" : "rate" } : { desired, limitedBy: null };
  }
  if (desired < current) {
    const rateLimit = Math.min(current, scaleDownLimit(current, memory, settings.behavior.scaleDown, now));
    const bound = Math.max(settings.minReplicas, rateLimit);
    return desired < bound ? { desired: bound, limitedBy: bound === settings.minReplicas && settings.minReplicas >= rateLimit ? "min" : "rate" } : { desired, limitedBy: null };
  }
  return { desired, limitedBy: null };
}

/** Replicas changed in a direction within the last `periodSeconds`. */
const changedWithin = (changes: Array<{ at: number; change: number }>, periodSeconds: number, now: number) =>
  changes.reduce((sum, c) => (c.at > now - periodSeconds * 1000 ? sum + c.change : sum), 0);

/** The count each policy would allow, measured from the count at the start of its period; Max takes the most. */
function scaleUpLimit(current: number, memory: AutoscalerMemory, rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const proposals = rules.policies.map((policy) => {
    const start = current - changedWithin(memory.scaleUps, policy.periodSeconds, now) + changedWithin(memory.scaleDowns, policy.periodSeconds, now);
    // Rounded up: a percentage of a small count would otherwise never add an instance.
    return policy.type === "Pods" ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
  });
  return rules.selectPolicy === "Min" ? Math.min(...proposals) : Math.max(...proposals);
}

function scaleDownLimit(current: number, memory: AutoscalerMemory, rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const proposals = rules.policies.map((policy) => {
    const start = current - changedWithin(memory.scaleUps, policy.periodSeconds, now) + changedWithin(memory.scaleDowns, policy.periodSeconds, now);
    return policy.type === "Pods" ? start - policy.value : Math.floor(start * (1 - policy.value / 100));
  });
  // Going down, the biggest change is the lowest count.
  return rules.selectPolicy === "Min" ? Math.max(...proposals) : Math.min(...proposals);
}

/** Drops what no window or period can reach any more (the memory's invariant). */
function forget(memory: AutoscalerMemory, settings: AutoscaleSettings, now: number): AutoscalerMemory {
  const { scaleUp, scaleDown } = settings.behavior;
  const windowMs = Math.max(scaleUp.stabilizationWindowSeconds, scaleDown.stabilizationWindowSeconds) * 1000;
  const period = (rules: ScalingRules) => Math.max(...rules.policies.map((p) => p.periodSeconds)) * 1000;
  return {
    recommendations: memory.recommendations.filter((r) => r.at > now - windowMs || r.at === now),
    scaleUps: memory.scaleUps.filter((c) => c.at > now - period(scaleUp)),
    scaleDowns: memory.scaleDowns.filter((c) => c.at > now - period(scaleDown)),
  };
}
