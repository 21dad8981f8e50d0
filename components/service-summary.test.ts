import { describe, expect, it } from "vitest";
import { summarize } from "./service-summary";

const running = (ready: boolean, ejected = false) => ({ phase: "Running" as const, ready, ejected });
const check = (status: "passing" | "warning" | "critical") => ({ checks: [{ status }] }) as never;

describe("service summary", () => {
  it.each([
    [3, [running(true), running(true), running(true)], { ready: 3, wanted: 3, health: "healthy" }],
    [3, [running(true), running(false)], { ready: 1, wanted: 3, health: "degraded" }],
    [2, [running(false), { phase: "Starting" as const, ready: false, ejected: false }], { ready: 0, wanted: 2, health: "down" }],
    [0, [], { ready: 0, wanted: 0, health: "idle" }],
    // Ready by its probes (or without any), but the data plane stopped sending to it.
    [2, [running(true), running(true, true)], { ready: 1, wanted: 2, health: "degraded" }],
  ])("a service wanting %i with its instances", (replicas, instances, expected) => {
    expect(summarize({ external: false, replicas }, instances, [])).toMatchObject({ ...expected, unit: "ready" });
  });

  it.each([
    [[check("passing"), check("warning")], { ready: 2, wanted: 2, health: "healthy" }],
    [[check("passing"), check("critical")], { ready: 1, wanted: 2, health: "degraded" }],
    [[check("critical")], { ready: 0, wanted: 1, health: "down" }],
    [[], { ready: 0, wanted: 0, health: "idle" }],
  ])("an external service counts its endpoints (%#)", (endpoints, expected) => {
    expect(summarize({ external: true, replicas: 0 }, [], endpoints)).toMatchObject({ ...expected, unit: "healthy endpoints" });
  });
});
