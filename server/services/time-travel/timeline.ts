import { isDeepStrictEqual } from "node:util";
import type { GantryEvent } from "../../contracts/event";
import type { Instance } from "../../contracts/instance";
import type { MetricPoint } from "../../contracts/metrics";
import {
  CHANGE_EVENTS_PER_SERVICE,
  TIMELINE_SPAN_MS,
  timelineAtInput,
  timelineChangesInput,
  type PastService,
  type PastTraffic,
  type ServiceChange,
  type TimelineAtInput,
  type TimelineChanges,
  type TimelineChangesInput,
  type TimelineMarks,
  type TimelineSnapshot,
} from "../../contracts/timeline";
import type { Protocol } from "../../contracts/traffic";
import { AppError } from "../../lib/app-error";
import type { Clock } from "../../lib/clock";
import type { ChangeFeed } from "../../store/changes";
import type { Prisma } from "../../store/database";
import { toEvent } from "../../store/records";
import { EventWindow } from "./event-window";
import { reconstruct, type CurrentTopology } from "./reconstruct";

/** At most this many events are read for one "what changed" answer. */
const MAX_CHANGE_EVENTS = 5_000;

export type TimelineDeps = {
  prisma: Prisma;
  feed: ChangeFeed;
  clock: Clock;
  /** What runs now and the metric series: the engine's. */
  engine: { instances(): Instance[]; metrics: { pointAt(key: string, at: number): MetricPoint | undefined } };
};

const protocolOf = (traffic: unknown): Protocol => ((traffic as { protocol?: Protocol } | null)?.protocol ?? "http");

const trafficOf = (point: MetricPoint | undefined): PastTraffic | null =>
  point?.rps === undefined ? null : { rps: point.rps, errorRate: point.errorRate ?? 0, p95: point.p95 ?? null };

/** Fields "what changed" compares (traffic moves all the time: it isn't a change). */
const stateOf = (s: PastService | undefined) => s && { wanted: s.wanted, ready: s.ready, revision: s.revision, health: s.health };

export type Timeline = ReturnType<typeof createTimeline>;

/** Time travel: the topology, health and traffic at a moment of the last 24 hours, and what changed between two. */
export function createTimeline({ prisma, feed, clock, engine }: TimelineDeps) {
  const window = new EventWindow(prisma, feed, clock);

  function checkMoment(at: number, field: string): void {
    const now = clock.now();
    if (at > now) throw new AppError("BAD_REQUEST", `${field} is in the future`, field);
    if (at < now - TIMELINE_SPAN_MS) throw new AppError("BAD_REQUEST", `${field} is more than 24 hours ago: the timeline keeps the last 24 hours`, field);
  }

  // What exists now, read again only after the topology changed: a scrub step reads no rows.
  let stored: Promise<Omit<CurrentTopology, "instances">> | undefined;
  const unsubscribe = feed.subscribe((change) => {
    if (change.type === "topology") stored = undefined;
  });

  async function current(): Promise<CurrentTopology> {
    stored ??= readTopology().catch((err: unknown) => {
      stored = undefined;
      throw err;
    });
    return { ...(await stored), instances: engine.instances().map((i) => ({ id: i.id, serviceId: i.serviceId, ready: i.phase === "Running" && i.ready })) };
  }

  async function readTopology(): Promise<Omit<CurrentTopology, "instances">> {
    const [services, dependencies] = await Promise.all([
      prisma.service.findMany({ select: { id: true, name: true, external: true, deletedAt: true, positionX: true, positionY: true, replicas: true, revision: true, traffic: true } }),
      prisma.dependency.findMany({ select: { id: true, fromId: true, toId: true } }),
    ]);
    return {
      services: services.map((s) => ({
        id: s.id,
        name: s.name,
        external: s.external,
        protocol: protocolOf(s.traffic),
        deleting: s.deletedAt !== null,
        position: s.positionX === null || s.positionY === null ? null : { x: s.positionX, y: s.positionY },
        replicas: s.replicas,
        revision: s.revision,
      })),
      dependencies,
    };
  }

  async function snapshotAt(at: number, topology: CurrentTopology): Promise<TimelineSnapshot> {
    return reconstruct(topology, await window.read(), at, (key) => trafficOf(engine.metrics.pointAt(key, at)));
  }

  return {
    async at(raw: TimelineAtInput): Promise<TimelineSnapshot> {
      const { at } = timelineAtInput.parse(raw);
      checkMoment(at, "at");
      return snapshotAt(at, await current());
    },

    /** Per service: its state at `from` and at `to`, and the events between (services where nothing changed are left out). */
    async changes(raw: TimelineChangesInput): Promise<TimelineChanges> {
      const { from, to } = timelineChangesInput.parse(raw);
      checkMoment(from, "from");
      checkMoment(to, "to");
      const topology = await current();
      const [before, after, rows] = await Promise.all([
        snapshotAt(from, topology),
        snapshotAt(to, topology),
        prisma.event.findMany({ where: { at: { gt: new Date(from), lte: new Date(to) }, serviceId: { not: null } }, orderBy: { id: "asc" }, take: MAX_CHANGE_EVENTS }),
      ]);
      const beforeById = new Map(before.services.map((s) => [s.id, s]));
      const afterById = new Map(after.services.map((s) => [s.id, s]));
      const eventsById = new Map<string, GantryEvent[]>();
      for (const event of rows.map(toEvent)) eventsById.set(event.serviceId!, [...(eventsById.get(event.serviceId!) ?? []), event]);
      const ids = new Set([...beforeById.keys(), ...afterById.keys(), ...eventsById.keys()]);
      const services: ServiceChange[] = [];
      for (const id of ids) {
        const [was, is, events = []] = [beforeById.get(id), afterById.get(id), eventsById.get(id)];
        if (events.length === 0 && isDeepStrictEqual(stateOf(was), stateOf(is))) continue;
        services.push({
          serviceId: id,
          name: is?.name ?? was?.name ?? events.at(-1)?.serviceName ?? id,
          before: was ?? null,
          after: is ?? null,
          events: events.slice(-CHANGE_EVENTS_PER_SERVICE),
          moreEvents: Math.max(0, events.length - CHANGE_EVENTS_PER_SERVICE),
        });
      }
      return { from, to, services: services.sort((a, b) => a.name.localeCompare(b.name)) };
    },

    /** Events per minute over the last 24 hours: the scrubber's ticks. */
    async marks(): Promise<TimelineMarks> {
      const to = clock.now();
      const from = to - TIMELINE_SPAN_MS;
      const { perMinute } = await window.read();
      return { from, to, minutes: [...perMinute].map(([at, events]) => ({ at, events })).sort((a, b) => a.at - b.at) };
    },

    stop(): void {
      unsubscribe();
      window.stop();
    },
  };
}
