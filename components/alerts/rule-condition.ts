import type { AlertRuleSpec } from "@/server/contracts/alerts";

/** A rule's condition in words: "error % > 5 over 60 s". */
export function ruleCondition(rule: AlertRuleSpec): string {
  switch (rule.kind) {
    case "service-down":
      return "no instance ready";
    case "service-degraded":
      return "fewer ready than wanted";
    case "error-rate":
      return `5xx > ${rule.thresholdPercent} % over ${rule.windowSeconds} s`;
    case "latency-p95":
      return `p95 > ${rule.thresholdMs} ms over ${rule.windowSeconds} s`;
    case "restarts":
      return `> ${rule.count} crash restarts in ${rule.windowMinutes} min`;
    case "check-critical":
      return "an endpoint's check is critical";
    case "autoscaler-at-max":
      return "autoscaled to its max replicas";
  }
}
