import type { AlertNotice, ReceiverKind } from "../../contracts/alerts";

/**
 * The generic webhook body: Alertmanager's webhook fields where they mean the same (status,
 * labels, annotations, startsAt, endsAt), plus the idempotency key receivers use to drop repeats.
 */
function webhookBody(notice: AlertNotice) {
  const { alert } = notice;
  return {
    version: "1",
    idempotencyKey: notice.idempotencyKey,
    status: notice.status,
    alert: {
      id: alert.id,
      labels: { alertname: alert.ruleName, severity: alert.severity, ...(alert.serviceName ? { service: alert.serviceName } : {}), subject: alert.subject },
      annotations: { summary: alert.summary },
      value: alert.value,
      startsAt: alert.firedAt ?? alert.activeAt,
      endsAt: alert.resolvedAt,
    },
  };
}

/** A Slack incoming webhook's message: `text` is all it needs (Mattermost and others take the same). */
function slackBody(notice: AlertNotice) {
  const { alert } = notice;
  const mark = notice.status === "resolved" ? "✅ RESOLVED" : alert.severity === "critical" ? "🔴 FIRING" : "🟠 FIRING";
  return { text: `${mark} [${alert.severity}] ${alert.ruleName}${alert.serviceName ? ` on ${alert.serviceName}` : ""}: ${alert.summary}` };
}

export const payloads: Record<ReceiverKind, (notice: AlertNotice) => object> = { webhook: webhookBody, slack: slackBody };
