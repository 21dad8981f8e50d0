import { healthOf, type ServiceHealth } from "../../contracts/instance";
import type { Position } from "../../contracts/service";
import type { PastDependency, PastService, PastTraffic, TimelineSnapshot } from "../../contracts/timeline";
import { protocols, type Protocol } from "../../contracts/traffic";
import type { EventIndex, InstanceHistory } from "./event-index";

/** What reconstruction reads of an event. */
export type TimelineEvent = {
  at: number;
  kind: string;
  serviceId: string | null;
  serviceName: string | null;
  instanceId: string | null;
  data: Record<string, unknown> | null;
};

export type CurrentService = {
  id: string;
  name: string;
  external: boolean;
  protocol: Protocol;
  deleting: boolean;
  position: Position | null;
  replicas: number;
  revision: number;
};

/** The state now, from which the past is reached by undoing what happened since. */
export type CurrentTopology = {
  services: CurrentService[];
  dependencies: Array<{ id: string; fromId: string; toId: string }>;
  /** `ready`: Running and passing readiness now. */
  instances: Array<{ id: string; serviceId: string; ready: boolean }>;
};

/** A series' traffic at the moment being rebuilt (null: no point then). */
export type TrafficAt = (seriesKey: string) => PastTraffic | null;

type ServiceState = Omit<PastService, "ready" | "health" | "traffic">;
type EdgeState = Omit<PastDependency, "traffic">;

const edgeKey = (fromId: string, toId: string) => `${fromId}>${toId}`;
const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const record = (value: unknown): Record<string, unknown> | null => (value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null);

/** The live rule (`healthOf`), unknown when either count is. */
export function pastHealth(wanted: number | null, ready: number | null): ServiceHealth | "unknown" {
  return wanted === null || ready === null ? "unknown" : healthOf(wanted, ready);
}

/** A deleted service as its deletion event recorded it (events from before this say less). */
function serviceFromDeletion(event: TimelineEvent): ServiceState | undefined {
  if (!event.serviceId) return undefined;
  const data = event.data ?? {};
  const position = record(data.position);
  const protocol = str(data.protocol);
  return {
    id: event.serviceId,
    name: event.serviceName ?? event.serviceId,
    external: data.external === true,
    protocol: protocols.includes(protocol as Protocol) ? (protocol as Protocol) : "http",
    deletedSince: true,
    position: position && num(position.x) !== null && num(position.y) !== null ? { x: num(position.x)!, y: num(position.y)! } : null,
    wanted: num(data.replicas),
    revision: num(data.revision),
  };
}

/** `known` as one deletion event recorded it, completed by the other (an event without data says nothing). */
function fillUnknown(known: ServiceState, other: ServiceState): ServiceState {
  const recorded = known.wanted !== null;
  return {
    ...known,
    external: recorded ? known.external : other.external,
    protocol: recorded ? known.protocol : other.protocol,
    position: known.position ?? other.position,
    wanted: known.wanted ?? other.wanted,
    revision: known.revision ?? other.revision,
  };
}

/**
 * Walks back from now to `at` over the topology's events (oldest first), undoing every change made
 * after it: services created since disappear, deleted ones come back (as their deletion event
 * recorded them), scales, revisions and edges return to what they were.
 */
function topologyAt(current: CurrentTopology, events: readonly TimelineEvent[], at: number) {
  const services = new Map<string, ServiceState>(
    current.services.map((s) => [
      s.id,
      { id: s.id, name: s.name, external: s.external, protocol: s.protocol, deletedSince: s.deleting, position: s.position, wanted: s.replicas, revision: s.revision },
    ]),
  );
  const edges = new Map<string, EdgeState>(current.dependencies.map((d) => [edgeKey(d.fromId, d.toId), { id: d.id, fromId: d.fromId, toId: d.toId, deletedSince: false }]));
  const createdSince = new Set<string>();
  const existingNow = new Set(current.services.map((s) => s.id));
  const restoreEdge = (edge: unknown) => {
    const e = record(edge);
    const fromId = str(e?.fromId);
    const toId = str(e?.toId);
    if (fromId && toId) edges.set(edgeKey(fromId, toId), { id: str(e?.id) ?? str(e?.dependencyId), fromId, toId, deletedSince: true });
  };

  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.at <= at) break; // in time order: the rest happened before the moment
    const id = event.serviceId;
    const data = event.data ?? {};
    const service = id ? services.get(id) : undefined;
    switch (event.kind) {
      case "service.created":
        if (id && services.delete(id) && existingNow.has(id)) createdSince.add(event.serviceName ?? id);
        break;
      case "service.deleted":
      case "service.deleting": {
        const restored = serviceFromDeletion(event);
        if (restored && !service) services.set(restored.id, restored);
        // Both deletion events name the service; what one of them left unknown the other may know.
        else if (restored && service && !existingNow.has(restored.id)) services.set(restored.id, fillUnknown(service, restored));
        if (Array.isArray(data.edges)) data.edges.forEach(restoreEdge);
        break;
      }
      case "service.scaled":
      case "service.autoscaled":
        if (service) service.wanted = num(data.from) ?? service.wanted;
        break;
      case "service.updated": {
        if (!service) break;
        const from = record(data.from);
        if (num(from?.replicas) !== null) service.wanted = num(from!.replicas);
        // A new revision without the one it replaced (older events): the earlier one is unknown.
        if (num(data.revision) !== null) service.revision = num(from?.revision);
        break;
      }
      case "service.rolled-back":
        if (service) service.revision = num(data.from);
        break;
      case "dependency.created": {
        const fromId = str(data.fromId);
        const toId = str(data.toId);
        if (fromId && toId) edges.delete(edgeKey(fromId, toId));
        break;
      }
      case "dependency.deleted":
        restoreEdge(data);
        break;
    }
  }
  // An edge to or from a service that didn't exist yet can't have existed either.
  for (const [key, edge] of edges) if (!services.has(edge.fromId) || !services.has(edge.toId)) edges.delete(key);
  return { services, edges, createdSince: [...createdSince].sort() };
}

/** First events of an instance that was not serving before them (starting, or becoming ready). */
const notYetServing = new Set(["instance.ready", "instance.starting", "instance.running", "instance.failed"]);

/** Index of the last event at or before `at` (-1: none), events oldest first. */
function lastAtOrBefore(events: ReadonlyArray<{ at: number }>, at: number): number {
  let low = 0;
  let high = events.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (events[mid]!.at <= at) low = mid + 1;
    else high = mid - 1;
  }
  return high;
}

/**
 * Ready instances per service at `at`. An instance is ready when its last lifecycle event up to then
 * says so. One with no event up to then but some after was running since before the window: ready
 * when its first later event is one of a serving instance (unready, stopping, exited…), not when it
 * is one of an instance still coming up. One with no event at all is as it is now.
 */
function readyAt(current: CurrentTopology, instances: ReadonlyMap<string, InstanceHistory>, at: number): Map<string, number> {
  const counts = new Map<string, number>();
  const count = (serviceId: string) => counts.set(serviceId, (counts.get(serviceId) ?? 0) + 1);
  for (const { serviceId, events } of instances.values()) {
    const last = lastAtOrBefore(events, at);
    if (last >= 0 ? events[last]!.kind === "instance.ready" : !notYetServing.has(events[0]!.kind)) count(serviceId);
  }
  for (const instance of current.instances) if (instance.ready && !instances.has(instance.id)) count(instance.serviceId);
  return counts;
}

/** The topology, health and traffic at `at` (ms), rebuilt from now and the events since. */
export function reconstruct(current: CurrentTopology, events: EventIndex, at: number, trafficAt: TrafficAt): TimelineSnapshot {
  const { services, edges, createdSince } = topologyAt(current, events.topology, at);
  const ready = readyAt(current, events.instances, at);
  return {
    at,
    services: [...services.values()]
      .map((s): PastService => {
        const readyCount = s.external ? null : (ready.get(s.id) ?? 0);
        return { ...s, ready: readyCount, health: s.external ? "unknown" : pastHealth(s.wanted, readyCount), traffic: trafficAt(`service:${s.id}`) };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
    dependencies: [...edges.values()].map((e) => ({ ...e, traffic: e.id ? trafficAt(`edge:${e.id}`) : null })),
    createdSince,
  };
}
