import type { GantryEvent } from "../../contracts/event";
import { TIMELINE_SPAN_MS } from "../../contracts/timeline";
import type { Clock } from "../../lib/clock";
import type { ChangeFeed } from "../../store/changes";
import type { Prisma } from "../../store/database";
import { EventIndex } from "./event-index";
import type { TimelineEvent } from "./reconstruct";

/** Past this many rows the first load stops: a runaway event source must not stall or swell Gantry. */
export const MAX_LOADED_EVENTS = 500_000;

const slim = (event: Pick<GantryEvent, "kind" | "serviceId" | "serviceName" | "instanceId" | "data"> & { at: number }): TimelineEvent => ({
  at: event.at,
  kind: event.kind,
  serviceId: event.serviceId,
  serviceName: event.serviceName,
  instanceId: event.instanceId,
  data: event.data,
});

/**
 * The last 24 hours of events, indexed in memory so a scrub step reads no rows: loaded once (by
 * the `at` index) on first use, then kept current from the change feed, which publishes every
 * event after its transaction commits. Messages are left out (the change list reads them).
 */
export class EventWindow {
  private index = new EventIndex();
  private loading: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private prunedAt = 0;

  constructor(
    private readonly prisma: Prisma,
    private readonly feed: ChangeFeed,
    private readonly clock: Clock,
  ) {}

  async read(): Promise<EventIndex> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.stop();
      this.loading = undefined; // the next scrub tries again
      throw err;
    });
    await this.loading;
    this.index.prune(this.clock.now() - TIMELINE_SPAN_MS);
    return this.index;
  }

  /** Pruned as events come too (at most once a minute), so a window nobody reads any more stays a day long. */
  private add(event: TimelineEvent): void {
    this.index.add(event);
    const now = this.clock.now();
    if (now - this.prunedAt < 60_000) return;
    this.prunedAt = now;
    this.index.prune(now - TIMELINE_SPAN_MS);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async load(): Promise<void> {
    // Listen first: an event committed while the rows load is in one or the other, never neither.
    let arrived: Array<TimelineEvent & { id: string }> | undefined = [];
    this.unsubscribe = this.feed.subscribe((change) => {
      if (change.type !== "event") return;
      const event = slim({ ...change.event, at: Date.parse(change.event.at) });
      if (arrived) arrived.push({ ...event, id: change.event.id });
      else this.add(event);
    });
    const rows = await this.prisma.event.findMany({
      where: { at: { gte: new Date(this.clock.now() - TIMELINE_SPAN_MS) } },
      orderBy: { id: "asc" },
      take: MAX_LOADED_EVENTS,
      select: { id: true, at: true, kind: true, serviceId: true, serviceName: true, instanceId: true, data: true },
    });
    const index = EventIndex.of(rows.map((row) => slim({ ...row, at: row.at.getTime(), data: row.data as Record<string, unknown> | null })));
    const loaded = new Set(rows.map((row) => String(row.id)));
    for (const event of arrived) if (!loaded.has(event.id)) index.add(event);
    arrived = undefined;
    this.index = index;
  }
}
