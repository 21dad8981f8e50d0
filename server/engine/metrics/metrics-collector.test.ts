import { describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger";
import { ManualClock } from "../../lib/manual-clock";
import { newCounters, recordRequest } from "../proxy/counters";
import type { DataPlaneStats, TrafficCounters } from "../proxy/types";
import { MetricsCollector, type Rollup } from "./metrics-collector";

/** A data plane whose service counters the test advances. */
function fakeStats() {
  const counters: TrafficCounters = newCounters();
  const stats = async (): Promise<DataPlaneStats> => ({ listeners: [], endpoints: [], services: [{ serviceId: "s1", counters: structuredClone(counters) }] });
  const serve = (n: number, status = 200, seconds = 0.003) => {
    for (let i = 0; i < n; i++) recordRequest(counters, status, seconds);
  };
  return { stats, serve, counters };
}

describe("MetricsCollector", () => {
  it("turns counter deltas into per-second rates, error share and percentiles", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
    const plane = fakeStats();
    const collector = new MetricsCollector({ stats: plane.stats, instances: () => [], saveRollups: async () => {} }, clock, silentLogger);
    await collector.tick(); // baseline
    plane.serve(90);
    plane.serve(10, 503, 0.2);
    await clock.advance(1000);
    await collector.tick();
    const point = collector.latest("service:s1")!;
    expect(point.rps).toBeCloseTo(100, 0);
    expect(point.errorRate).toBeCloseTo(10, 5);
    expect(point.p50!).toBeLessThan(5);
    expect(point.p99!).toBeGreaterThan(100);
    expect(collector.totals.get("service:s1")!.requests["5xx"]).toBe(10);
  });

  it("gives tcp series connection rates, open connections and byte rates, per second and per minute; http points get none", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
    const plane = fakeStats();
    const saved: Rollup[] = [];
    const collector = new MetricsCollector({ stats: plane.stats, instances: () => [], saveRollups: async (r) => void saved.push(...r) }, clock, silentLogger);
    await collector.tick();
    await clock.advance(1000);
    await collector.tick();
    expect(collector.latest("service:s1")!.cps).toBeUndefined();
    const connections = plane.counters.connections;
    for (let s = 0; s < 120; s++) {
      Object.assign(connections, { total: connections.total + 4, open: 3, bytesIn: connections.bytesIn + 400, bytesOut: connections.bytesOut + 1000, connectErrors: connections.connectErrors + (s === 0 ? 2 : 0) });
      await clock.advance(1000);
      await collector.tick();
      if (s === 0) expect(collector.latest("service:s1")).toMatchObject({ cps: 4, openConnections: 3, bytesInPerSecond: 400, bytesOutPerSecond: 1000, connectErrorsPerSecond: 2 });
    }
    expect(collector.totals.get("service:s1")!.connections).toEqual({ total: 480, open: 3, bytesIn: 48_000, bytesOut: 120_000, connectErrors: 2 });
    // The first whole minute of connections (12:01).
    const minute = saved.find((r) => r.series === "service:s1" && r.at === Date.UTC(2026, 10, 25, 12, 1, 0))!;
    expect(minute.point).toMatchObject({ cps: 4, openConnections: 3, bytesOutPerSecond: 1000 });
  });

  it("reads a past moment from its second within the last 15 minutes and from its minute (restored or rolled up) beyond", async () => {
    const start = Date.UTC(2026, 10, 25, 12, 0, 0);
    const clock = new ManualClock(start);
    const plane = fakeStats();
    const collector = new MetricsCollector({ stats: plane.stats, instances: () => [], saveRollups: async () => {} }, clock, silentLogger);
    collector.restore([{ series: "service:s1", at: start - 3_600_000, point: { at: start - 3_600_000, rps: 42 } }]);
    await collector.tick();
    for (let s = 1; s <= 20 * 60; s++) {
      plane.serve(s <= 60 ? 7 : 3);
      await clock.advance(1000);
      await collector.tick();
    }
    expect(collector.pointAt("service:s1", start - 3_600_000 + 30_000)?.rps).toBe(42);
    // 12:00:30, 20 minutes ago: only its minute is left (7 requests a second then).
    expect(collector.pointAt("service:s1", start + 30_500)?.rps).toBeCloseTo(7, 0);
    // 12:19:30.5, half a minute ago: its own second.
    const second = collector.pointAt("service:s1", start + 19 * 60_000 + 30_500)!;
    expect(second.at).toBe(start + 19 * 60_000 + 30_000);
    expect(second.rps).toBeCloseTo(3, 0);
    expect(collector.pointAt("service:s1", start - 7_200_000)).toBeUndefined();
  });

  it("keeps totals monotonic when the data plane's own counters restart", async () => {
    const clock = new ManualClock();
    const plane = fakeStats();
    const collector = new MetricsCollector({ stats: plane.stats, instances: () => [], saveRollups: async () => {} }, clock, silentLogger);
    plane.serve(50);
    await collector.tick();
    Object.assign(plane.counters, newCounters()); // restarted
    plane.serve(5);
    await clock.advance(1000);
    await collector.tick();
    expect(collector.totals.get("service:s1")!.requests["2xx"]).toBe(55);
    expect(collector.latest("service:s1")!.rps).toBeCloseTo(5, 0);
  });

  it("counts traffic from its start on, not the history of a data plane it took over", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
    const plane = fakeStats();
    plane.serve(5000); // served while the previous Gantry ran, by the data plane this one adopted
    const collector = new MetricsCollector({ stats: plane.stats, instances: () => [], saveRollups: async () => {} }, clock, silentLogger);
    await collector.start();
    plane.serve(7);
    await clock.advance(1005); // one aligned collection
    collector.stop();
    expect(collector.latest("service:s1")!.rps).toBeCloseTo(7, 0);
    expect(collector.totals.get("service:s1")!.requests["2xx"]).toBe(7);
  });

  it("rolls seconds up into minutes, saves them, and reads them back after a restart", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 30));
    const plane = fakeStats();
    const saved: Rollup[] = [];
    const collector = new MetricsCollector({ stats: plane.stats, instances: () => [], saveRollups: async (r) => void saved.push(...r) }, clock, silentLogger);
    for (let s = 0; s < 40; s++) {
      plane.serve(6);
      await clock.advance(1000);
      await collector.tick();
    }
    const minute = saved.find((r) => r.series === "service:s1")!;
    expect(new Date(minute.at).toISOString()).toBe("2026-11-25T12:00:00.000Z");
    expect(minute.point.rps).toBeGreaterThan(5);

    const restarted = new MetricsCollector({ stats: plane.stats, instances: () => [], saveRollups: async () => {} }, clock, silentLogger);
    restarted.restore(saved);
    const hour = restarted.series(["service:s1"], "1h");
    expect(hour.resolutionMs).toBe(60_000);
    expect(hour.series["service:s1"]!.map((p) => p.at)).toEqual([minute.at]);
  });

  it("puts saved minutes back before the minutes collected since the start, when they are read after it", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 30));
    const plane = fakeStats();
    const saved: Rollup[] = [];
    const run = async (collector: MetricsCollector, seconds: number) => {
      for (let s = 0; s < seconds; s++) {
        plane.serve(6);
        await clock.advance(1000);
        await collector.tick();
      }
    };
    await run(new MetricsCollector({ stats: plane.stats, instances: () => [], saveRollups: async (r) => void saved.push(...r) }, clock, silentLogger), 100);
    const restarted = new MetricsCollector({ stats: plane.stats, instances: () => [], saveRollups: async () => {} }, clock, silentLogger);
    await run(restarted, 60); // a minute of its own before the saved ones are read
    restarted.restore(saved);
    const at = restarted.series(["service:s1"], "1h").series["service:s1"]!.map((p) => p.at);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(at).toContain(saved.find((r) => r.series === "service:s1")!.at);
    expect(at.length).toBeGreaterThan(saved.filter((r) => r.series === "service:s1").length);
  });

  it("forgets series that stopped reporting once nothing of them is left in any window, so churn doesn't grow memory", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 0, 0, 0));
    let current = 0;
    const counters = newCounters();
    // A new service every 10 minutes, the previous one gone: 26 hours of churn.
    const stats = async (): Promise<DataPlaneStats> => ({ listeners: [], endpoints: [], services: [{ serviceId: `s${current}`, counters }] });
    const collector = new MetricsCollector({ stats, instances: () => [], saveRollups: async () => {} }, clock, silentLogger);
    let most = 0;
    for (let second = 0; second < 26 * 3600; second++) {
      current = Math.floor(second / 600);
      await collector.tick();
      clock.jump(1000);
      most = Math.max(most, collector.seriesHeld());
    }
    // 24 h of minutes at one service per 10 min, the live one and gantry's own: about 146, never the 156 seen.
    expect(most).toBeLessThanOrEqual(24 * 6 + 3);
    expect(collector.series(["service:s0"], "24h").series["service:s0"]).toEqual([]);
    expect(collector.series([`service:s${current}`], "15m").series[`service:s${current}`]!.length).toBeGreaterThan(0);
    expect(collector.totals.has("service:s0")).toBe(false);
  });
});
