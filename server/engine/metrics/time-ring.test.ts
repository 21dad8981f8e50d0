import { describe, expect, it } from "vitest";
import { TimeRing } from "./time-ring";

describe("a ring's point at a moment", () => {
  it("finds the interval holding the moment, after the ring has wrapped, and nothing outside what it holds", () => {
    const ring = new TimeRing(5);
    for (let second = 0; second < 8; second++) ring.push({ at: second * 1000, rps: second });
    // Holds seconds 3..7 now.
    expect(ring.pointAt(5_500, 1000)?.rps).toBe(5);
    expect(ring.pointAt(3_000, 1000)?.rps).toBe(3);
    expect(ring.pointAt(7_999, 1000)?.rps).toBe(7);
    expect(ring.pointAt(2_500, 1000)).toBeUndefined();
    expect(ring.pointAt(8_000, 1000)).toBeUndefined();
  });

  it("leaves a gap as a gap", () => {
    const ring = new TimeRing(10);
    ring.push({ at: 0, rps: 1 });
    ring.push({ at: 3000, rps: 2 });
    expect(ring.pointAt(1500, 1000)).toBeUndefined();
    expect(ring.pointAt(3500, 1000)?.rps).toBe(2);
  });
});
