import { z } from "zod";
import type { CatalogEntry } from "./catalog";
import type { GantryEvent } from "./event";
import type { Instance, UsageSample } from "./instance";
import type { LogLine } from "./logs";
import type { MetricPoint, SeriesKey, SeriesResult } from "./metrics";
import type { Rollout } from "./rollout";
import type { Dependency, Service } from "./service";

/**
 * What each fixed topic's snapshot and deltas carry. Its keys are the list of fixed topics: the
 * name type, the validator, the server's sources (realtime/topics.ts) and FIXED_TOPICS follow it.
 */
type FixedTopicTypes = {
  topology: { snapshot: TopologySnapshot; delta: TopologyDelta };
  events: { snapshot: GantryEvent[]; delta: GantryEvent };
  instances: { snapshot: Instance[]; delta: InstancesDelta };
  /** The discovery catalog: Gantry's instances and external endpoints, with their checks. */
  catalog: { snapshot: CatalogEntry[]; delta: CatalogDelta };
  /** Services' and edges' traffic, second by second. */
  metrics: { snapshot: MetricsOverview; delta: MetricsDelta };
  loadgen: { snapshot: LoadJob[]; delta: LoadJob };
  /** Each service's newest rollout, then every change to any rollout. */
  rollouts: { snapshot: Rollout[]; delta: Rollout };
};
export type FixedTopic = keyof FixedTopicTypes;

/** The fixed topics at run time; the compiler holds the object to exactly FixedTopicTypes' keys. */
export const FIXED_TOPICS = Object.keys({
  topology: true,
  events: true,
  instances: true,
  catalog: true,
  metrics: true,
  loadgen: true,
  rollouts: true,
} satisfies Record<FixedTopic, true>) as FixedTopic[];

/** Topics: the fixed ones (FixedTopicTypes), a service's metrics (`metrics:<service id>`) and an instance's log (`logs:<instance id>`). */
export type TopicName = FixedTopic | `metrics:${string}` | `logs:${string}`;

export const topicName = z
  .string()
  .regex(new RegExp(`^(${FIXED_TOPICS.join("|")}|metrics:[0-9a-f-]{36}|logs:[a-z][-a-z0-9]{0,79})$`), "unknown topic")
  .transform((topic) => topic as TopicName);

export const clientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("subscribe"), topic: topicName }),
  z.object({ type: z.literal("unsubscribe"), topic: topicName }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

export type TopologySnapshot = { services: Service[]; dependencies: Dependency[] };

export type TopologyDelta =
  | { kind: "service.upserted"; service: Service }
  | { kind: "service.removed"; id: string }
  | { kind: "dependency.upserted"; dependency: Dependency }
  | { kind: "dependency.removed"; id: string };

export type InstancesDelta =
  | { kind: "instance.upserted"; instance: Instance }
  | { kind: "instance.removed"; id: string }
  /** CPU and memory of every running instance, once per sampling period. */
  | { kind: "usage"; samples: UsageSample[] };

export type CatalogDelta = { kind: "upserted"; entry: CatalogEntry } | { kind: "removed"; id: string };

/** One second of points for the series a subscription covers. */
export type MetricsDelta = { at: number; points: Record<SeriesKey, MetricPoint> };

/** Every service's latest second and its last minute of points (sparklines). */
export type MetricsOverview = { at: number; series: Record<SeriesKey, MetricPoint[]> };

/** A traffic generator run: N requests per second to a service for M seconds. */
export type LoadJob = {
  id: string;
  serviceId: string;
  serviceName: string;
  rate: number;
  seconds: number;
  startedAt: number;
  sent: number;
  ok: number;
  failed: number;
  state: "running" | "done" | "stopped";
};

export type TopicTypes = FixedTopicTypes & {
  /** One service, its instances and its edges: 15 minutes at 1 s, then every second. */
  [service: `metrics:${string}`]: { snapshot: SeriesResult; delta: MetricsDelta };
  /** An instance's recent lines, then new ones as they come. */
  [instance: `logs:${string}`]: { snapshot: LogLine[]; delta: LogLine[] };
};

type MessagesOf<T extends string, Types extends { snapshot: unknown; delta: unknown }> =
  | { type: "snapshot"; topic: T; data: Types["snapshot"] }
  | { type: "delta"; topic: T; data: Types["delta"] };

export type TopicMessage =
  | { [T in FixedTopic]: MessagesOf<T, TopicTypes[T]> }[FixedTopic]
  | MessagesOf<`metrics:${string}`, TopicTypes[`metrics:${string}`]>
  | MessagesOf<`logs:${string}`, TopicTypes[`logs:${string}`]>;

export type ServerMessage =
  | TopicMessage
  /** Deltas are coalesced per socket and sent at most every 250 ms. */
  | { type: "batch"; messages: TopicMessage[] }
  /** `retry`: the topic's snapshot failed for a passing reason; subscribing again may work. */
  | { type: "error"; message: string; retry?: TopicName };

/** Close code sent to a client that could not keep up; it should reconnect and resubscribe. */
export const CLOSE_TOO_SLOW = 4008;
