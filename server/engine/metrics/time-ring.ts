import type { MetricPoint } from "../../contracts/metrics";

/**
 * A ring of at most `capacity` points: the oldest is overwritten, memory never grows past it. The
 * backing array grows as points come, so a short-lived series costs only what it holds.
 */
export class TimeRing {
  private readonly points: MetricPoint[] = [];
  /** Where the next point goes once the ring is full. */
  private next = 0;

  constructor(readonly capacity: number) {}

  push(point: MetricPoint): void {
    if (this.points.length < this.capacity) this.points.push(point);
    else this.points[this.next] = point;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Points at or after `since`, oldest first. */
  since(since: number): MetricPoint[] {
    const n = this.points.length;
    const start = n < this.capacity ? 0 : this.next;
    const out: MetricPoint[] = [];
    for (let i = 0; i < n; i++) {
      const point = this.points[(start + i) % n]!;
      if (point.at >= since) out.push(point);
    }
    return out;
  }

  /** The point whose interval of `resolutionMs` holds `at` (binary search: points are oldest first). */
  pointAt(at: number, resolutionMs: number): MetricPoint | undefined {
    const n = this.points.length;
    const start = n < this.capacity ? 0 : this.next;
    let low = 0;
    let high = n - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const point = this.points[(start + mid) % n]!;
      if (point.at > at) high = mid - 1;
      else if (point.at + resolutionMs <= at) low = mid + 1;
      else return point;
    }
    return undefined;
  }

  get last(): MetricPoint | undefined {
    const n = this.points.length;
    return n === 0 ? undefined : this.points[(this.next - 1 + n) % n];
  }
}
