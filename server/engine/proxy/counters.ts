import { latencyBuckets, type ConnectionCounters, type StatusClass, type TrafficCounters } from "./types";

export const newConnectionCounters = (): ConnectionCounters => ({ total: 0, open: 0, bytesIn: 0, bytesOut: 0, connectErrors: 0 });

export function newCounters(): TrafficCounters {
  return {
    requests: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 },
    latency: new Array(latencyBuckets.length + 1).fill(0),
    latencySum: 0,
    inFlight: 0,
    connections: newConnectionCounters(),
  };
}

// A data plane of an earlier build (still serving until handed over) sends no connection counters.
export const copyCounters = (counters: TrafficCounters): TrafficCounters => ({
  ...counters,
  requests: { ...counters.requests },
  latency: [...counters.latency],
  connections: { ...newConnectionCounters(), ...counters.connections },
});

export const connectionCounterNames = ["total", "open", "bytesIn", "bytesOut", "connectErrors"] as const satisfies ReadonlyArray<keyof ConnectionCounters>;

const classes: StatusClass[] = ["1xx", "1xx", "2xx", "3xx", "4xx", "5xx"];

export function statusClass(status: number): StatusClass {
  return classes[Math.min(5, Math.max(1, Math.floor(status / 100)))]!;
}

/** Counts one finished request: no allocation. */
export function recordRequest(counters: TrafficCounters, status: number, seconds: number): void {
  counters.requests[statusClass(status)]++;
  let bucket = 0;
  while (bucket < latencyBuckets.length && seconds > latencyBuckets[bucket]!) bucket++;
  counters.latency[bucket]!++;
  counters.latencySum += seconds;
}
