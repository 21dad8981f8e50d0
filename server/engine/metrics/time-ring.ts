import type { MetricPoint } from "../../contracts/metrics";

/** A fixed-size ring of points: the oldest is overwritten, memory never grows. */
export class TimeRing {
  private readonly points: Array<MetricPoint | undefined>;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.points = new Array(capacity);
  }

  push(point: MetricPoint): void {
    this.points[this.next] = point;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.capacity, this.size + 1);
  }

  /** Points at or after `since`, oldest first. */
  since(since: number): MetricPoint[] {
    const out: MetricPoint[] = [];
    for (let i = 0; i < this.size; i++) {
      const point = this.points[(this.next - this.size + i + this.capacity) % this.capacity]!;
      if (point.at >= since) out.push(point);
    }
    return out;
  }

  get last(): MetricPoint | undefined {
    return this.size === 0 ? undefined : this.points[(this.next - 1 + this.capacity) % this.capacity];
  }
}
