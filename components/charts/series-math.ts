import type { MetricPoint, SeriesKey } from "@/server/contracts/metrics";
import type { MetricsDelta } from "@/server/contracts/realtime";

export type Series = Record<SeriesKey, MetricPoint[]>;
export type NumericField = Exclude<keyof MetricPoint, "at">;

const SECONDS_KEPT_MS = 15 * 60_000;
const MINUTE = 60_000;

/** Adds a second's points to 1 s series, keeping the last 15 minutes (what the server keeps at 1 s). */
export function appendSeconds(state: Series, delta: MetricsDelta): Series {
  const since = delta.at - SECONDS_KEPT_MS;
  const next: Series = { ...state };
  for (const [key, point] of Object.entries(delta.points)) {
    const points = next[key] ?? [];
    const start = points.findIndex((p) => p.at >= since);
    next[key] = [...(start > 0 ? points.slice(start) : start === -1 ? [] : points), point];
  }
  return next;
}

/**
 * Averages 1 s points (in time order) into 1 min points, nulls skipped, like the server's rollups;
 * used for the minutes the server has not rolled up yet. One pass: it runs every second.
 */
export function foldIntoMinutes(points: readonly MetricPoint[]): MetricPoint[] {
  const minutes: MetricPoint[] = [];
  let i = 0;
  while (i < points.length) {
    const minute = Math.floor(points[i]!.at / MINUTE) * MINUTE;
    const sums = new Map<string, { total: number; count: number }>();
    for (; i < points.length && points[i]!.at < minute + MINUTE; i++) {
      const second = points[i] as Record<string, number | null>;
      for (const field in second) {
        if (field === "at") continue;
        let sum = sums.get(field);
        if (!sum) sums.set(field, (sum = { total: 0, count: 0 }));
        const value = second[field];
        if (typeof value !== "number") continue;
        sum.total += value;
        sum.count++;
      }
    }
    const point: Record<string, number | null> = { at: minute };
    for (const [field, { total, count }] of sums) point[field] = count > 0 ? total / count : null;
    minutes.push(point as MetricPoint);
  }
  return minutes;
}

/** Minute points from the server, continued with the live seconds that came after them. */
export function joinMinutes(minutes: readonly MetricPoint[], seconds: readonly MetricPoint[]): MetricPoint[] {
  const last = minutes.at(-1)?.at ?? -Infinity;
  return [...minutes, ...foldIntoMinutes(seconds.filter((p) => p.at >= last + MINUTE))];
}
