import type { NumericField, Series } from "./series-math";

/**
 * The instances whose `field` peaked highest since `since`, at most `limit` of them, in the
 * order given (so each keeps its colour while the set holds). More lines than colours can't be
 * told apart, and each costs the chart a path every second; an instance that spikes joins the
 * busiest at once, and the Instances tab lists every one.
 */
export function busiestInstances(series: Series, instanceIds: readonly string[], field: NumericField, since: number, limit: number): string[] {
  if (instanceIds.length <= limit) return [...instanceIds];
  const peak = (id: string) => {
    let highest = -Infinity;
    for (const point of series[`instance:${id}`] ?? []) {
      const value = point[field];
      if (point.at >= since && typeof value === "number" && value > highest) highest = value;
    }
    return highest;
  };
  const ranked = instanceIds.map((id) => ({ id, peak: peak(id) })).sort((a, b) => b.peak - a.peak || a.id.localeCompare(b.id));
  const chosen = new Set(ranked.slice(0, limit).map((r) => r.id));
  return instanceIds.filter((id) => chosen.has(id));
}
