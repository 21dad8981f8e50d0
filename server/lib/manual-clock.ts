import type { Clock, Timer } from "./clock";

type Pending = { at: number; seq: number; fn: () => void };

/** A clock for tests: time moves only when the test calls advance(). */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<number, Pending>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const seq = ++this.seq;
    this.timers.set(seq, { at: this.current + Math.max(0, ms), seq, fn });
    return seq as unknown as Timer;
  }

  clearTimeout(timer: Timer): void {
    this.timers.delete(timer as unknown as number);
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward without firing anything, as a blocked event loop would experience it. */
  jump(ms: number): void {
    this.current += ms;
  }

  /** Moves time forward, firing due timers in order and letting promise chains settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const next = [...this.timers.values()].filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.delete(next.seq);
      this.current = Math.max(this.current, next.at);
      next.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }
}

/** Lets queued promise callbacks (and the I/O they chain) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
