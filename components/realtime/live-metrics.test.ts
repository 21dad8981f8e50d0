import { describe, expect, it } from "vitest";
import { appendRecent, type RecentSeries } from "./live-metrics";

describe("recent series", () => {
  it("appends each second's points and forgets those older than the window", () => {
    let state: RecentSeries = { "service:a": [{ at: 1000, rps: 1 }] };
    state = appendRecent(state, { at: 2000, points: { "service:a": { at: 2000, rps: 2 }, "edge:e": { at: 2000, rps: 5 } } }, 1500);
    expect(state).toEqual({ "service:a": [{ at: 1000, rps: 1 }, { at: 2000, rps: 2 }], "edge:e": [{ at: 2000, rps: 5 }] });
    state = appendRecent(state, { at: 3000, points: { "service:a": { at: 3000, rps: 3 } } }, 1500);
    expect(state).toEqual({ "service:a": [{ at: 2000, rps: 2 }, { at: 3000, rps: 3 }], "edge:e": [{ at: 2000, rps: 5 }] });
  });

  it("drops a series that has gone quiet for the whole window (a deleted service)", () => {
    const state = appendRecent({ "service:gone": [{ at: 1000, rps: 1 }] }, { at: 5000, points: {} }, 1500);
    expect(state).toEqual({});
  });
});
