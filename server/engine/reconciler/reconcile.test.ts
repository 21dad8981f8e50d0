import { describe, expect, it } from "vitest";
import { defaultStrategy, type RolloutStrategy } from "../../contracts/rollout";
import { instanceTemplate } from "../../contracts/service";
import type { DesiredService, TrackedRollout } from "../types";
import { reconcile, type ActualInstance, type InstanceState, type Plan } from "./reconcile";

const desired = (replicas: number, revision = 2, deleting = false): DesiredService => ({
  id: "svc",
  name: "svc",
  replicas,
  revision,
  deleting,
  template: instanceTemplate.parse({ command: "node" }),
  strategy: defaultStrategy,
  rollout: null,
});
const withStrategy = (service: DesiredService, strategy: Partial<RolloutStrategy>): DesiredService => ({ ...service, strategy: { ...service.strategy, ...strategy } });
const held = (service: DesiredService, status: TrackedRollout["status"]): DesiredService => ({
  ...service,
  rollout: { id: "r", status, fromRevision: 1, updated: 0, remaining: 0, progressAt: 0, cause: "update" },
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
    // Run-to-completion services: a completed instance holds its slot, and a completed new one counts like a ready one.
    ["does not rerun completed instances", desired(2), [i("a", "completed"), i("b", "completed")], []],
    [
      "a rollout reruns completed instances of an older revision",
      desired(2),
      [i("o1", "completed", 1), i("o2", "completed", 1)],
      [...starts(1), ...stops(["o1", "o2"], "replaced")],
    ],
    [
      "a completed new instance lets an old one go",
      desired(2),
      [i("o1", "ready", 1), i("o2", "ready", 1), i("n1", "completed")],
      stops(["o1"], "replaced"),
    ],
  ];

  it.each(cases)("%s", (_name, want, actual, plan) => {
    expect(reconcile(want, actual)).toEqual(plan);
  });

  it("respects maxUnavailable and maxSurge", () => {
    const actual = [i("o1", "ready", 1), i("o2", "ready", 1), i("o3", "ready", 1), i("o4", "ready", 1)];
    expect(reconcile(withStrategy(desired(4), { maxSurge: 0, maxUnavailable: 2 }), actual)).toEqual(stops(["o1", "o2"], "replaced"));
    expect(reconcile(withStrategy(desired(4), { maxSurge: 2, maxUnavailable: 0 }), actual)).toEqual(starts(2));
  });

  it("with minReadySeconds, a new instance lets an old one go only after being ready that long", () => {
    const want = withStrategy(desired(2), { minReadySeconds: 5 });
    const actual = [i("o1", "ready", 1), i("o2", "ready", 1), { ...i("n1", "ready"), readySince: 10_000 }];
    expect(reconcile(want, actual, 14_999)).toEqual([]);
    expect(reconcile(want, actual, 15_000)).toEqual(stops(["o1"], "replaced"));
  });

  it("a paused or failed rollout replaces nothing more, but still follows replicas", () => {
    const mixed = [i("o1", "ready", 1), i("o2", "ready", 1), i("o3", "ready", 1), i("n1", "backoff")];
    for (const status of ["paused", "failed"] as const) {
      // The surge instance stays: no ready old instance is given up for it.
      expect(reconcile(held(desired(3), status), mixed)).toEqual([]);
      expect(reconcile(held(desired(5), status), mixed)).toEqual(starts(1));
      // Scaling down stops what serves nothing first, then older revisions.
      expect(reconcile(held(desired(1), status), mixed)).toEqual(stops(["n1", "o3"], "scale-down"));
    }
    expect(reconcile(held(desired(3), "progressing"), mixed)).toEqual([]); // waits for n1
  });

});
