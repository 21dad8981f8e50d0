import { describe, expect, it } from "vitest";
import { defaultStrategy } from "../../contracts/rollout";
import { instanceTemplate } from "../../contracts/service";
import type { DesiredService, TrackedRollout } from "../types";
import type { ActualInstance, InstanceState } from "./reconcile";
import { describeStall, judgeRollout, measureRollout } from "./rollout-progress";

const desired: DesiredService = {
  id: "svc",
  name: "svc",
  replicas: 3,
  revision: 2,
  deleting: false,
  template: instanceTemplate.parse({ command: "node" }),
  strategy: { ...defaultStrategy, progressDeadlineSeconds: 10 },
  rollout: null,
};
const rollout = (updated: number, remaining: number, progressAt = 0): TrackedRollout => ({ id: "r", status: "progressing", fromRevision: 1, updated, remaining, progressAt, cause: "update" });
const i = (revision: number, state: InstanceState): ActualInstance => ({ id: `${revision}-${state}-${Math.random()}`, revision, state, seq: 1 });

describe("rollout progress", () => {
  it("counts new ready instances up to replicas, and old ones until they begin draining", () => {
    expect(measureRollout(desired, [i(1, "ready"), i(1, "stopping"), i(2, "ready"), i(2, "starting")])).toEqual({ updated: 1, remaining: 1, complete: false });
    expect(measureRollout(desired, [i(2, "ready"), i(2, "ready"), i(2, "ready"), i(2, "ready")])).toEqual({ updated: 3, remaining: 0, complete: true });
    // A long grace period on the last old instance can't hold a finished rollout past its deadline.
    expect(measureRollout(desired, [i(1, "stopping"), i(2, "ready"), i(2, "ready"), i(2, "ready")]).complete).toBe(true);
  });

  it("progress is a new high of updated or a new low of old instances; the deadline counts from the last one", () => {
    const deadline = 10_000;
    expect(judgeRollout(rollout(1, 3), { updated: 2, remaining: 3, complete: false }, 5_000, deadline)).toEqual({ kind: "progressed" });
    expect(judgeRollout(rollout(1, 3), { updated: 1, remaining: 2, complete: false }, 5_000, deadline)).toEqual({ kind: "progressed" });
    // An instance that went unready and back is not progress.
    expect(judgeRollout(rollout(2, 2, 1_000), { updated: 1, remaining: 2, complete: false }, 5_000, deadline)).toEqual({ kind: "waiting", until: 11_000 });
    expect(judgeRollout(rollout(2, 2, 1_000), { updated: 2, remaining: 2, complete: false }, 11_000, deadline)).toEqual({ kind: "stalled" });
    expect(judgeRollout(rollout(2, 2, 1_000), { updated: 3, remaining: 0, complete: true }, 99_000, deadline)).toEqual({ kind: "succeeded" });
  });

  it("the deadline never counts time before Gantry started", () => {
    expect(judgeRollout(rollout(0, 3, 0), { updated: 0, remaining: 3, complete: false }, 60_000, 10_000, 55_000)).toEqual({ kind: "waiting", until: 65_000 });
  });

  it("the first look at a rollout counts as progress (the old instances were not known when it began)", () => {
    expect(judgeRollout(rollout(0, -1, 0), { updated: 0, remaining: 3, complete: false }, 60_000, 10_000)).toEqual({ kind: "progressed" });
  });

  it("says why a rollout stalled", () => {
    const actual = [i(1, "ready"), i(1, "ready"), i(1, "ready"), i(2, "backoff")];
    expect(describeStall(desired, actual, measureRollout(desired, actual))).toBe("no progress for 10 s: revision 2 has 0 of 3 instance(s) ready (1 crash-looping)");
  });
});
