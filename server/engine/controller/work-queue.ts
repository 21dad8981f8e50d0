import { exponentialBackoff, type BackoffOptions } from "../../lib/backoff";
import type { Clock, Timer } from "../../lib/clock";
import type { Logger } from "../../lib/logger";

export type WorkQueueOptions = {
  name: string;
  clock: Clock;
  log: Logger;
  concurrency?: number;
  /** Retry delays for a key whose handler keeps failing. */
  retry?: BackoffOptions;
};

/**
 * A keyed work queue in the manner of client-go's: a key is queued at most once, never handled by
 * two workers at once (adding it while it runs re-queues it for afterwards), and a failing key is
 * retried with per-key exponential backoff while the others go on.
 */
export class WorkQueue<K> {
  private readonly queue: K[] = [];
  private readonly queued = new Set<K>();
  private readonly running = new Set<K>();
  private readonly dirty = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly retries = new Map<K, Timer>();
  private readonly concurrency: number;
  private readonly retry: BackoffOptions;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly handle: (key: K) => Promise<void>,
    private readonly options: WorkQueueOptions,
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.retry = options.retry ?? { initialMs: 100, maxMs: 30_000 };
  }

  add(key: K): void {
    if (this.stopped) return;
    if (this.running.has(key)) this.dirty.add(key);
    else if (!this.queued.has(key)) {
      this.queued.add(key);
      this.queue.push(key);
      this.pump();
    }
  }

  /** Retries scheduled for a key, e.g. after repeated failures. */
  failureCount(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves once nothing is queued or running (retries waiting on a timer don't count). */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work; resolves when the handlers already running have finished. */
  async shutDown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries.values()) this.options.clock.clearTimeout(timer);
    this.retries.clear();
    this.queue.length = 0;
    this.queued.clear();
    await this.idle();
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.running.add(key);
      void this.run(key);
    }
    if (this.running.size === 0 && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async run(key: K): Promise<void> {
    try {
      await this.handle(key);
      this.failures.delete(key);
    } catch (err) {
      const attempt = this.failures.get(key) ?? 0;
      this.failures.set(key, attempt + 1);
      const delayMs = exponentialBackoff(attempt, this.retry);
      this.options.log.warn({ err, queue: this.options.name, key, attempt: attempt + 1, retryInMs: delayMs }, "work item failed; will retry");
      if (!this.stopped && !this.retries.has(key)) {
        this.retries.set(
          key,
          this.options.clock.setTimeout(() => {
            this.retries.delete(key);
            this.add(key);
          }, delayMs),
        );
      }
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
