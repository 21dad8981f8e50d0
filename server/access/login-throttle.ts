import type { Clock } from "../lib/clock";

export type ThrottleOptions = {
  /** Failures allowed before any delay. */
  freeFailures: number;
  /** The first delay; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A key with no failure this long starts over. */
  forgetAfterMs: number;
  /** Bounds memory under a flood of made-up names or addresses: the stalest keys go first. */
  maxKeys: number;
};

type Entry = { failures: number; blockedUntil: number; lastFailure: number };

/**
 * Growing delays after repeated failed sign-ins, per key (an account, a client address). While a
 * key is blocked, attempts are refused without checking the password, so guessing is slowed
 * whatever the guess.
 */
export class LoginThrottle {
  // Insertion order is staleness order: a failure moves its key to the end.
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly options: ThrottleOptions,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string): number {
    const entry = this.fresh(key);
    return entry ? Math.max(0, entry.blockedUntil - this.clock.now()) : 0;
  }

  failed(key: string): void {
    const now = this.clock.now();
    const failures = (this.fresh(key)?.failures ?? 0) + 1;
    const over = failures - this.options.freeFailures;
    const delay = over > 0 ? Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(over - 1, 30)) : 0;
    this.entries.delete(key);
    this.entries.set(key, { failures, blockedUntil: now + delay, lastFailure: now });
    for (const stalest of this.entries.keys()) {
      if (this.entries.size <= this.options.maxKeys) break;
      this.entries.delete(stalest);
    }
  }

  succeeded(key: string): void {
    this.entries.delete(key);
  }

  size(): number {
    return this.entries.size;
  }

  private fresh(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && this.clock.now() - entry.lastFailure > this.options.forgetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
