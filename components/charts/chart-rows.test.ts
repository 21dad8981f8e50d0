import { describe, expect, it } from "vitest";
import type { MetricPoint } from "@/server/contracts/metrics";
import { chartGrid, chartRows, redrawEveryMs, type ChartRow, type Column } from "./chart-rows";

const SECOND = 1000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A whole day, so every bucket size used here divides it. */
const t0 = 1_700_006_400_000;

const seconds = (count: number, value: (i: number) => number | null, field: keyof MetricPoint = "rps"): MetricPoint[] =>
  Array.from({ length: count }, (_, i) => ({ at: t0 + i * SECOND, [field]: value(i) }));
const minutes = (indices: number[], value: (i: number) => number | null, field: keyof MetricPoint = "rps"): MetricPoint[] =>
  indices.map((i) => ({ at: t0 + i * MINUTE, [field]: value(i) }));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const rps: Column[] = [{ column: "rps", key: "service:a", field: "rps" }];
const values = (rows: ChartRow[], column: string) => rows.map((r) => r[column]);

describe("chart rows", () => {
  it("gives a 400 px chart at most one point per 2 px, however many seconds there are", () => {
    const series = { "service:a": seconds(900, (i) => i % 7) };
    const grid = chartGrid(t0 + 899 * SECOND, 15 * MINUTE, SECOND, 400);
    expect(chartRows(series, rps, grid).length).toBeLessThanOrEqual(200);
  });

  it("shows a one-minute spike at its full height in a 24 h chart, and the dip beside it", () => {
    const day = range(0, 1440);
    const series = { "service:a": minutes(day, (i) => (i === 700 ? 50 : i === 900 ? 0 : 1)) };
    const rows = chartRows(series, rps, chartGrid(t0 + 1439 * MINUTE, 24 * HOUR, MINUTE, 400));
    expect(rows.length).toBeLessThanOrEqual(200);
    expect(Math.max(...(values(rows, "rps") as number[]))).toBe(50);
    expect(Math.min(...(values(rows, "rps") as number[]))).toBe(0);
  });

  it("draws a bucket's low and high in the order they happened", () => {
    const rise = { "service:a": seconds(10, (i) => i) };
    const fall = { "service:a": seconds(10, (i) => 9 - i) };
    const grid = { since: t0, until: t0 + 9 * SECOND, bucketMs: 10 * SECOND, resolutionMs: SECOND };
    expect(values(chartRows(rise, rps, grid), "rps")).toEqual([0, 9]);
    expect(values(chartRows(fall, rps, grid), "rps")).toEqual([9, 0]);
  });

  it("breaks the line over minutes with no points (Gantry was down) instead of joining them", () => {
    const series = { "service:a": minutes([...range(0, 10), ...range(30, 60)], () => 5) };
    const rows = chartRows(series, rps, chartGrid(t0 + 59 * MINUTE, HOUR, MINUTE, 400));
    const gap = rows.findIndex((r) => r.rps === null);
    expect(rows[gap - 1]!.at).toBe(t0 + 9 * MINUTE);
    expect(rows[gap + 1]!.at).toBe(t0 + 30 * MINUTE);
    expect(values(rows, "rps").filter((v) => v === null)).toHaveLength(1);
  });

  it("never breaks a line between minutes that are all there, even where a bucket would be narrower than a minute", () => {
    const series = { "service:a": minutes(range(0, 60), () => 5) };
    const grid = chartGrid(t0 + 59 * MINUTE, HOUR, MINUTE, 800);
    expect(grid.bucketMs).toBe(MINUTE);
    expect(values(chartRows(series, rps, grid), "rps")).toEqual(Array(60).fill(5));
  });

  it("breaks the latency line where there were no requests, so no latency", () => {
    const series = { "service:a": seconds(30, (i) => (i >= 10 && i < 20 ? null : 12), "p95") };
    const rows = chartRows(series, [{ column: "p95", key: "service:a", field: "p95" }], { since: t0, until: t0 + 29 * SECOND, bucketMs: SECOND, resolutionMs: SECOND });
    expect(values(rows, "p95")).toEqual([...Array(10).fill(12), null, ...Array(10).fill(12)]);
  });

  it("lines up the columns of different series in the same rows", () => {
    const series = { "instance:x": seconds(60, () => 1, "cpuPercent"), "instance:y": seconds(60, () => 2, "cpuPercent").slice(20) };
    const columns: Column[] = [
      { column: "x", key: "instance:x", field: "cpuPercent" },
      { column: "y", key: "instance:y", field: "cpuPercent" },
    ];
    const rows = chartRows(series, columns, { since: t0, until: t0 + 59 * SECOND, bucketMs: 10 * SECOND, resolutionMs: SECOND });
    expect(rows.map((r) => Object.keys(r).sort())).toEqual([...Array(4).fill(["at", "x"]), ...Array(8).fill(["at", "x", "y"])]);
  });

  it("keeps the buckets that are over as they were while the chart moves on, so the line doesn't shimmer", () => {
    const series = { "service:a": seconds(600, (i) => Math.sin(i) * 10) };
    const at = (until: number) => chartRows(series, rps, chartGrid(until, 5 * MINUTE, SECOND, 400));
    const before = at(t0 + 598 * SECOND);
    const after = at(t0 + 599 * SECOND);
    expect(after.slice(2, -2)).toEqual(before.slice(2, -2));
  });

  it("redraws a chart when its axis has moved by a point, yet at least every 10 s", () => {
    expect(redrawEveryMs(5 * MINUTE, 400)).toBe(2000);
    expect(redrawEveryMs(15 * MINUTE, 400)).toBe(5000);
    expect(redrawEveryMs(24 * HOUR, 400)).toBe(10_000);
    expect(redrawEveryMs(5 * MINUTE, 1200)).toBe(1000);
  });
});
