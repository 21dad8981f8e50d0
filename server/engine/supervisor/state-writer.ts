import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import type { EngineStore, InstanceChanges } from "../ports";
import type { EngineEvent, InstanceRecord } from "../types";

const RETRY_MS = 1000;

/**
 * Persists instance state and engine events in the background, in order. Saves of one instance
 * are coalesced (the latest wins), so a burst of transitions costs one write. A failed write is
 * retried; nothing is dropped.
 */
export class StateWriter {
  private records = new Map<string, InstanceRecord | "removed">();
  private events: EngineEvent[] = [];
  private flushing: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly store: EngineStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  save(record: InstanceRecord): void {
    this.records.set(record.id, record);
    this.schedule();
  }

  remove(id: string): void {
    this.records.set(id, "removed");
    this.schedule();
  }

  event(event: EngineEvent): void {
    this.events.push(event);
    this.schedule();
  }

  /** Resolves when everything handed over so far is written. */
  drained(): Promise<void> {
    if (!this.flushing && this.records.size === 0 && this.events.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(retry = false): void {
    if (this.flushing) return;
    // Batch whatever else happens in this tick; after a failure, give the database a moment.
    const wait = new Promise<void>((resolve) => (retry ? this.clock.setTimeout(resolve, RETRY_MS) : setImmediate(resolve)));
    this.flushing = wait.then(() => this.flush());
  }

  private async flush(): Promise<void> {
    const records = this.records;
    const events = this.events;
    this.records = new Map();
    this.events = [];
    const changes: InstanceChanges = { saves: [], removals: [], events };
    for (const [id, record] of records) record === "removed" ? changes.removals.push(id) : changes.saves.push(record);
    let retry = false;
    try {
      await this.store.applyInstanceChanges(changes);
    } catch (err) {
      this.log.error({ err, saves: changes.saves.length, events: events.length }, "persisting instance state failed; retrying");
      // Put the batch back in front of anything newer.
      for (const [id, record] of this.records) records.set(id, record);
      this.records = records;
      this.events = [...events, ...this.events];
      retry = true;
    }
    this.flushing = undefined;
    if (retry) this.schedule(true);
    else if (this.records.size > 0 || this.events.length > 0) this.schedule();
    else {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
  }
}
