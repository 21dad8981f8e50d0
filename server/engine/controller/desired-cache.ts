import type { DesiredService } from "../types";

/**
 * Services' desired state as last read from the store, like client-go's listers: the worker reads
 * it here instead of the store on every sync. An instance's transitions (starting, running,
 * ready…) re-sync its service several times in a scale-up and leave its desired state as it was;
 * with an embedded database each read would hold the main thread while the new instance waits
 * to be noticed.
 *
 * Invariant: an entry is dropped whenever the store may hold something newer for it (the engine
 * was told the service changed, or a resync), so a read that started before a change is never
 * served after it.
 */
export class DesiredCache {
  private readonly entries = new Map<string, Promise<DesiredService | undefined>>();

  constructor(private readonly read: (serviceId: string) => Promise<DesiredService | undefined>) {}

  get(serviceId: string): Promise<DesiredService | undefined> {
    const cached = this.entries.get(serviceId);
    if (cached) return cached;
    const reading = this.read(serviceId);
    this.entries.set(serviceId, reading);
    // A failed read is not kept: the next sync (the queue retries it) reads again.
    reading.catch(() => this.entries.get(serviceId) === reading && this.entries.delete(serviceId));
    return reading;
  }

  /** The service's desired state may have changed (or it is gone): read it again next time. */
  invalidate(serviceId: string): void {
    this.entries.delete(serviceId);
  }

  invalidateAll(): void {
    this.entries.clear();
  }
}
