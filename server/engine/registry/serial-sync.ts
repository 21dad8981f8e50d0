import { exponentialBackoff } from "../../lib/backoff";
import type { Clock, Timer } from "../../lib/clock";
import type { Logger } from "../../lib/logger";

export type SerialSyncOptions = {
  clock: Clock;
  /** Logs with the mirror's context; `what` names it in messages ("etcd mirror"). */
  log: Logger;
  what: string;
  /** Brings the outside store in step with the catalog; throws when it could not. */
  apply(): Promise<void>;
  /** After a run that succeeded; `recovered` when runs before it had failed. */
  succeeded(recovered: boolean): void;
  /** After a run that failed, before the retry is scheduled (reset what the failure left unknown). */
  failed(err: unknown): void;
};

/**
 * How a mirror keeps an outside store in step: one run at a time, one more run when asked while
 * running (the catalog changed meanwhile), and after a failure a retry with backoff (0.5 s
 * doubling to 10 s) until a run succeeds or the mirror stops.
 */
export class SerialSync {
  private running = false;
  private again = false;
  private failures = 0;
  private retry: Timer | undefined;
  private stopped = false;

  constructor(private readonly options: SerialSyncOptions) {}

  get busy(): boolean {
    return this.running;
  }

  async request(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.options.apply();
      } while (this.again && !this.stopped);
      this.options.succeeded(this.failures > 0);
      this.failures = 0;
    } catch (err) {
      this.options.failed(err);
      const delay = exponentialBackoff(this.failures++, { initialMs: 500, maxMs: 10_000 });
      this.options.log.warn({ err: String(err), retryInMs: delay }, `${this.options.what} failed; retrying`);
      if (!this.stopped && !this.retry) {
        this.retry = this.options.clock.setTimeout(() => {
          this.retry = undefined;
          void this.request();
        }, delay);
      }
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) this.options.clock.clearTimeout(this.retry);
  }
}
