import { autoscaleSettings, type AutoscaleSettings } from "@/server/contracts/autoscale";
import { numberOrNaN, type FormErrors } from "./form-values";

/** Autoscaling as typed into the form: an empty target is no target. Policies and tolerance are kept as stored (gantry.yaml sets them). */
export type AutoscaleDraft = {
  enabled: boolean;
  minReplicas: string;
  maxReplicas: string;
  requestsPerSecond: string;
  p95LatencyMs: string;
  cpuPercent: string;
  scaleUpWindowSeconds: string;
  scaleDownWindowSeconds: string;
};

const DEFAULTS = autoscaleSettings.parse({ maxReplicas: 5, targets: { cpuPercent: 80 } });
const text = (value: number | null) => (value === null ? "" : String(value));

export const autoscaleDraftOf = (stored: AutoscaleSettings | null = null): AutoscaleDraft => {
  const settings = stored ?? DEFAULTS;
  return {
    enabled: stored !== null,
    minReplicas: String(settings.minReplicas),
    maxReplicas: String(settings.maxReplicas),
    requestsPerSecond: text(settings.targets.requestsPerSecond),
    p95LatencyMs: text(settings.targets.p95LatencyMs),
    cpuPercent: text(settings.targets.cpuPercent),
    scaleUpWindowSeconds: String(settings.behavior.scaleUp.stabilizationWindowSeconds),
    scaleDownWindowSeconds: String(settings.behavior.scaleDown.stabilizationWindowSeconds),
  };
};

/** Where each contract path is typed in the form. */
const fieldOf: Record<string, keyof AutoscaleDraft> = {
  minReplicas: "minReplicas",
  maxReplicas: "maxReplicas",
  targets: "requestsPerSecond",
  "targets.requestsPerSecond": "requestsPerSecond",
  "targets.p95LatencyMs": "p95LatencyMs",
  "targets.cpuPercent": "cpuPercent",
  "behavior.scaleUp.stabilizationWindowSeconds": "scaleUpWindowSeconds",
  "behavior.scaleDown.stabilizationWindowSeconds": "scaleDownWindowSeconds",
};

/** Checked with the server's own contract; errors keyed `autoscale.<draft field>`. Off is null. */
export function toAutoscaleInput(draft: AutoscaleDraft, stored: AutoscaleSettings | null): { autoscale: AutoscaleSettings | null } | { errors: FormErrors } {
  if (!draft.enabled) return { autoscale: null };
  const target = (typed: string) => (typed.trim() === "" ? null : numberOrNaN(typed));
  const behavior = stored?.behavior ?? DEFAULTS.behavior;
  const parsed = autoscaleSettings.safeParse({
    minReplicas: numberOrNaN(draft.minReplicas),
    maxReplicas: numberOrNaN(draft.maxReplicas),
    targets: { requestsPerSecond: target(draft.requestsPerSecond), p95LatencyMs: target(draft.p95LatencyMs), cpuPercent: target(draft.cpuPercent) },
    tolerance: stored?.tolerance ?? DEFAULTS.tolerance,
    behavior: {
      scaleUp: { ...behavior.scaleUp, stabilizationWindowSeconds: numberOrNaN(draft.scaleUpWindowSeconds) },
      scaleDown: { ...behavior.scaleDown, stabilizationWindowSeconds: numberOrNaN(draft.scaleDownWindowSeconds) },
    },
  });
  if (parsed.success) return { autoscale: parsed.data };
  const errors: FormErrors = {};
  for (const issue of parsed.error.issues) {
    const field = fieldOf[issue.path.join(".")] ?? "maxReplicas";
    errors[`autoscale.${field}`] ??= !Number.isFinite(numberOrNaN(draft[field] as string)) && draft[field] !== "" ? "a number is required" : issue.message;
  }
  return { errors };
}
