import { describe, expect, it } from "vitest";
import { instanceTemplate } from "../../contracts/service";
import type { DesiredService } from "../types";
import { reconcile, type ActualInstance, type InstanceState, type Plan } from "./reconcile";

const desired = (replicas: number, revision = 2, deleting = false): DesiredService => ({
  id: "svc",
  name: "svc",
  replicas,
  revision,
  deleting,
  template: instanceTemplate.parse({ command: "node" }),
});

let seq = 0;
/** `i("a", "ready", 1)`: instance a, ready, on revision 1. */
const i = (id: string, state: InstanceState, revision = 2): ActualInstance => ({ id, state, revision, seq: ++seq });

const starts = (n: number, revision = 2): Plan => Array.from({ length: n }, () => ({ kind: "start", revision }));
const stops = (ids: string[], reason: "scale-down" | "replaced" | "service-deleted"): Plan => ids.map((instanceId) => ({ kind: "stop", instanceId, reason }));

describe("reconcile", () => {
  const cases: Array<[string, DesiredService | undefined, ActualInstance[], Plan]> = [
    ["nothing to do at the wanted count", desired(2), [i("a", "ready"), i("b", "ready")], []],
    ["starts what is missing", desired(3), [i("a", "ready")], starts(2)],
    ["starts from zero", desired(5), [], starts(5)],
    ["zero replicas, nothing running", desired(0), [], []],
    ["scales down the newest first", desired(1), [i("old", "ready"), i("mid", "ready"), i("new", "ready")], stops(["new", "mid"], "scale-down")],
    [
      "scales down unready, crash-looping and finished instances before ready ones",
      desired(2),
      [i("ready1", "ready"), i("done", "done"), i("ready2", "ready"), i("backoff", "backoff"), i("unready", "unready")],
      stops(["done", "backoff", "unready"], "scale-down"),
    ],
    ["scale to zero stops all", desired(0), [i("a", "ready"), i("b", "starting")], stops(["b", "a"], "scale-down")],
    ["ignores instances already stopping when counting", desired(2), [i("a", "ready"), i("gone", "stopping")], starts(1)],
    ["does not replace instances that finished for good", desired(2), [i("a", "ready"), i("done", "done")], []],
    ["counts crash-looping instances (their restart is the supervisor's job)", desired(2), [i("a", "ready"), i("b", "backoff")], []],
    ["service gone: stop everything", undefined, [i("a", "ready"), i("b", "stopping")], stops(["a"], "service-deleted")],
    ["deletion requested: stop everything", desired(3, 2, true), [i("a", "ready")], stops(["a"], "service-deleted")],
    ["deletion requested: wait for stopping instances", desired(3, 2, true), [i("a", "stopping")], []],
    ["deletion requested and nothing left: finalize", desired(3, 2, true), [], [{ kind: "finalize" }]],
    // Rolling updates (maxSurge 1, maxUnavailable 0).
    ["rollout begins with one surge instance", desired(3), [i("o1", "ready", 1), i("o2", "ready", 1), i("o3", "ready", 1)], starts(1)],
    [
      "rollout waits while the new instance is not ready",
      desired(3),
      [i("o1", "ready", 1), i("o2", "ready", 1), i("o3", "ready", 1), i("n1", "starting")],
      [],
    ],
    [
      "rollout retires the oldest outdated instance once a new one is ready",
      desired(3),
      [i("o1", "ready", 1), i("o2", "ready", 1), i("o3", "ready", 1), i("n1", "ready")],
      stops(["o1"], "replaced"),
    ],
    [
      "rollout starts the next one after the retired instance began stopping",
      desired(3),
      [i("o1", "stopping", 1), i("o2", "ready", 1), i("o3", "ready", 1), i("n1", "ready")],
      starts(1),
    ],
    [
      "rollout stops outdated instances that serve nothing right away",
      desired(2),
      [i("o1", "ready", 1), i("o2", "backoff", 1)],
      [...starts(1), ...stops(["o2"], "replaced")],
    ],
    ["rollout finishes", desired(2), [i("o1", "ready", 1), i("n1", "ready"), i("n2", "ready")], stops(["o1"], "replaced")],
    [
      "scaling down during a rollout drops surplus outdated ready instances",
      desired(1),
      [i("o1", "ready", 1), i("o2", "ready", 1), i("o3", "ready", 1), i("n1", "ready")],
      stops(["o1", "o2", "o3"], "replaced"),
    ],
    ["rolling to zero replicas stops the old revision", desired(0, 2), [i("o1", "ready", 1)], stops(["o1"], "replaced")],
  ];

  it.each(cases)("%s", (_name, want, actual, plan) => {
    expect(reconcile(want, actual)).toEqual(plan);
  });

  it("respects maxUnavailable and maxSurge", () => {
    const actual = [i("o1", "ready", 1), i("o2", "ready", 1), i("o3", "ready", 1), i("o4", "ready", 1)];
    expect(reconcile(desired(4), actual, { maxSurge: 0, maxUnavailable: 2 })).toEqual(stops(["o1", "o2"], "replaced"));
    expect(reconcile(desired(4), actual, { maxSurge: 2, maxUnavailable: 0 })).toEqual(starts(2));
  });

  it("never starts more than replicas + maxSurge over a whole simulated rollout, and ends on the new revision", () => {
    let actual = Array.from({ length: 4 }, (_, n) => i(`o${n}`, "ready", 1));
    for (let round = 0; round < 20; round++) {
      const plan = reconcile(desired(4), actual);
      if (plan.length === 0) break;
      for (const step of plan) {
        if (step.kind === "start") actual.push(i(`n${seq}`, "ready"));
        if (step.kind === "stop") actual = actual.filter((a) => a.id !== step.instanceId);
      }
      expect(actual.length).toBeLessThanOrEqual(5);
      expect(actual.filter((a) => a.state === "ready").length).toBeGreaterThanOrEqual(4);
    }
    expect(actual).toHaveLength(4);
    expect(actual.every((a) => a.revision === 2)).toBe(true);
  });
});
