import { describe, expect, it } from "vitest";
import { alertRuleSpec, type AlertRuleInput } from "../../contracts/alerts";
import { observe, type AlertSignals } from "./conditions";

const services: AlertSignals["services"] = [
  { id: "a", name: "api", external: false, health: "down", ready: 0, wanted: 2, autoscale: { maxReplicas: 2, paused: true } },
  { id: "w", name: "web", external: false, health: "healthy", ready: 2, wanted: 2, autoscale: { maxReplicas: 2, paused: false } },
  { id: "p", name: "payments", external: true, health: "healthy", ready: 1, wanted: 2, autoscale: null },
];
/** Two latency buckets: requests answered in 20 ms and in 2 s (the engine's histogram has more). */
const histogram = (fast: number, slow: number) => [fast, slow];
const signals: AlertSignals = {
  services,
  traffic: (id, seconds) =>
    id === "a" ? { requests: 200, errors: seconds >= 60 ? 30 : 2, latency: histogram(190, 10) } : id === "w" ? { requests: 100, errors: 0, latency: histogram(10, 90) } : undefined,
  restarts: (id, minutes) => (id === "a" ? minutes : 0),
  checks: [
    { serviceId: "p", serviceName: "payments", endpointId: "pay-1", checkId: "ttl", checkName: "heartbeat", status: "critical", output: "TTL expired" },
    { serviceId: "p", serviceName: "payments", endpointId: "pay-2", checkId: "ttl", checkName: "heartbeat", status: "passing", output: "" },
  ],
  p95: ([fast = 0, slow = 0]) => (fast + slow === 0 ? null : slow / (fast + slow) > 0.05 ? 2000 : 20),
};
const verdicts = (raw: AlertRuleInput) => observe(alertRuleSpec.parse(raw), signals).map((o) => [o.subject, o.holds, o.value]);

describe("alert conditions", () => {
  it("down and degraded look at the services Gantry runs", () => {
    expect(verdicts({ kind: "service-down", name: "d" })).toEqual([["api", true, 0], ["web", false, 2]]);
    expect(verdicts({ kind: "service-degraded", name: "d", service: "web" })).toEqual([["web", false, 2]]);
  });

  it("error rate: the 5xx share of the window's requests, against the threshold; no requests, no verdict", () => {
    expect(verdicts({ kind: "error-rate", name: "e", thresholdPercent: 5, windowSeconds: 60 })).toEqual([["api", true, 15], ["web", false, 0], ["payments", false, null]]);
    expect(verdicts({ kind: "error-rate", name: "e", thresholdPercent: 5, windowSeconds: 10 })[0]).toEqual(["api", false, 1]);
  });

  it("p95 latency from the window's histogram", () => {
    expect(verdicts({ kind: "latency-p95", name: "p", thresholdMs: 1000 })).toEqual([["api", false, 20], ["web", true, 2000], ["payments", false, null]]);
  });

  it("restarts: more than `count` within the window", () => {
    expect(verdicts({ kind: "restarts", name: "r", count: 3, windowMinutes: 10 })).toEqual([["api", true, 10], ["web", false, 0]]);
    expect(verdicts({ kind: "restarts", name: "r", count: 10, windowMinutes: 10 })[0]).toEqual(["api", false, 10]);
  });

  it("autoscaler at max: autoscaled services running at their max, unless autoscaling is paused", () => {
    expect(verdicts({ kind: "autoscaler-at-max", name: "m" })).toEqual([["api", false, 2], ["web", true, 2]]);
  });

  it("check critical: one alert per endpoint's check", () => {
    expect(verdicts({ kind: "check-critical", name: "c" })).toEqual([["payments/pay-1/ttl", true, null], ["payments/pay-2/ttl", false, null]]);
  });
});
