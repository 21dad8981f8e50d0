import type { SeriesKey } from "@/server/contracts/metrics";
import type { NumericField, Series } from "./series-math";

/** One line of a chart: a field of one series, under its own column name in the rows. */
export type Column = { column: string; key: SeriesKey; field: NumericField };

export type ChartRow = Record<string, number | null>;

/**
 * What a chart shows: time from `since` to `until`, cut into buckets of `bucketMs` (a whole
 * number of `resolutionMs`, the spacing of the points, and aligned to multiples of itself so a
 * bucket that is over never changes).
 */
export type ChartGrid = { since: number; until: number; bucketMs: number; resolutionMs: number };

/** At most one point per 2 px: more only costs the charting library time each second and draws nothing more. */
const PX_PER_POINT = 2;
/** A bucket with several points is drawn as two: its lowest and highest. */
const PX_PER_BUCKET = 2 * PX_PER_POINT;

/** The grid for a chart `plotPx` wide, ending at `until`: as many points as the pixels can show, never finer than the data. */
export function chartGrid(until: number, windowMs: number, resolutionMs: number, plotPx: number): ChartGrid {
  const buckets = Math.max(1, Math.floor(plotPx / PX_PER_BUCKET));
  const bucketMs = Math.max(1, Math.ceil(windowMs / buckets / resolutionMs)) * resolutionMs;
  return { since: until - windowMs, until, bucketMs, resolutionMs };
}

/**
 * How often a chart is worth redrawing: when its time axis has moved by a point's width, but at
 * least every 10 s, so the newest minute of a 24 h chart still shows while it happens (every 2 s
 * for 5 min in 400 px, 5 s for 15 min). Its caption's latest value follows every second anyway.
 */
export function redrawEveryMs(windowMs: number, plotPx: number): number {
  return Math.min(10_000, Math.ceil((windowMs * PX_PER_POINT) / Math.max(1, plotPx) / 1000) * 1000);
}

/** Index of the first point at or after `at` (points are in time order). */
function firstFrom(points: ReadonlyArray<{ at: number }>, at: number): number {
  let low = 0;
  let high = points.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (points[mid]!.at < at) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Recharts rows for the columns, one grid bucket at a time. A bucket of several points becomes
 * two rows holding each column's lowest and highest value in the order they happened, so a
 * one-second spike still shows at its height in a 24 h chart. Where a series has no point for a
 * whole bucket (Gantry was down, the instance not yet started) or no value (no requests, so no
 * latency), the column is null: with `connectNulls` off the line breaks there instead of drawing
 * a straight line across time it knows nothing about. Rows are all at bucket times, so columns
 * of different series line up.
 */
export function chartRows(series: Series, columns: readonly Column[], grid: ChartGrid): ChartRow[] {
  const { since, until, bucketMs, resolutionMs } = grid;
  const first = Math.floor(since / bucketMs);
  const last = Math.floor(until / bucketMs);
  const perBucket = bucketMs > resolutionMs ? 2 : 1;
  const rows: Array<ChartRow | undefined> = [];
  const put = (slot: number, column: string, value: number | null) => {
    const at = (first + Math.floor(slot / perBucket)) * bucketMs + (slot % perBucket) * (bucketMs / perBucket);
    (rows[slot] ??= { at: Math.min(until, Math.max(since, at)) })[column] = value;
  };

  for (const { column, key, field } of columns) {
    const points = series[key] ?? [];
    let i = firstFrom(points, since);
    let drawing = false;
    for (let bucket = first; bucket <= last; bucket++) {
      const end = (bucket + 1) * bucketMs;
      const slot = (bucket - first) * perBucket;
      let seen = false;
      let low = { value: Infinity, at: 0 };
      let high = { value: -Infinity, at: 0 };
      for (; i < points.length && points[i]!.at < end; i++) {
        seen = true;
        const value = points[i]![field];
        if (typeof value !== "number") continue;
        if (value < low.value) low = { value, at: points[i]!.at };
        if (value > high.value) high = { value, at: points[i]!.at };
      }
      if (!seen || low.value === Infinity) {
        // One null ends the line; the rest of a quiet stretch needs none.
        if (drawing) put(slot, column, null);
        drawing = false;
        continue;
      }
      drawing = true;
      const [earlier, later] = low.at <= high.at ? [low, high] : [high, low];
      put(slot, column, earlier.value);
      if (perBucket === 2) put(slot + 1, column, later.value);
    }
  }
  return rows.filter((row) => row !== undefined);
}
