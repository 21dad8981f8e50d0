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
 * Averages 1 s points into 1 min points (nulls skipped), like the server's rollups; used for the
 * minute that is still going on, which the server has not rolled up yet.
 */
export function foldIntoMinutes(points: readonly MetricPoint[]): MetricPoint[] {
  const minutes = new Map<number, MetricPoint[]>();
  for (const p of points) {
    const minute = Math.floor(p.at / MINUTE) * MINUTE;
    minutes.set(minute, [...(minutes.get(minute) ?? []), p]);
  }
  return [...minutes].map(([at, group]) => {
    const point: MetricPoint = { at };
    const fields = new Set(group.flatMap((p) => Object.keys(p))) as Set<keyof MetricPoint>;
    for (const field of fields) {
      if (field === "at") continue;
      const values = group.map((p) => p[field]).filter((v): v is number => typeof v === "number");
      if (values.length > 0) (point as Record<string, number | null>)[field] = values.reduce((a, b) => a + b, 0) / values.length;
      else (point as Record<string, number | null>)[field] = null;
    }
    return point;
  });
}

/** Minute points from the server, continued with the live seconds that came after them. */
export function joinMinutes(minutes: readonly MetricPoint[], seconds: readonly MetricPoint[]): MetricPoint[] {
  const last = minutes.at(-1)?.at ?? -Infinity;
  return [...minutes, ...foldIntoMinutes(seconds.filter((p) => p.at >= last + MINUTE))];
}

export type Column = { column: string; key: SeriesKey; field: NumericField };

/** Recharts rows: one per timestamp from `since`, one column per (series, field); null where missing. */
export function rowsOf(series: Series, columns: readonly Column[], since: number): Array<Record<string, number | null>> {
  const rows = new Map<number, Record<string, number | null>>();
  for (const { column, key, field } of columns) {
    for (const point of series[key] ?? []) {
      if (point.at < since) continue;
      let row = rows.get(point.at);
      if (!row) rows.set(point.at, (row = { at: point.at }));
      row[column] = point[field] ?? null;
    }
  }
  return [...rows.values()].sort((a, b) => a.at! - b.at!);
}
