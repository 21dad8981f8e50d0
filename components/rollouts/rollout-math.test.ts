import { describe, expect, it } from "vitest";
import type { Rollout } from "@/server/contracts/rollout";
import { applyRolloutDelta } from "../realtime/hooks";
import { describeRollout, rolloutFraction } from "./rollout-math";

const rollout = (fields: Partial<Rollout>): Rollout => ({
  id: "r1",
  serviceId: "s1",
  fromRevision: 1,
  toRevision: 2,
  cause: "update",
  status: "progressing",
  message: null,
  replicas: 4,
  updated: 0,
  remaining: -1,
  cluster: null,
  startedAt: "2026-11-25T10:00:00.000Z",
  progressAt: "2026-11-25T10:00:00.000Z",
  finishedAt: null,
  ...fields,
});

describe("rollout progress in the UI", () => {
  it("counts each instance's replacement and the old one's exit", () => {
    expect(rolloutFraction(rollout({}))).toBe(0);
    expect(rolloutFraction(rollout({ updated: 1, remaining: 4 }))).toBe(1 / 8);
    expect(rolloutFraction(rollout({ updated: 2, remaining: 2 }))).toBe(0.5);
    expect(rolloutFraction(rollout({ updated: 4, remaining: 0, status: "succeeded" }))).toBe(1);
    expect(rolloutFraction(rollout({ replicas: 0, remaining: 0 }))).toBe(1);
    // A swarm service's bar follows Swarm's count of tasks on the new spec.
    expect(rolloutFraction(rollout({ updated: 0, cluster: { state: "updating", message: "update in progress", updatedTasks: 3 } }))).toBe(3 / 4);
  });

  it("says where it stands", () => {
    expect(describeRollout(rollout({ updated: 2, remaining: 2 }))).toBe("Rolling to revision 2: 2/4 updated, 2 old left");
    expect(describeRollout(rollout({ status: "failed", message: "no progress for 5 s" }))).toBe("Rollout to revision 2 failed: no progress for 5 s");
    expect(describeRollout(rollout({ cluster: { state: "updating", message: "update in progress", updatedTasks: 1 } }))).toBe("Rolling to revision 2: Swarm updating (update in progress), 1/4 tasks updated");
    expect(describeRollout(rollout({ cause: "auto-rollback", toRevision: 1, status: "succeeded" }))).toBe("Rolled out revision 1 (automatic rollback)");
  });

  it("keeps each service's newest rollout when an older one changes late", () => {
    const older = rollout({});
    const newer = rollout({ id: "r2", toRevision: 3, startedAt: "2026-11-25T10:01:00.000Z" });
    const state = applyRolloutDelta(applyRolloutDelta([], older), newer);
    expect(applyRolloutDelta(state, { ...older, status: "superseded" })).toEqual([newer]);
    expect(applyRolloutDelta(state, { ...newer, updated: 1 })).toEqual([{ ...newer, updated: 1 }]);
  });
});
