import type { Clock, Timer } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import type { EngineStore, InstanceChanges } from "../engine-store";
import type { EngineEvent, InstanceRecord } from "../types";

const RETRY_MS = 1000;
/** Longest a write waits for the instances being started to serve (all of it, while one never turns ready). */
const DEFER_MAX_MS = 1000;

/**
 * Persists instance state and engine events in the background, in order. Saves of one instance
 * are coalesced (the latest wins), so a burst of transitions costs one write. A failed write is
 * retried; nothing is dropped. While `deferWhile` holds (an instance is on its way to serving),
 * writes wait, up to DEFER_MAX_MS: an embedded database's write holds the main thread, and a
 * new instance's port opening meanwhile would go unnoticed until it ends. A new process (another
 * `runtime`) is written at once all the same: a Gantry killed before that write would not know the
 * process for its own, and would start a second one beside it, with nobody to stop the first.
 */
export class StateWriter {
  private records = new Map<string, InstanceRecord | "removed">();
  private events: EngineEvent[] = [];
  private flushing: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];
  private busy: () => boolean = () => false;
  /** Set while writes wait for `busy` to clear; it flushes them if it doesn't in time. */
  private deferral: Timer | undefined;
  /** Each instance's runtime as last handed over (JSON), to tell a new process. */
  private runtimes = new Map<string, string>();
  /** Something waiting must not wait for `busy`. */
  private urgent = false;

  constructor(
    private readonly store: EngineStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  save(record: InstanceRecord): void {
    this.records.set(record.id, record);
    const runtime = JSON.stringify(record.runtime);
    if (record.runtime && this.runtimes.get(record.id) !== runtime) this.urgent = true;
    this.runtimes.set(record.id, runtime);
    this.schedule();
  }

  remove(id: string): void {
    this.runtimes.delete(id);
    this.records.set(id, "removed");
    this.schedule();
  }

  event(event: EngineEvent): void {
    this.events.push(event);
    this.schedule();
  }

  /** Writes wait while `busy` holds; each save, removal or event checks it again. */
  deferWhile(busy: () => boolean): void {
    this.busy = busy;
  }

  /** Resolves when everything handed over so far is written (writes waiting on `deferWhile` go now). */
  drained(): Promise<void> {
    if (!this.flushing && this.records.size === 0 && this.events.length === 0) return Promise.resolve();
    if (this.deferral) this.schedule("now");
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** "soon": once `busy` clears (or DEFER_MAX_MS); "now": at the next turn; "retry": after a failure. */
  private schedule(when: "soon" | "now" | "retry" = "soon"): void {
    if (this.flushing) return;
    if (when === "soon" && !this.urgent && this.busy()) {
      this.deferral ??= this.clock.setTimeout(() => {
        this.deferral = undefined;
        this.schedule("now");
      }, DEFER_MAX_MS);
      return;
    }
    if (this.deferral) this.clock.clearTimeout(this.deferral);
    this.deferral = undefined;
    // Batch whatever else happens in this tick; after a failure, give the database a moment.
    const wait = new Promise<void>((resolve) => (when === "retry" ? this.clock.setTimeout(resolve, RETRY_MS) : setImmediate(resolve)));
    this.flushing = wait.then(() => this.flush());
  }

  private async flush(): Promise<void> {
    const records = this.records;
    const events = this.events;
    this.urgent = false;
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
    if (retry) this.schedule("retry");
    else if (this.records.size > 0 || this.events.length > 0) this.schedule();
    else {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
  }
}
