import { latencyBuckets } from "../proxy/types";

/**
 * The q-quantile (in ms) of requests counted per latency bucket, interpolated linearly inside the
 * bucket as Prometheus's histogram_quantile does; null without requests.
 */
export function quantileMs(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = buckets[i]!;
    if (seen + count >= rank && count > 0) {
      const lower = i === 0 ? 0 : latencyBuckets[i - 1]!;
      // Past the last bound there is no upper edge: report the last bound.
      const upper = i < latencyBuckets.length ? latencyBuckets[i]! : latencyBuckets[latencyBuckets.length - 1]!;
      return (lower + (upper - lower) * ((rank - seen) / count)) * 1000;
    }
    seen += count;
  }
  return latencyBuckets[latencyBuckets.length - 1]! * 1000;
}
