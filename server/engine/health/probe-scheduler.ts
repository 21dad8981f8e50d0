import type { Clock, Timer } from "../../lib/clock";
import type { Logger } from "../../lib/logger";

/** Something run periodically by the scheduler. */
export interface Scheduled {
  readonly periodMs: number;
  /** True while the previous run has not finished: that run's turn is skipped, never doubled. */
  readonly busy: boolean;
  /** Set once the work is no longer wanted; it is then dropped lazily. */
  readonly stopped: boolean;
  run(): void;
}

type Entry = { at: number; seq: number; work: Scheduled };

/**
 * One timer for every probe: a min-heap of due times armed on the earliest. Each work keeps a
 * fixed cadence from its first due time (no drift from how long runs take), and turns missed
 * while the event loop was blocked are skipped rather than run in a burst.
 */
export class ProbeScheduler {
  private readonly heap: Entry[] = [];
  private timer: Timer | undefined;
  private armedAt = Infinity;
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  add(work: Scheduled, firstAt: number): void {
    this.push({ at: firstAt, seq: ++this.seq, work });
    this.arm();
  }

  size(): number {
    return this.heap.length;
  }

  private fire = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const entry = this.pop()!;
      if (entry.work.stopped) continue;
      if (!entry.work.busy) this.runOne(entry.work);
      const period = entry.work.periodMs;
      const missed = Math.floor((now - entry.at) / period);
      this.push({ at: entry.at + (missed + 1) * period, seq: entry.seq, work: entry.work });
    }
    this.arm();
  };

  /** A run that throws is logged and keeps its turns; it must not stop every other probe's. */
  private runOne(work: Scheduled): void {
    try {
      work.run();
    } catch (err) {
      this.log.error({ err }, "a scheduled probe run failed; it keeps its turns");
    }
  }

  private arm(): void {
    const next = this.heap[0];
    if (!next || next.at >= this.armedAt) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.armedAt = next.at;
    this.timer = this.clock.setTimeout(this.fire, Math.max(0, next.at - this.clock.now()));
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || !last) return top;
    heap[0] = last;
    for (let i = 0; ; ) {
      const [left, right] = [2 * i + 1, 2 * i + 2];
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
    return top;
  }
}

const before = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
