import { describe, expect, it } from "vitest";
import { TrafficWindows } from "./traffic-windows";

const totals = (requests: number, errors: number, latency: number[] = [requests]) => ({ requests, errors, latency });

describe("traffic over a window (differences of cumulative totals)", () => {
  it("counts only what happened within the window", () => {
    const windows = new TrafficWindows();
    windows.record("a", 0, totals(100, 50), 60_000); // a bad start, long ago
    windows.record("a", 30_000, totals(200, 50), 60_000);
    windows.record("a", 60_000, totals(300, 60), 60_000);
    windows.record("a", 90_000, totals(400, 60), 60_000);
    expect(windows.delta("a", 30_000)).toEqual(totals(100, 0, [100]));
    expect(windows.delta("a", 60_000)).toEqual(totals(200, 10, [200]));
  });

  it("says nothing before it has two snapshots, and counts from zero after a counter reset", () => {
    const windows = new TrafficWindows();
    windows.record("a", 0, totals(100, 0), 60_000);
    expect(windows.delta("a", 10_000)).toBeUndefined();
    windows.record("a", 5000, totals(7, 7), 60_000);
    expect(windows.delta("a", 10_000)).toMatchObject({ requests: 7, errors: 7 });
  });

  it("keeps only the snapshots the longest window needs, and forgets series no longer reported", () => {
    const windows = new TrafficWindows();
    for (let at = 0; at <= 600_000; at += 1000) windows.record("a", at, totals(at, 0), 60_000);
    expect(windows.held()).toBeLessThanOrEqual(62);
    expect(windows.delta("a", 60_000)?.requests).toBe(60_000);
    windows.retain(new Set());
    expect(windows.held()).toBe(0);
  });
});
