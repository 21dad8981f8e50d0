import { connectionCounterNames, newCounters } from "../counters";
import { latencyBuckets, statusClasses, type TrafficCounters } from "../types";
import type { RawCounters } from "./stats-csv";

type Entry = {
  /** Counted by workers gone since (replaced by reloads), and before a count started over. */
  base: TrafficCounters;
  /** Each running worker's last reading. */
  workers: Map<number, RawCounters>;
  /** Built here from HAProxy's averages (see CounterLedger). */
  latency: number[];
  latencySum: number;
};

type Cumulative = Pick<RawCounters, "requests" | "connections">;

const requestsOf = (raw: Cumulative) => statusClasses.reduce((sum, c) => sum + raw.requests[c], 0);

/** Cumulative fields only: the gauges (in flight, open connections) are never summed over time. */
function decreased(now: Cumulative, before: Cumulative): boolean {
  return statusClasses.some((c) => now.requests[c] < before.requests[c]) || connectionCounterNames.some((n) => n !== "open" && now.connections[n] < before.connections[n]);
}

function addCumulative(into: TrafficCounters, raw: Cumulative): void {
  for (const c of statusClasses) into.requests[c] += raw.requests[c];
  for (const n of connectionCounterNames) if (n !== "open") into.connections[n] += raw.connections[n];
}

const bucketOf = (seconds: number) => {
  const index = latencyBuckets.findIndex((bound) => seconds <= bound);
  return index === -1 ? latencyBuckets.length : index;
};

/**
 * Keeps Gantry's counters cumulative over HAProxy's. Each worker counts from zero: a reload starts a
 * new one while the replaced one finishes its connections (its counts still read, through the
 * master), and a server deleted and added again starts from zero too. Per key, the counts of workers
 * gone and of counts that started over are kept as a base, and the running workers' added to it.
 *
 * HAProxy keeps no latency histogram, only the average total time of the last 1024 requests
 * (`ttime`). Each read puts the requests counted since the previous read into the bucket of that
 * average (and adds them at that average to the sum): an approximation whose resolution is the
 * read interval (1 s for Gantry's metrics), good for trends and for quantiles over many intervals,
 * blind to the spread within one.
 */
export class CounterLedger {
  private readonly entries = new Map<string, Entry>();

  /** One worker's reading of one key. */
  observe(key: string, worker: number, raw: RawCounters): void {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { base: newCounters(), workers: new Map(), latency: newCounters().latency, latencySum: 0 };
      this.entries.set(key, entry);
    }
    const last = entry.workers.get(worker);
    if (last && decreased(raw, last)) {
      addCumulative(entry.base, last);
      entry.workers.delete(worker);
    }
    const fresh = requestsOf(raw) - requestsOf(entry.workers.get(worker) ?? newCounters());
    if (fresh > 0 && raw.averageMs !== undefined) {
      entry.latency[bucketOf(raw.averageMs / 1000)]! += fresh;
      entry.latencySum += (fresh * raw.averageMs) / 1000;
    }
    entry.workers.set(worker, raw);
  }

  /** A key's counters: what gone workers counted plus what running ones do. */
  counters(key: string): TrafficCounters {
    const counters = newCounters();
    const entry = this.entries.get(key);
    if (!entry) return counters;
    addCumulative(counters, entry.base);
    for (const raw of entry.workers.values()) {
      addCumulative(counters, raw);
      counters.inFlight += raw.inFlight;
      counters.connections.open += raw.connections.open;
    }
    counters.latency = [...entry.latency];
    counters.latencySum = entry.latencySum;
    return counters;
  }

  /**
   * After a pass over every running worker: the counts of workers that exited become base, keys no
   * longer read (services, instances and listeners gone) are forgotten.
   */
  endPass(workers: ReadonlySet<number>, keys: ReadonlySet<string>): void {
    for (const [key, entry] of this.entries) {
      if (!keys.has(key)) {
        this.entries.delete(key);
        continue;
      }
      for (const [worker, last] of entry.workers) {
        if (workers.has(worker)) continue;
        addCumulative(entry.base, last);
        entry.workers.delete(worker);
      }
    }
  }
}
