import { z } from "zod";
import type { GantryEvent } from "./event";
import type { ServiceHealth } from "./instance";
import type { Position, Service } from "./service";
import type { Protocol } from "./traffic";

/** How far back the timeline reaches: the minute series' span. */
export const TIMELINE_SPAN_MS = 24 * 3_600_000;

/** Traffic at a moment: the second (last 15 min) or minute (older) that holds it. */
export type PastTraffic = { rps: number; errorRate: number; p95: number | null };

/** A service as it was at a moment. Null fields: events from before Gantry recorded them. */
export type PastService = {
  id: string;
  name: string;
  external: boolean;
  protocol: Protocol;
  /** Deleted since that moment (it shows ghosted). */
  deletedSince: boolean;
  position: Position | null;
  /** Replicas wanted then. */
  wanted: number | null;
  /** Ready instances then; null for an external service (its endpoints' checks aren't kept). */
  ready: number | null;
  revision: number | null;
  health: ServiceHealth | "unknown";
  traffic: PastTraffic | null;
};

/** A dependency edge as it was; `id` is null for an edge deleted before Gantry kept edge ids in events. */
export type PastDependency = { id: string | null; fromId: string; toId: string; deletedSince: boolean; traffic: PastTraffic | null };

export type TimelineSnapshot = {
  /** The moment, ms since epoch. */
  at: number;
  services: PastService[];
  dependencies: PastDependency[];
  /** Services created since, by name: hidden, as they didn't exist yet. */
  createdSince: string[];
};

/** Events per minute over the timeline, for the scrubber's ticks. */
export type TimelineMarks = { from: number; to: number; minutes: Array<{ at: number; events: number }> };

/** What a service's state was at A and at B (null: it didn't exist), and what happened to it between. */
export type ServiceChange = {
  serviceId: string;
  name: string;
  before: PastService | null;
  after: PastService | null;
  /** Oldest first; at most `CHANGE_EVENTS_PER_SERVICE`. */
  events: GantryEvent[];
  /** Events left out past that bound. */
  moreEvents: number;
};

export const CHANGE_EVENTS_PER_SERVICE = 50;

export type TimelineChanges = { from: number; to: number; services: ServiceChange[] };

const moment = z.number().int().positive();

export const timelineAtInput = z.object({ at: moment });
export type TimelineAtInput = z.input<typeof timelineAtInput>;

export const timelineChangesInput = z
  .object({ from: moment, to: moment })
  .refine((range) => range.from <= range.to, { message: "from must not be after to", path: ["from"] });
export type TimelineChangesInput = z.input<typeof timelineChangesInput>;

/** What a service's deletion events record of it, so the timeline can show it as it was once it is gone. */
export function deletionRecord(service: Pick<Service, "replicas" | "revision" | "position" | "external" | "traffic">) {
  return { replicas: service.replicas, revision: service.revision, position: service.position, external: service.external, protocol: service.traffic.protocol };
}
