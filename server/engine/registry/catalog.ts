import { isDeepStrictEqual } from "node:util";
import type { CatalogEntry } from "../../contracts/catalog";
import { Feed } from "../../lib/feed";
import type { Logger } from "../../lib/logger";

export type CatalogEntryInput = Omit<CatalogEntry, "createIndex" | "modifyIndex">;
export type CatalogChange = { kind: "upserted"; entry: CatalogEntry } | { kind: "removed"; entry: CatalogEntry };

type Waiter = { serviceName: string | null; since: number; wake(): void };

/**
 * The service catalog: every endpoint with its address, tags, meta and checks. Each change bumps
 * a global index (and the service's own), and wakes blocking queries waiting past the old one.
 */
export class Catalog {
  /**
   * Starts from the wall clock, so the index keeps growing across Gantry restarts: a client still
   * holding an index from before a restart gets fresh data instead of blocking on an old number.
   */
  private index = Date.now();
  private readonly entries = new Map<string, CatalogEntry>();
  private readonly serviceIndexes = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();
  private readonly changes: Feed<CatalogChange>;

  constructor(log: Logger) {
    this.changes = new Feed("catalog changes", log);
  }

  /** Adds or replaces an entry; nothing happens (no index bump) if it is unchanged. */
  upsert(input: CatalogEntryInput): void {
    const existing = this.entries.get(input.id);
    if (existing) {
      const { createIndex: _c, modifyIndex: _m, ...current } = existing;
      if (isDeepStrictEqual(current, input)) return;
    }
    const index = this.bump(input.serviceName);
    if (existing && existing.serviceName !== input.serviceName) this.serviceIndexes.set(existing.serviceName, index);
    const entry: CatalogEntry = { ...input, createIndex: existing?.createIndex ?? index, modifyIndex: index };
    this.entries.set(entry.id, entry);
    this.changed({ kind: "upserted", entry });
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.bump(entry.serviceName);
    this.changed({ kind: "removed", entry });
  }

  get(id: string): CatalogEntry | undefined {
    return this.entries.get(id);
  }

  /** All entries, or a service's, in a stable order. */
  list(serviceName?: string): CatalogEntry[] {
    const all = [...this.entries.values()].filter((e) => serviceName === undefined || e.serviceName === serviceName);
    return all.sort((a, b) => a.serviceName.localeCompare(b.serviceName) || a.id.localeCompare(b.id));
  }

  /** Service name → the union of its entries' tags. */
  services(): Map<string, string[]> {
    const services = new Map<string, Set<string>>();
    for (const entry of this.entries.values()) {
      const tags = services.get(entry.serviceName) ?? new Set<string>();
      for (const tag of entry.tags) tags.add(tag);
      services.set(entry.serviceName, tags);
    }
    return new Map([...services].sort(([a], [b]) => a.localeCompare(b)).map(([name, tags]) => [name, [...tags].sort()]));
  }

  /** The index a query sees: the service's last change, or the catalog's. */
  indexOf(serviceName: string | null = null): number {
    return serviceName === null ? this.index : (this.serviceIndexes.get(serviceName) ?? this.index);
  }

  /** Resolves once the index (of a service, or overall) moves past `since`, or after `timeoutMs`. */
  wait(serviceName: string | null, since: number, timeoutMs: number): Promise<void> {
    if (this.indexOf(serviceName) > since) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        serviceName,
        since,
        wake: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  subscribe(listener: (change: CatalogChange) => void): () => void {
    return this.changes.subscribe(listener);
  }

  private bump(serviceName: string): number {
    this.index++;
    this.serviceIndexes.set(serviceName, this.index);
    return this.index;
  }

  private changed(change: CatalogChange): void {
    for (const waiter of [...this.waiters]) if (this.indexOf(waiter.serviceName) > waiter.since) waiter.wake();
    this.changes.publish(change);
  }
}
