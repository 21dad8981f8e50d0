import type { AlertRuleKind, AlertRuleOf, AlertRuleSpec } from "../../contracts/alerts";
import type { CheckStatus } from "../../contracts/catalog";
import type { ServiceHealth } from "../../contracts/instance";
import type { TrafficTotals } from "./traffic-windows";

/** What rules look at, gathered once per evaluation. */
export type AlertSignals = {
  services: Array<{
    id: string;
    name: string;
    external: boolean;
    health: ServiceHealth;
    ready: number;
    wanted: number;
    /** Autoscaling's bound and whether it runs (null: not autoscaled). */
    autoscale: { maxReplicas: number; paused: boolean } | null;
  }>;
  /** A service's requests over the last `seconds` (undefined before two evaluations have seen it). */
  traffic(serviceId: string, seconds: number): TrafficTotals | undefined;
  /** Crash restarts of a service's instances within the last `minutes`. */
  restarts(serviceId: string, minutes: number): number;
  /** Every check of every external endpoint. */
  checks: Array<{ serviceId: string; serviceName: string; endpointId: string; checkId: string; checkName: string; status: CheckStatus; output: string }>;
  /** The 95th percentile (ms) of requests counted per latency bucket; null without requests. */
  p95(latency: readonly number[]): number | null;
};

/** A rule's verdict on one subject: whether the condition holds now, with the figure behind it. */
export type Observation = { subject: string; serviceId: string; serviceName: string; holds: boolean; value: number | null; summary: string };

type Condition<K extends AlertRuleKind> = (rule: AlertRuleOf<K>, signals: AlertSignals) => Observation[];

const round = (n: number) => Math.round(n * 10) / 10;

/** The services a rule watches: the one it names, or every one. */
const watched = (rule: AlertRuleSpec, signals: AlertSignals) => signals.services.filter((s) => rule.service === undefined || s.name === rule.service);

const onService = (service: { id: string; name: string }, holds: boolean, value: number | null, summary: string): Observation => ({
  subject: service.name,
  serviceId: service.id,
  serviceName: service.name,
  holds,
  value,
  summary,
});

/** One condition per kind; the mapped type makes the compiler ask for a new kind's. */
export const conditions: { [K in AlertRuleKind]: Condition<K> } = {
  "service-down": (rule, signals) =>
    watched(rule, signals)
      .filter((s) => !s.external)
      .map((s) => onService(s, s.health === "down", s.ready, `${s.name} is down: 0 of ${s.wanted} instances ready`)),
  "service-degraded": (rule, signals) =>
    watched(rule, signals)
      .filter((s) => !s.external)
      .map((s) => onService(s, s.health === "degraded", s.ready, `${s.name} is degraded: ${s.ready} of ${s.wanted} instances ready`)),
  "error-rate": (rule, signals) =>
    watched(rule, signals).map((s) => {
      const window = signals.traffic(s.id, rule.windowSeconds);
      const percent = window && window.requests > 0 ? (window.errors / window.requests) * 100 : null;
      const summary = `${s.name}: ${percent === null ? "no requests" : `${round(percent)} % of ${window!.requests} requests failed (5xx)`} over ${rule.windowSeconds} s; threshold ${rule.thresholdPercent} %`;
      return onService(s, percent !== null && percent > rule.thresholdPercent, percent === null ? null : round(percent), summary);
    }),
  "latency-p95": (rule, signals) =>
    watched(rule, signals).map((s) => {
      const window = signals.traffic(s.id, rule.windowSeconds);
      const p95 = window ? signals.p95(window.latency) : null;
      const summary = `${s.name}: p95 ${p95 === null ? "unknown (no requests)" : `${Math.round(p95)} ms`} over ${rule.windowSeconds} s; threshold ${rule.thresholdMs} ms`;
      return onService(s, p95 !== null && p95 > rule.thresholdMs, p95 === null ? null : Math.round(p95), summary);
    }),
  restarts: (rule, signals) =>
    watched(rule, signals)
      .filter((s) => !s.external)
      .map((s) => {
        const count = signals.restarts(s.id, rule.windowMinutes);
        return onService(s, count > rule.count, count, `${s.name}: ${count} crash restart(s) in ${rule.windowMinutes} min; threshold ${rule.count}`);
      }),
  "check-critical": (rule, signals) =>
    signals.checks
      .filter((c) => rule.service === undefined || c.serviceName === rule.service)
      .map((c) => ({
        subject: `${c.serviceName}/${c.endpointId}/${c.checkId}`,
        serviceId: c.serviceId,
        serviceName: c.serviceName,
        holds: c.status === "critical",
        value: null,
        summary: `${c.serviceName}: check ${c.checkName} of ${c.endpointId} is ${c.status}${c.output ? `: ${c.output.slice(0, 200)}` : ""}`,
      })),
  "autoscaler-at-max": (rule, signals) =>
    watched(rule, signals).flatMap((s) =>
      s.autoscale
        ? [onService(s, !s.autoscale.paused && s.wanted >= s.autoscale.maxReplicas, s.wanted, `${s.name}: autoscaling wants ${s.wanted} of at most ${s.autoscale.maxReplicas} replicas${s.autoscale.paused ? " (paused)" : ""}`)]
        : [],
    ),
};

/** A rule's observations, through its kind's condition. */
export function observe(rule: AlertRuleSpec, signals: AlertSignals): Observation[] {
  return (conditions[rule.kind] as Condition<AlertRuleKind>)(rule as AlertRuleOf<AlertRuleKind>, signals);
}
