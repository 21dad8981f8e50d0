import { describe, expect, it } from "vitest";
import { latencyBuckets } from "../proxy/types";
import { quantileMs } from "./quantile";
import { TimeRing } from "./time-ring";

const buckets = (counts: Record<number, number>) => Array.from({ length: latencyBuckets.length + 1 }, (_, i) => counts[i] ?? 0);

describe("quantileMs", () => {
  it("interpolates inside the bucket holding the rank", () => {
    // 100 requests between 1 and 2.5 ms (bucket 1): p50 halfway through it.
    expect(quantileMs(buckets({ 1: 100 }), 0.5)).toBeCloseTo(1.75, 5);
    // 90 fast (≤ 1 ms), 10 slow (50–100 ms): p50 is fast, p99 is slow.
    const mixed = buckets({ 0: 90, 6: 10 });
    expect(quantileMs(mixed, 0.5)!).toBeLessThan(1);
    expect(quantileMs(mixed, 0.99)!).toBeGreaterThan(50);
    expect(quantileMs(mixed, 0.99)!).toBeLessThanOrEqual(100);
  });

  it("says nothing without requests", () => {
    expect(quantileMs(buckets({}), 0.5)).toBeNull();
  });
});

describe("TimeRing", () => {
  it("keeps the newest points up to its capacity, oldest first", () => {
    const ring = new TimeRing(3);
    for (let at = 1; at <= 5; at++) ring.push({ at, rps: at });
    expect(ring.since(0).map((p) => p.at)).toEqual([3, 4, 5]);
    expect(ring.since(4).map((p) => p.at)).toEqual([4, 5]);
    expect(ring.last?.at).toBe(5);
  });
});
