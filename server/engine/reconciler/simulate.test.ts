import { describe, expect, it } from "vitest";
import { defaultStrategy } from "../../contracts/rollout";
import { instanceTemplate } from "../../contracts/service";
import type { DesiredService } from "../types";
import type { ActualInstance } from "./reconcile";
import { simulateRollout } from "./simulate";

const desired = (replicas: number, strategy = defaultStrategy): DesiredService => ({
  id: "svc",
  name: "svc",
  replicas,
  revision: 2,
  deleting: false,
  template: instanceTemplate.parse({ command: "node" }),
  strategy,
  rollout: null,
});
const running = (n: number, revision: number): ActualInstance[] => Array.from({ length: n }, (_, k) => ({ id: `r${revision}-${k}`, revision, state: "ready", seq: k + 1 }));

describe("simulateRollout", () => {
  it("replaces 4 instances one at a time: never more than 5 running, never fewer than 4 ready", () => {
    const preview = simulateRollout(desired(4), running(4, 1));
    expect(preview).toMatchObject({ starts: 4, stops: 4, peak: 5, lowestReady: 4 });
    expect(preview.waves[0]).toEqual([{ kind: "start", revision: 2 }]);
    expect(preview.waves[1]).toEqual([{ kind: "stop", instanceId: "r1-0", revision: 1, reason: "replaced" }]);
    // Every old instance is stopped exactly once, oldest first.
    expect(preview.waves.flat().flatMap((s) => (s.kind === "stop" ? [s.instanceId] : []))).toEqual(["r1-0", "r1-1", "r1-2", "r1-3"]);
  });

  it("follows the strategy: maxUnavailable 2 without surge stops two first", () => {
    const preview = simulateRollout(desired(4, { ...defaultStrategy, maxSurge: 0, maxUnavailable: 2 }), running(4, 1));
    expect(preview.waves[0]).toHaveLength(2);
    expect(preview.waves[0]!.every((s) => s.kind === "stop")).toBe(true);
    expect(preview).toMatchObject({ starts: 4, stops: 4, peak: 4, lowestReady: 2 });
  });

  it("a change of replicas alone starts or stops only the difference", () => {
    expect(simulateRollout(desired(6), running(4, 2))).toMatchObject({ starts: 2, stops: 0, waves: [[{ kind: "start" }, { kind: "start" }]] });
    expect(simulateRollout(desired(1), running(3, 2))).toMatchObject({ starts: 0, stops: 2 });
  });

  it("nothing to do is an empty plan", () => {
    expect(simulateRollout(desired(2), running(2, 2))).toEqual({ waves: [], starts: 0, stops: 0, peak: 2, lowestReady: 2 });
  });
});
