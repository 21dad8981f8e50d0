import { describe, expect, it } from "vitest";
import { timeTicks } from "./time-ticks";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const midnightUtc = Date.UTC(2026, 0, 15);

describe("time axis ticks", () => {
  it("labels a 5 minute chart every minute, on the minute", () => {
    const until = midnightUtc + 10 * HOUR + 7 * MINUTE + 31_000;
    expect(timeTicks(until - 5 * MINUTE, until, 5, 0)).toEqual([3, 4, 5, 6, 7].map((m) => midnightUtc + 10 * HOUR + m * MINUTE));
  });

  it("labels a 24 h chart on whole local hours, a few of them", () => {
    const until = midnightUtc + 13 * HOUR + 20 * MINUTE;
    const ticks = timeTicks(until - 24 * HOUR, until, 5, -60); // UTC+1
    expect(ticks.length).toBeLessThanOrEqual(5);
    expect(ticks.map((t) => new Date(t + HOUR).getUTCHours())).toEqual([18, 0, 6, 12]);
  });

  it("keeps its ticks where they were as the chart moves on", () => {
    const until = midnightUtc + 10 * HOUR + 30_000;
    const now = timeTicks(until - HOUR, until, 5, 0);
    const later = timeTicks(until + 1000 - HOUR, until + 1000, 5, 0);
    expect(later).toEqual(now);
  });
});
