/** A service's cumulative request counts at one moment (Gantry's totals since it started). */
export type TrafficTotals = { requests: number; errors: number; latency: readonly number[] };

type Snapshot = TrafficTotals & { at: number };

/**
 * Prometheus' range vectors in miniature: the cumulative totals of each series, snapshotted at each
 * evaluation, so "over the last N seconds" is now's totals minus those of N seconds ago — an exact
 * error share and latency histogram for the window, not an average of per-second figures.
 * Snapshots older than the longest window any rule asks for are dropped.
 */
export class TrafficWindows {
  private readonly snapshots = new Map<string, Snapshot[]>();

  record(key: string, at: number, totals: TrafficTotals, keepMs: number): void {
    const list = this.snapshots.get(key) ?? [];
    list.push({ at, requests: totals.requests, errors: totals.errors, latency: [...totals.latency] });
    // Keep one snapshot at or before the window's start: the baseline of the longest window.
    while (list.length > 2 && list[1]!.at <= at - keepMs) list.shift();
    this.snapshots.set(key, list);
  }

  /** Only series still reported stay (a deleted service's go). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.snapshots.keys()) if (!keys.has(key)) this.snapshots.delete(key);
  }

  /**
   * Requests, 5xx and latency buckets within the last `ms` (from the newest snapshot at or before
   * its start; a window reaching back before the first snapshot counts from that one). Undefined
   * with fewer than two snapshots. Totals that went down (counters reset) count from zero.
   */
  delta(key: string, ms: number): TrafficTotals | undefined {
    const list = this.snapshots.get(key);
    if (!list || list.length < 2) return undefined;
    const last = list[list.length - 1]!;
    let base = list[0]!;
    for (const snapshot of list) if (snapshot.at <= last.at - ms) base = snapshot;
    if (last.requests < base.requests) return last;
    return { requests: last.requests - base.requests, errors: last.errors - base.errors, latency: last.latency.map((n, i) => n - (base.latency[i] ?? 0)) };
  }

  held(): number {
    return [...this.snapshots.values()].reduce((n, list) => n + list.length, 0);
  }
}
