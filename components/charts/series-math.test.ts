import { describe, expect, it } from "vitest";
import { appendSeconds, foldIntoMinutes, joinMinutes } from "./series-math";

describe("series arithmetic for charts", () => {
  it("appends live seconds and keeps 15 minutes", () => {
    const start = 1_000_000_000_000;
    let state = appendSeconds({}, { at: start, points: { "service:a": { at: start, rps: 1 } } });
    state = appendSeconds(state, { at: start + 1000, points: { "service:a": { at: start + 1000, rps: 2 }, "instance:x": { at: start + 1000, rps: 2 } } });
    expect(state["service:a"]!.map((p) => p.rps)).toEqual([1, 2]);
    state = appendSeconds(state, { at: start + 15 * 60_000 + 500, points: { "service:a": { at: start + 15 * 60_000 + 500, rps: 3 } } });
    expect(state["service:a"]!.map((p) => p.rps)).toEqual([2, 3]);
    expect(state["instance:x"]).toHaveLength(1); // only series in the delta are trimmed
  });

  it("averages seconds into minutes, skipping missing values", () => {
    const minute = 1_700_000_040_000; // a whole minute
    const points = [
      { at: minute, rps: 2, p95: 10 },
      { at: minute + 1000, rps: 4, p95: null },
      { at: minute + 60_000, rps: 6 },
    ];
    expect(foldIntoMinutes(points)).toEqual([
      { at: minute, rps: 3, p95: 10 },
      { at: minute + 60_000, rps: 6 },
    ]);
  });

  it("continues server minutes with the live minute after the last one", () => {
    const minute = 1_700_000_040_000;
    const minutes = [{ at: minute, rps: 1 }];
    const seconds = [{ at: minute + 30_000, rps: 9 }, { at: minute + 60_000, rps: 4 }, { at: minute + 61_000, rps: 6 }];
    expect(joinMinutes(minutes, seconds)).toEqual([{ at: minute, rps: 1 }, { at: minute + 60_000, rps: 5 }]);
  });
});
