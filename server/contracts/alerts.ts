import { z } from "zod";
import { serviceName } from "./service";

// Alerts: rules evaluated by Gantry itself (no Prometheus + Alertmanager to stand up), with
// Prometheus' states (pending while the condition has held less than `for`, then firing, then
// resolved), webhook receivers and silences.

/** A rule's name: a DNS-label-like word, so it reads well in a notification and a silence. */
export const alertRuleName = z
  .string()
  .trim()
  .min(1, "name is required")
  .max(63, "name must be at most 63 characters")
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "name may hold lowercase letters, digits and dashes, and must start and end with a letter or digit");

export const alertSeverities = ["critical", "warning"] as const;

const common = {
  name: alertRuleName,
  /** One service by name; omitted: every service. */
  service: serviceName.optional(),
  severity: z.enum(alertSeverities).default("warning"),
  /** How long the condition must hold before the alert fires (Prometheus' `for`); 0 fires at once. */
  forSeconds: z.number().int("forSeconds must be whole seconds").min(0).max(86_400).default(0),
  enabled: z.boolean().default(true),
};

/** Over how many of the last seconds traffic is summed (the 15 minutes of per-second points). */
const windowSeconds = z.number().int("windowSeconds must be whole seconds").min(1).max(900).default(60);

/**
 * One schema per kind: adding a kind is one entry here and one condition in
 * server/services/alerts/conditions.ts (the compiler lists the conditions every kind needs).
 */
export const alertRuleKinds = {
  /** No instance ready while some are wanted. */
  "service-down": z.object({ kind: z.literal("service-down"), ...common }),
  /** Fewer ready than wanted (but some). */
  "service-degraded": z.object({ kind: z.literal("service-degraded"), ...common }),
  /** The 5xx share of the service's requests over the window. */
  "error-rate": z.object({ kind: z.literal("error-rate"), ...common, thresholdPercent: z.number().min(0).max(100), windowSeconds }),
  /** The 95th percentile of the service's request latency over the window. */
  "latency-p95": z.object({ kind: z.literal("latency-p95"), ...common, thresholdMs: z.number().positive().max(3_600_000), windowSeconds }),
  /** More crash restarts of the service's instances than `count` within the window. */
  restarts: z.object({ kind: z.literal("restarts"), ...common, count: z.number().int().min(0).max(10_000), windowMinutes: z.number().int().min(1).max(1440).default(10) }),
  /** A check of an external service's endpoint (a Consul TTL or HTTP check) is critical. */
  "check-critical": z.object({ kind: z.literal("check-critical"), ...common }),
  /** An autoscaled service runs at its max replicas (kube-state-metrics' KubeHpaMaxedOut): it can't grow further. */
  "autoscaler-at-max": z.object({ kind: z.literal("autoscaler-at-max"), ...common }),
} as const;

export type AlertRuleKind = keyof typeof alertRuleKinds;

const kindSchemas = Object.values(alertRuleKinds) as unknown as [
  (typeof alertRuleKinds)[AlertRuleKind],
  ...Array<(typeof alertRuleKinds)[AlertRuleKind]>,
];
export const alertRuleSpec = z.discriminatedUnion("kind", kindSchemas);
export type AlertRuleSpec = z.output<typeof alertRuleSpec>;
export type AlertRuleInput = z.input<typeof alertRuleSpec>;
export type AlertRuleOf<K extends AlertRuleKind> = Extract<AlertRuleSpec, { kind: K }>;

export type AlertRule = AlertRuleSpec & { id: string };

export const alertStates = ["pending", "firing", "resolved"] as const;
export type AlertState = (typeof alertStates)[number];

export type Alert = {
  /** `<rule id>/<subject>`. */
  id: string;
  ruleId: string;
  ruleName: string;
  severity: (typeof alertSeverities)[number];
  serviceId: string | null;
  serviceName: string | null;
  /** What it is about: the service, or an endpoint's check. */
  subject: string;
  state: AlertState;
  summary: string;
  value: number | null;
  activeAt: string;
  firedAt: string | null;
  resolvedAt: string | null;
  /** The silence muting it now, if any. */
  silence: { id: string; reason: string; endsAt: string } | null;
};

/** A receiver's URL: http or https only (no file:, no javascript:), at most 2 KiB. */
export const receiverUrl = z
  .string()
  .trim()
  .max(2048, "url must be at most 2048 characters")
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "url must be an http:// or https:// URL");

export const receiverKinds = ["webhook", "slack"] as const;
export type ReceiverKind = (typeof receiverKinds)[number];

export const receiverInput = z.object({
  name: alertRuleName,
  /** `webhook`: a generic JSON body; `slack`: a Slack incoming webhook's `{ text }` (its URL is kept secret). */
  kind: z.enum(receiverKinds),
  url: receiverUrl,
  enabled: z.boolean().default(true),
});
export type ReceiverInput = z.input<typeof receiverInput>;

export type Receiver = {
  id: string;
  name: string;
  kind: ReceiverKind;
  /** A Slack URL is a credential: only its origin is shown. */
  url: string;
  enabled: boolean;
  /** Notifications still waiting for it, and why the last attempt failed. */
  pending: number;
  lastError: string | null;
};

export const silenceInput = z
  .object({
    ruleName: alertRuleName.optional(),
    serviceName: serviceName.optional(),
    /** How long from now. */
    minutes: z.number().int().min(1, "a silence lasts at least a minute").max(30 * 24 * 60, "a silence lasts at most 30 days"),
    reason: z.string().trim().min(1, "say why (reason)").max(500),
  })
  .refine((input) => input.ruleName !== undefined || input.serviceName !== undefined, { message: "a silence names a rule, a service or both", path: ["ruleName"] });
export type SilenceInput = z.input<typeof silenceInput>;

export type Silence = { id: string; ruleName: string | null; serviceName: string | null; reason: string; endsAt: string; createdBy: string; createdAt: string };

export const ruleIdInput = z.object({ id: z.string().uuid() });
export const ruleUpdateInput = z.object({ id: z.string().uuid(), spec: alertRuleSpec });

/** What a receiver is told: the alert at one transition, and the key that makes repeats recognisable. */
export type AlertNotice = {
  idempotencyKey: string;
  status: "firing" | "resolved";
  alert: Pick<Alert, "id" | "ruleName" | "severity" | "serviceName" | "subject" | "summary" | "value" | "activeAt" | "firedAt" | "resolvedAt">;
};
