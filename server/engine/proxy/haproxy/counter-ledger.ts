import { connectionCounterNames, newCounters } from "../counters";
import { latencyBuckets, statusClasses, type TrafficCounters } from "../types";
import type { RawCounters } from "./stats-csv";

type Entry = {
  /** The HAProxy worker whose counters `last` holds. */
  worker: number;
  last: RawCounters;
  /** Counted before `last` started from zero (previous workers, a server deleted and added again). */
  base: TrafficCounters;
  /** Built here from HAProxy's averages (see read()). */
  latency: number[];
  latencySum: number;
};

const requestsOf = (raw: RawCounters) => statusClasses.reduce((sum, c) => sum + raw.requests[c], 0);

/** Cumulative fields only: the gauges (in flight, open connections) are never summed. */
function decreased(now: RawCounters, before: RawCounters): boolean {
  return statusClasses.some((c) => now.requests[c] < before.requests[c]) || connectionCounterNames.some((n) => n !== "open" && now.connections[n] < before.connections[n]);
}

type Cumulative = Pick<RawCounters, "requests" | "connections">;

function addCumulative(into: TrafficCounters, raw: Cumulative): void {
  for (const c of statusClasses) into.requests[c] += raw.requests[c];
  for (const n of connectionCounterNames) if (n !== "open") into.connections[n] += raw.connections[n];
}

/** The same reading with its cumulative counts at zero (a start from nothing), its gauges kept. */
const restarted = (raw: RawCounters): RawCounters => ({
  ...raw,
  requests: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 },
  connections: { ...raw.connections, total: 0, bytesIn: 0, bytesOut: 0, connectErrors: 0 },
});

const bucketOf = (seconds: number) => {
  const index = latencyBuckets.findIndex((bound) => seconds <= bound);
  return index === -1 ? latencyBuckets.length : index;
};

/**
 * Keeps Gantry's counters cumulative over HAProxy's: a reload starts a worker whose counters start
 * from zero, and a server deleted and added again starts from zero too. Per key, what was counted
 * before such a restart is kept as a base and the new counts added to it.
 *
 * HAProxy keeps no latency histogram, only the average total time of the last 1024 requests
 * (`ttime`). Each read puts the requests counted since the previous read into the bucket of that
 * average (and adds them at that average to the sum): an approximation whose resolution is the
 * read interval (1 s for Gantry's metrics), good for trends and for quantiles over many intervals,
 * blind to the spread within one interval.
 */
export class CounterLedger {
  private readonly entries = new Map<string, Entry>();

  read(key: string, worker: number, raw: RawCounters): TrafficCounters {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { worker, last: restarted(raw), base: newCounters(), latency: newCounters().latency, latencySum: 0 };
      this.entries.set(key, entry);
    } else if (entry.worker !== worker || decreased(raw, entry.last)) {
      addCumulative(entry.base, entry.last);
      entry.last = restarted(entry.last);
      entry.worker = worker;
    }
    const fresh = requestsOf(raw) - requestsOf(entry.last);
    if (fresh > 0 && raw.averageMs !== undefined) {
      entry.latency[bucketOf(raw.averageMs / 1000)]! += fresh;
      entry.latencySum += (fresh * raw.averageMs) / 1000;
    }
    entry.last = raw;
    const counters = newCounters();
    addCumulative(counters, entry.base);
    addCumulative(counters, raw);
    counters.inFlight = raw.inFlight;
    counters.connections.open = raw.connections.open;
    counters.latency = [...entry.latency];
    counters.latencySum = entry.latencySum;
    return counters;
  }

  /** Forgets keys not read in the last pass (services, instances and listeners gone). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.entries.keys()) if (!keys.has(key)) this.entries.delete(key);
  }
}
