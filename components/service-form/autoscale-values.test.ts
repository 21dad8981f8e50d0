import { describe, expect, it } from "vitest";
import { autoscaleSettings } from "@/server/contracts/autoscale";
import { autoscaleDraftOf, toAutoscaleInput } from "./autoscale-values";

describe("autoscaling in the service form", () => {
  it("turns typed values into settings, keeping stored policies, and off into null", () => {
    const stored = autoscaleSettings.parse({ maxReplicas: 4, targets: { cpuPercent: 70 }, behavior: { scaleDown: { policies: [{ type: "Pods", value: 1, periodSeconds: 30 }] } } });
    const draft = { ...autoscaleDraftOf(stored), requestsPerSecond: "80", cpuPercent: "", scaleDownWindowSeconds: "30" };
    const result = toAutoscaleInput(draft, stored);
    expect(result).toMatchObject({ autoscale: { maxReplicas: 4, targets: { requestsPerSecond: 80, cpuPercent: null }, behavior: { scaleDown: { stabilizationWindowSeconds: 30, policies: [{ type: "Pods", value: 1 }] } } } });
    expect(toAutoscaleInput({ ...draft, enabled: false }, stored)).toEqual({ autoscale: null });
  });

  it("puts the contract's complaints beside the right inputs", () => {
    const draft = { ...autoscaleDraftOf(null), enabled: true };
    expect(toAutoscaleInput({ ...draft, cpuPercent: "" }, null)).toEqual({ errors: { "autoscale.requestsPerSecond": "name at least one target: requests/s, p95 latency or CPU %" } });
    expect(toAutoscaleInput({ ...draft, minReplicas: "9" }, null)).toEqual({ errors: { "autoscale.minReplicas": "min replicas can't be more than max replicas" } });
    expect(toAutoscaleInput({ ...draft, scaleDownWindowSeconds: "soon" }, null)).toEqual({ errors: { "autoscale.scaleDownWindowSeconds": "a number is required" } });
  });
});
