export type BackoffOptions = { initialMs: number; maxMs: number };

/** initial × 2^attempt, capped: attempt 0 → initial, 1 → 2 × initial, … */
export function exponentialBackoff(attempt: number, { initialMs, maxMs }: BackoffOptions): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 52));
}
