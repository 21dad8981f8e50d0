import type { ContainerStats } from "dockerode";
import { describe, expect, it } from "vitest";
import { usageFromStats } from "./docker-stats";

const stats = (totalNs: number, memory: { usage: number; stats: Record<string, number> }) => ({ cpu_stats: { cpu_usage: { total_usage: totalNs } }, memory_stats: memory }) as unknown as ContainerStats;

describe("container usage from the daemon's stats", () => {
  it("turns CPU nanoseconds between two readings into percent of one core", () => {
    const first = usageFromStats(stats(1e9, { usage: 0, stats: {} }), undefined, 10_000);
    expect(first.usage).toMatchObject({ cpuPercent: 0, cpuSeconds: 1 });
    const second = usageFromStats(stats(1.5e9, { usage: 0, stats: {} }), first.reading, 11_000);
    expect(second.usage).toMatchObject({ cpuPercent: 50, cpuSeconds: 1.5 });
  });

  it("counts memory as docker stats does: usage less inactive page cache, cgroup v1 or v2", () => {
    const v1 = usageFromStats(stats(0, { usage: 100e6, stats: { total_inactive_file: 30e6, inactive_file: 1e6 } }), undefined, 0);
    expect(v1.usage.memoryBytes).toBe(70e6);
    const v2 = usageFromStats(stats(0, { usage: 100e6, stats: { inactive_file: 40e6 } }), undefined, 0);
    expect(v2.usage.memoryBytes).toBe(60e6);
  });
});
