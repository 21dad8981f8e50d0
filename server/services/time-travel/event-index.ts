import type { TimelineEvent } from "./reconstruct";

/** One instance's lifecycle events, oldest first: its readiness at a moment is a binary search away. */
export type InstanceHistory = { serviceId: string; events: Array<{ at: number; kind: string }> };

/** Kinds that say nothing of an instance's lifecycle. */
const notLifecycle = new Set(["instance.logs-dropped"]);

/** Appends, or inserts where its time belongs: transactions that overlapped publish out of order. */
function insertInOrder<T extends { at: number }>(list: T[], item: T): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.at > item.at) i--;
  list.splice(i, 0, item);
}

const isTopology = (kind: string) => kind.startsWith("service.") || kind.startsWith("dependency.");

/**
 * The events a reconstruction reads, indexed as they arrive so a scrub step touches only what
 * matters: the topology's changes (a few per service a day) in one list, and each instance's
 * lifecycle in its own (a flapping instance's thousands never cost other instances anything).
 * Invariant: every list is in time order.
 */
export class EventIndex {
  readonly topology: TimelineEvent[] = [];
  readonly instances = new Map<string, InstanceHistory>();
  /** Events per minute (ms of the minute's start), for the scrubber's ticks. */
  readonly perMinute = new Map<number, number>();

  static of(events: readonly TimelineEvent[]): EventIndex {
    const index = new EventIndex();
    for (const event of events) index.add(event);
    return index;
  }

  add(event: TimelineEvent): void {
    const minute = Math.floor(event.at / 60_000) * 60_000;
    this.perMinute.set(minute, (this.perMinute.get(minute) ?? 0) + 1);
    if (isTopology(event.kind)) insertInOrder(this.topology, event);
    else if (event.instanceId && event.serviceId && event.kind.startsWith("instance.") && !notLifecycle.has(event.kind)) {
      const history = this.instances.get(event.instanceId) ?? { serviceId: event.serviceId, events: [] };
      insertInOrder(history.events, { at: event.at, kind: event.kind });
      this.instances.set(event.instanceId, history);
    }
  }

  /**
   * Forgets what is older than `since`, but for each instance the last event before it: that is
   * the instance's state when the window begins. An instance with nothing since is forgotten: it
   * has been as it is now all along.
   */
  prune(since: number): void {
    let drop = 0;
    while (drop < this.topology.length && this.topology[drop]!.at < since) drop++;
    if (drop > 0) this.topology.splice(0, drop);
    for (const minute of this.perMinute.keys()) if (minute + 60_000 <= since) this.perMinute.delete(minute);
    for (const [id, history] of this.instances) {
      const events = history.events;
      if (events.at(-1)!.at < since) {
        this.instances.delete(id);
        continue;
      }
      let old = 0;
      while (old + 1 < events.length && events[old + 1]!.at < since) old++;
      if (old > 0) events.splice(0, old);
    }
  }
}
