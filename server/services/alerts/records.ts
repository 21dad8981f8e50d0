import { alertRuleSpec, type Alert, type AlertNotice, type AlertRule, type Receiver, type Silence } from "../../contracts/alerts";
import type * as Rows from "../../store/generated/client";
import { silenceFor } from "./silences";

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** A stored rule; a spec that no longer parses throws (callers skip it and say so). */
export const toRule = (row: Rows.AlertRule): AlertRule => ({ ...alertRuleSpec.parse(row.spec), id: row.id });

export const toSilence = (row: Rows.AlertSilence): Silence => ({
  id: row.id,
  ruleName: row.ruleName,
  serviceName: row.serviceName,
  reason: row.reason,
  endsAt: row.endsAt.toISOString(),
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
});

export function toAlert(row: Rows.Alert, silences: readonly Silence[], now: number): Alert {
  const silence = row.state === "resolved" ? undefined : silenceFor(row, silences, now);
  return {
    id: row.id,
    ruleId: row.ruleId,
    ruleName: row.ruleName,
    severity: row.severity === "critical" ? "critical" : "warning",
    serviceId: row.serviceId,
    serviceName: row.serviceName,
    subject: row.subject,
    state: row.state as Alert["state"],
    summary: row.summary,
    value: row.value,
    activeAt: row.activeAt.toISOString(),
    firedAt: iso(row.firedAt),
    resolvedAt: iso(row.resolvedAt),
    silence: silence ? { id: silence.id, reason: silence.reason, endsAt: silence.endsAt } : null,
  };
}

/** The notice of an alert's transition; its key names the alert, the state and when it entered it. */
export function noticeOf(row: Rows.Alert, status: "firing" | "resolved"): AlertNotice {
  const at = status === "firing" ? row.firedAt : row.resolvedAt;
  const alert = toAlert(row, [], 0);
  return {
    idempotencyKey: `${row.id}:${status}:${at!.toISOString()}`,
    status,
    alert: {
      id: alert.id,
      ruleName: alert.ruleName,
      severity: alert.severity,
      serviceName: alert.serviceName,
      subject: alert.subject,
      summary: alert.summary,
      value: alert.value,
      activeAt: alert.activeAt,
      firedAt: alert.firedAt,
      resolvedAt: alert.resolvedAt,
    },
  };
}

/** A receiver as the API shows it: a Slack URL (the credential) shown as its origin only. */
export function toReceiver(row: Rows.AlertReceiver, url: string, queue: { pending: number; lastError: string | null }): Receiver {
  return { id: row.id, name: row.name, kind: row.kind === "slack" ? "slack" : "webhook", url: row.kind === "slack" ? `${new URL(url).origin}/…` : url, enabled: row.enabled, ...queue };
}
