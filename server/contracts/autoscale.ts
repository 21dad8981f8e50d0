import { z } from "zod";
import { serviceId } from "./service-id";

// Autoscaling with the Kubernetes HorizontalPodAutoscaler's semantics (autoscaling/v2): the same
// formula, tolerance, stabilization windows and rate policies, with the same defaults.

export const autoscaleMetrics = ["requestsPerSecond", "p95LatencyMs", "cpuPercent"] as const;
export type AutoscaleMetric = (typeof autoscaleMetrics)[number];

const target = (what: string, max: number) =>
  z.number().positive(`the ${what} target must be more than 0`).max(max, `the ${what} target must be at most ${max.toLocaleString("en")}`).nullable().default(null);

/** What one instance should carry: requests/s per ready instance, the service's p95, CPU % per ready instance. */
export const autoscaleTargets = z
  .object({
    requestsPerSecond: target("requests/s", 1_000_000),
    p95LatencyMs: target("p95 latency", 600_000),
    cpuPercent: target("CPU", 100_000),
  })
  .strict()
  .refine((t) => autoscaleMetrics.some((metric) => t[metric] !== null), { message: "name at least one target: requests/s, p95 latency or CPU %" });
export type AutoscaleTargets = z.infer<typeof autoscaleTargets>;

export const scalingPolicy = z
  .object({
    /** Pods: at most `value` instances per period; Percent: at most `value` % of those at the period's start. */
    type: z.enum(["Pods", "Percent"]),
    value: z.number().int("a policy's value is a whole number").min(1, "a policy's value must be at least 1").max(10_000, "a policy's value must be at most 10,000"),
    periodSeconds: z.number().min(1, "a policy's period must be at least 1 s").max(1800, "a policy's period must be at most 30 min"),
  })
  .strict();
export type ScalingPolicy = z.infer<typeof scalingPolicy>;

/** Max: the policy allowing the biggest change wins; Min: the smallest; Disabled: never in this direction. */
export const selectPolicies = ["Max", "Min", "Disabled"] as const;

const scalingRules = (defaults: { stabilizationWindowSeconds: number; policies: ScalingPolicy[] }) =>
  z
    .object({
      /** The most cautious recommendation of this long is used (highest going down, lowest going up). */
      stabilizationWindowSeconds: z.number().min(0, "a stabilization window is 0 s or more").max(3600, "a stabilization window is at most an hour").default(defaults.stabilizationWindowSeconds),
      selectPolicy: z.enum(selectPolicies).default("Max"),
      policies: z.array(scalingPolicy).min(1, "at least one policy").max(10, "at most 10 policies").default(defaults.policies),
    })
    .strict();
export type ScalingRules = z.infer<ReturnType<typeof scalingRules>>;

/** Kubernetes' defaults: up at once (double, or +4, per 15 s), down only after 5 minutes of lower recommendations. */
const scaleUpDefaults = { stabilizationWindowSeconds: 0, policies: [{ type: "Percent" as const, value: 100, periodSeconds: 15 }, { type: "Pods" as const, value: 4, periodSeconds: 15 }] };
const scaleDownDefaults = { stabilizationWindowSeconds: 300, policies: [{ type: "Percent" as const, value: 100, periodSeconds: 15 }] };

const replicaBound = (which: string) => z.number().int(`${which} replicas must be a whole number`).min(1, `${which} replicas must be at least 1`).max(100, `${which} replicas must be at most 100`);

export const autoscaleSettings = z
  .object({
    minReplicas: replicaBound("min").default(1),
    maxReplicas: replicaBound("max"),
    targets: autoscaleTargets,
    /** A metric within this fraction of its target leaves the count alone (Kubernetes: 0.1). */
    tolerance: z.number().min(0, "tolerance is 0 or more").max(1, "tolerance is at most 1").default(0.1),
    behavior: z
      .object({ scaleUp: scalingRules(scaleUpDefaults).default(scalingRules(scaleUpDefaults).parse({})), scaleDown: scalingRules(scaleDownDefaults).default(scalingRules(scaleDownDefaults).parse({})) })
      .strict()
      .default({ scaleUp: scalingRules(scaleUpDefaults).parse({}), scaleDown: scalingRules(scaleDownDefaults).parse({}) }),
  })
  .strict()
  .refine((s) => s.minReplicas <= s.maxReplicas, { message: "min replicas can't be more than max replicas", path: ["minReplicas"] });
export type AutoscaleSettings = z.infer<typeof autoscaleSettings>;
export type AutoscaleSettingsInput = z.input<typeof autoscaleSettings>;

export const autoscaleTarget = z.object({ serviceId });

/** One sync of a service's autoscaler: what it saw and what it wanted (the chart's points). */
export type AutoscaleSample = {
  at: number;
  /** Replicas wanted after this sync. */
  wanted: number;
  ready: number;
  /** Each metric's value as compared with its target (requests/s and CPU per ready instance). */
  metrics: Partial<Record<AutoscaleMetric, number>>;
};

/** What the Autoscaling panel shows of a service. */
export type AutoscaleStatus = {
  settings: AutoscaleSettings | null;
  /** Paused by hand (a scale button); null while it runs. */
  pausedAt: string | null;
  /** The newest syncs, oldest first (up to 15 minutes). */
  samples: AutoscaleSample[];
  /** Why the last sync kept or changed the count, in words. */
  lastDecision: string | null;
};
