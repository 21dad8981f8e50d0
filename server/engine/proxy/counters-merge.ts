import { connectionCounterNames, copyCounters } from "./counters";
import type { DataPlaneStats, EndpointStats, ListenerStats, ServiceStats, TrafficCounters } from "./types";

function add(into: TrafficCounters, from: TrafficCounters): void {
  for (const key of Object.keys(from.requests) as Array<keyof TrafficCounters["requests"]>) into.requests[key] += from.requests[key];
  from.latency.forEach((count, i) => (into.latency[i] = (into.latency[i] ?? 0) + count));
  into.latencySum += from.latencySum;
  into.inFlight += from.inFlight;
  for (const name of connectionCounterNames) into.connections[name] += from.connections?.[name] ?? 0;
}

/** Sums the counters of several data plane workers into one view. */
export function mergeStats(parts: DataPlaneStats[]): DataPlaneStats {
  const listeners = new Map<string, ListenerStats>();
  const endpoints = new Map<string, EndpointStats>();
  const services = new Map<string, ServiceStats>();
  for (const part of parts) {
    for (const s of part.services) {
      const seen = services.get(s.serviceId);
      if (!seen) services.set(s.serviceId, { ...s, counters: copyCounters(s.counters) });
      else add(seen.counters, s.counters);
    }
    for (const l of part.listeners) {
      const seen = listeners.get(l.key);
      if (!seen) listeners.set(l.key, { ...l, counters: copyCounters(l.counters) });
      else {
        add(seen.counters, l.counters);
        seen.bound &&= l.bound;
        seen.error ??= l.error;
      }
    }
    for (const e of part.endpoints) {
      const key = `${e.serviceId}/${e.instanceId}`;
      const seen = endpoints.get(key);
      if (!seen) endpoints.set(key, { ...e, counters: copyCounters(e.counters) });
      else {
        add(seen.counters, e.counters);
        seen.ejected ||= e.ejected;
      }
    }
  }
  return { listeners: [...listeners.values()], services: [...services.values()], endpoints: [...endpoints.values()] };
}
