import { z } from "zod";
import type { CatalogEntry } from "./catalog";
import type { GantryEvent } from "./event";
import type { Instance, UsageSample } from "./instance";
import type { Dependency, Service } from "./service";

/** Topics a client may subscribe to. Parametrised topics (e.g. `logs:<id>`) join this union as they arrive. */
export const topicName = z.enum(["topology", "events", "instances", "catalog"]);
export type TopicName = z.infer<typeof topicName>;

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

export type TopicTypes = {
  topology: { snapshot: TopologySnapshot; delta: TopologyDelta };
  events: { snapshot: GantryEvent[]; delta: GantryEvent };
  instances: { snapshot: Instance[]; delta: InstancesDelta };
  /** The discovery catalog: Gantry's instances and external endpoints, with their checks. */
  catalog: { snapshot: CatalogEntry[]; delta: CatalogDelta };
};

export type TopicMessage = {
  [T in TopicName]:
    | { type: "snapshot"; topic: T; data: TopicTypes[T]["snapshot"] }
    | { type: "delta"; topic: T; data: TopicTypes[T]["delta"] };
}[TopicName];

export type ServerMessage =
  | TopicMessage
  /** Deltas are coalesced per socket and sent at most every 250 ms. */
  | { type: "batch"; messages: TopicMessage[] }
  | { type: "error"; message: string };

/** Close code sent to a client that could not keep up; it should reconnect and resubscribe. */
export const CLOSE_TOO_SLOW = 4008;
